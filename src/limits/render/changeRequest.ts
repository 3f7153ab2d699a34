import type { KnownBlock } from '@slack/types';
import { LIMIT_REQUEST_STATES, type LimitRequestState } from '../domain/limitRequest.js';
import { applyLimitChange, DEFAULT_THRESHOLDS, describeLimitChange } from '../domain/limits.js';
import { formatCents } from '../../platform/domain/money.js';
import { ACTION } from '../../platform/slack/ids.js';
import { composeMessage, fieldsBlock, headerBlock, sectionBlock, type RenderedMessage } from '../../platform/slack/render/blocks.js';
import { codeSpan, escapeMrkdwn, fitUserText, mentionChannel, mentionUser, quoteUserText, slackDate } from '../../platform/slack/render/mrkdwn.js';
import { channelText, domainLine, formatLimit, formatThresholds, projectLabel, projectName } from './format.js';
import { raiseEndText } from './raise.js';
import type { LimitChangeRequestView } from './types.js';
import { approvedByOf, pendingDecisionBlocks } from '../../approvals/index.js';

const REASON_MAX = 1000;

const STATE_WORDS: Readonly<Record<LimitRequestState, string>> = {
  pending: 'waiting for an approver',
  approved: 'approved, being applied',
  applied: 'applied',
  denied: 'denied',
  expired: 'expired',
  cancelled: 'cancelled',
  failed: 'refused by OpenAI',
};

/** A limit-change request's state as a person would say it; any other state name is shown as given, escaped. */
export const limitChangeStateInWords = (state: string): string =>
  (LIMIT_REQUEST_STATES as readonly string[]).includes(state) ? STATE_WORDS[state as LimitRequestState] : fitUserText(state, 60);

/** The change as it was asked for, field by field, when the domain cannot work out the result (see below). */
const askedChangeLines = (req: Pick<LimitChangeRequestView, 'before' | 'change'>): string[] => {
  const { before, change } = req;
  const lines: string[] = [];
  if (change.soft !== undefined) lines.push(`Soft limit: ${formatLimit(before?.softCents ?? null)} → ${formatCents(change.soft)}`);
  if (change.hard !== undefined) {
    lines.push(`Hard limit: ${formatLimit(before?.hardCents ?? null)} → ${change.hard === 'off' ? 'off' : formatCents(change.hard)}`);
  }
  if (change.thresholds !== undefined) {
    lines.push(
      `Alert thresholds: ${formatThresholds(before?.thresholds ?? DEFAULT_THRESHOLDS)} → ${formatThresholds(change.thresholds)}`,
    );
  }
  const escaped = lines.map(escapeMrkdwn);
  if (change.channelId !== undefined) {
    escaped.push(`Alert channel: ${channelText(before?.channelId ?? null)} → ${mentionChannel(change.channelId)}`);
  }
  return escaped;
};

/**
 * The requested change as safe mrkdwn `before → after` lines. The result is worked out the way it will be applied;
 * if the domain refuses it against `before` (e.g. nothing would change), the lines show what was asked and `note`
 * says why it would not apply as it stands.
 */
export const requestedChangeLines = (
  req: Pick<LimitChangeRequestView, 'projectId' | 'before' | 'change' | 'createdAt' | 'requesterId'>,
): { readonly lines: string[]; readonly note?: string } => {
  const applied = applyLimitChange(req.before, req.change, {
    projectId: req.before?.projectId ?? req.projectId,
    now: req.createdAt,
    actor: req.requesterId,
    defaultChannel: req.before?.channelId ?? null,
  });
  if (applied.ok) {
    const lines = describeLimitChange(req.before, applied.value);
    if (lines.length > 0) return { lines: lines.map(domainLine) };
  }
  const lines = askedChangeLines(req);
  return applied.ok ? { lines } : { lines, note: applied.error.message };
};

const at = (ms: number | undefined): string => (ms === undefined ? '' : ` ${slackDate(ms)}`);

const reasonQuote = (reason: string | undefined, fallback: string): string =>
  quoteUserText(reason === undefined || reason.trim() === '' ? fallback : reason, REASON_MAX);

const approvalLine = (req: LimitChangeRequestView): string[] =>
  req.decidedBy === undefined ? [] : [`:white_check_mark: Approved by ${approvedByOf(req)}${at(req.decidedAt)}.`];

/** What happened to the request, one line per step; empty while it is pending and open. */
const outcomeLines = (req: LimitChangeRequestView, now: number): string[] => {
  switch (req.state) {
    case 'pending':
      return now >= req.decideBy ? [`:hourglass: No approver decided by ${slackDate(req.decideBy)}; this request is expiring.`] : [];
    case 'approved':
      // Only the hard cap is set at OpenAI; soft limits, thresholds and the channel are keywarden's own.
      return [...approvalLine(req), req.change.hard !== undefined ? ':gear: Setting the hard cap at OpenAI…' : ':gear: Recording the new limits…'];
    case 'applied':
      return [...approvalLine(req), `:white_check_mark: Applied${at(req.appliedAt)}; the new limits are in effect.`];
    case 'denied':
      return [
        `:no_entry: Denied by ${req.decidedBy === undefined ? 'an approver' : mentionUser(req.decidedBy)}${at(req.decidedAt)}.`,
        ...(req.denyReason === undefined || req.denyReason.trim() === '' ? [] : [quoteUserText(req.denyReason, REASON_MAX)]),
      ];
    case 'expired':
      return [`:hourglass: Expired ${slackDate(req.decideBy)}: no approver decided in time.`];
    case 'cancelled':
      return [`:heavy_multiplication_x: Cancelled${req.cancelledBy === undefined ? '' : ` by ${mentionUser(req.cancelledBy)}`}; the limits stay as they were.`];
    case 'failed':
      return [
        ...approvalLine(req),
        ':x: OpenAI refused the change, so the limits stay as they were. OpenAI said:',
        reasonQuote(req.failure, 'OpenAI gave no reason.'),
      ];
  }
};

/** The limit-change request's message in the approval channel; re-rendered on every transition. */
export const renderLimitChangeRequestMessage = (req: LimitChangeRequestView, opts: { readonly now: number }): RenderedMessage => {
  const project = { id: req.projectId, name: req.projectName };
  const open = req.state === 'pending' && opts.now < req.decideBy;
  const { lines, note } = requestedChangeLines(req);
  const blocks: KnownBlock[] = [
    headerBlock('Spend limit change request'),
    fieldsBlock([
      `*Requested by*\n${mentionUser(req.requesterId)}`,
      `*Project*\n${projectLabel(project)}`,
      `*Decide by*\n${slackDate(req.decideBy)}`,
      `*Requested*\n${slackDate(req.createdAt)}`,
      `*State*\n${limitChangeStateInWords(req.state)}`,
      `*Request*\n${codeSpan(req.id, 60)}`,
      ...(req.change.until === undefined ? [] : [`*Raise ends*\n${raiseEndText(req.change.until)}`]),
    ]),
    sectionBlock(
      `*Change*\n${lines.length === 0 ? 'Nothing to change.' : lines.join('\n')}` +
        (note === undefined ? '' : `\n:information_source: ${fitUserText(note, 600)}`),
    ),
    sectionBlock(`*Reason*\n${reasonQuote(req.reason, '(none given)')}`),
  ];
  if (open) {
    blocks.push(
      ...pendingDecisionBlocks(req, {
        approveActionId: ACTION.approveLimitChange,
        denyActionId: ACTION.denyLimitChange,
        confirmTitle: 'Apply this change?',
        confirmText:
          `Change the spend limits of ${req.projectName.trim() === '' ? req.projectId : req.projectName} as requested. ` +
          'A new hard cap is set at OpenAI at once.',
      }),
    );
  } else {
    const outcome = outcomeLines(req, opts.now);
    if (outcome.length > 0) blocks.push(sectionBlock(outcome.join('\n')));
  }
  const summary = lines.slice(0, 2).join('; ');
  return composeMessage(
    `Spend limit change request from ${mentionUser(req.requesterId)} for project ${projectName(project)}: ` +
      `${limitChangeStateInWords(req.state)}${summary === '' ? '' : `. ${summary}`}${lines.length > 2 ? '; …' : ''}`,
    blocks,
  );
};
