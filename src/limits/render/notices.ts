import type { KnownBlock } from '@slack/types';
import { describeLimitChange, type ProjectLimits } from '../domain/limits.js';
import type { LimitChangeEvent } from '../domain/limitChangeEvents.js';
import { composeMessage, contextBlock, fieldsBlock, sectionBlock, type RenderedMessage } from '../../platform/slack/render/blocks.js';
import { codeSpan, mentionChannel, mentionUser, quoteUserText, slackDate } from '../../platform/slack/render/mrkdwn.js';
import {
  channelText,
  commandCode,
  domainLine,
  formatLimit,
  formatThresholds,
  projectArgument,
  projectLabel,
  projectName,
} from './format.js';
import { raiseLine } from './raise.js';
import type { LimitChangeRequestView, LimitsProject } from './types.js';
import { approvedByInWords } from '../../approvals/index.js';

const REASON_MAX = 1000;

const plainMessage = (text: string): RenderedMessage => composeMessage(text, [sectionBlock(text)]);

const changeLines = (before: ProjectLimits | null, after: ProjectLimits): string[] => {
  const lines = describeLimitChange(before, after).map(domainLine);
  return lines.length === 0 ? ['Nothing visible changed.'] : lines;
};

const quotedReason = (reason: string, fallback: string): string =>
  quoteUserText(reason.trim() === '' ? fallback : reason, REASON_MAX);

/** The announcement in the project's alert channel that its limits changed, with before and after. */
export const renderLimitChangeApplied = (opts: {
  readonly project: LimitsProject;
  readonly before: ProjectLimits | null;
  readonly after: ProjectLimits;
  readonly actorId: string;
  /** set when the change was a request that an approver approved; `actorId` is then the requester */
  readonly approvedBy?: string;
  readonly now: number;
}): RenderedMessage => {
  const { project, before, after } = opts;
  const who =
    opts.approvedBy === undefined
      ? `by ${mentionUser(opts.actorId)}`
      : `at the request of ${mentionUser(opts.actorId)}, approved by ${mentionUser(opts.approvedBy)}`;
  const lines = changeLines(before, after);
  const blocks: KnownBlock[] = [
    sectionBlock(`:gear: The spend limits of ${projectLabel(project)} were changed ${who}.`),
    sectionBlock(`*Before → after*\n${lines.join('\n')}`),
    fieldsBlock([
      `*Soft limit*\n${formatLimit(after.softCents)}`,
      `*Hard cap*\n${formatLimit(after.hardCents)}`,
      `*Alerts at*\n${formatThresholds(after.thresholds)}`,
      `*Alert channel*\n${channelText(after.channelId)}`,
    ]),
    ...(after.raise !== undefined && after.raise.version === after.version && raiseLine(after) !== null ? [sectionBlock(raiseLine(after) as string)] : []),
    contextBlock(
      `Changed ${slackDate(opts.now)} · alerts start again from the new thresholds this month · ` +
        `see them with ${commandCode(`limits ${projectArgument(project)}`)}`,
    ),
  ];
  return composeMessage(`Spend limits of ${projectName(project)} changed ${who}: ${lines.join('; ')}`, blocks);
};

/**
 * The admin's own answer after their `limit` command was applied. The change itself is announced in the alert
 * channel (`renderLimitChangeApplied`); this must not repeat it: when the command was typed in that channel the
 * announcement is right below, so one line points at it; typed elsewhere, one line also says what changed.
 */
export const renderLimitChangeConfirmation = (opts: {
  readonly project: LimitsProject;
  readonly before: ProjectLimits | null;
  readonly after: ProjectLimits;
  /** where the announcement goes */
  readonly announcedIn: string;
  /** where the command was typed */
  readonly typedIn: string;
}): RenderedMessage => {
  const label = projectLabel(opts.project);
  const channel = mentionChannel(opts.announcedIn);
  const text =
    opts.typedIn === opts.announcedIn
      ? `:white_check_mark: Done: the spend limits of ${label} are changed; the announcement is in this channel.`
      : `:white_check_mark: Done: the spend limits of ${label} are changed (${changeLines(opts.before, opts.after).join('; ')}), announced in ${channel}.`;
  return composeMessage(
    `Done: the spend limits of ${projectName(opts.project)} are changed and announced in ${channel}.`,
    [sectionBlock(text)],
  );
};

/** What happened to a submitted limit form, told by DM after the form closed (only OpenAI's answer comes later). */
export type LimitFormOutcome =
  | { readonly kind: 'applied'; readonly project: LimitsProject; readonly announcedIn: string }
  | { readonly kind: 'requested'; readonly project: LimitsProject; readonly requestId: string }
  | { readonly kind: 'refused'; readonly error: { readonly what: string; readonly hint?: string } };

export const renderLimitFormOutcome = (outcome: LimitFormOutcome): RenderedMessage => {
  switch (outcome.kind) {
    case 'applied': {
      const text = `:white_check_mark: Done: the spend limits of ${projectLabel(outcome.project)} are changed and announced in ${mentionChannel(outcome.announcedIn)}.`;
      return composeMessage(`Done: the spend limits of ${projectName(outcome.project)} are changed.`, [sectionBlock(text)]);
    }
    case 'requested': {
      const text =
        `:hourglass_flowing_sand: Your change to the spend limits of ${projectLabel(outcome.project)} is waiting for an approver ` +
        `(request ${codeSpan(outcome.requestId, 60)}). You will get a DM when it is decided.`;
      return composeMessage(`Your limit change for ${projectName(outcome.project)} is waiting for an approver.`, [sectionBlock(text)]);
    }
    case 'refused': {
      const error = renderLimitError(outcome.error);
      return composeMessage(`Your limit change was not made: ${error.text}`, [sectionBlock(`:warning: Your limit change was not made. ${domainLine(outcome.error.what)}${outcome.error.hint ? `\n*Try:* ${domainLine(outcome.error.hint)}` : ''}`)]);
    }
  }
};

/**
 * A refused limit command in words: like the generic error notice, but a channel the limits code names by id
 * (`<#C…>`) is a real channel link rather than literal text.
 */
export const renderLimitError = (error: { readonly what: string; readonly hint?: string }): RenderedMessage => {
  const what = error.what.trim() === '' ? 'Something went wrong.' : error.what;
  const hint = error.hint === undefined || error.hint.trim() === '' ? undefined : error.hint;
  const plain = (line: string) => line.replace(/<#([CGD][A-Z0-9]{2,30})(\|[^>]*)?>/g, '#$1');
  return composeMessage(`${plain(what)}${hint === undefined ? '' : ` Try: ${plain(hint)}`}`, [
    sectionBlock(`:warning: ${domainLine(what)}${hint === undefined ? '' : `\n*Try:* ${domainLine(hint)}`}`),
  ]);
};

/** Whether a change touches OpenAI at all: only the hard cap lives there; soft limits, thresholds and channel are keywarden's. */
const appliesAtOpenAI = (change: LimitChangeRequestView['change'] | undefined): boolean => change === undefined || change.hard !== undefined;

const threadNoteText = (event: LimitChangeEvent, change?: LimitChangeRequestView['change']): string => {
  switch (event.kind) {
    case 'approved':
      return `:white_check_mark: Approved by ${approvedByInWords(event)}. ${appliesAtOpenAI(change) ? 'Setting the hard cap at OpenAI…' : 'Recording the new limits…'}`;
    case 'applied':
      return (
        `:white_check_mark: Applied; the new limits are in effect.\n${changeLines(event.before, event.after).join('\n')}` +
        (event.announcedIn === undefined ? '' : `\nAnnounced in ${mentionChannel(event.announcedIn)}.`)
      );
    case 'denied':
      return `:no_entry: Denied by ${mentionUser(event.by)}.\n${quotedReason(event.reason, '(no reason given)')}`;
    case 'expired':
      return ':hourglass: No approver decided in time, so the request expired.';
    case 'cancelled':
      return `:heavy_multiplication_x: Cancelled by ${mentionUser(event.by)}; approvers need not decide it any more, and the limits stay as they were.`;
    case 'failed':
      return `:x: OpenAI refused the change, so the limits stay as they were. OpenAI said:\n${quotedReason(event.reason, 'OpenAI gave no reason.')}`;
  }
};

/**
 * A short reply in the limit-change request's thread. `request` (its change) says whether anything is set at OpenAI,
 * so a soft-only change is not said to be "applied at OpenAI".
 */
export const renderLimitChangeThreadNote = (event: LimitChangeEvent, request?: Pick<LimitChangeRequestView, 'change'>): RenderedMessage =>
  plainMessage(threadNoteText(event, request?.change));

/** What the requester is told by DM about `event`; null when they need not be (they cancelled it themselves). */
export const renderLimitRequesterDm = (req: LimitChangeRequestView, event: LimitChangeEvent): RenderedMessage | null => {
  const project = { id: req.projectId, name: req.projectName };
  const label = projectLabel(project);
  const askAgain = `You can ask again with ${commandCode(`limit ${projectArgument(project)} …`)}.`;
  switch (event.kind) {
    case 'approved':
      return plainMessage(
        `:white_check_mark: Your request to change the spend limits of ${label} was approved by ${approvedByInWords(event)}. ` +
          `${appliesAtOpenAI(req.change) ? 'keywarden is setting the hard cap at OpenAI' : 'keywarden is recording it'}; you will get another message when it is in effect.`,
      );
    case 'applied':
      return plainMessage(
        `:white_check_mark: Your change to the spend limits of ${label} is in effect:\n` +
          changeLines(event.before, event.after).join('\n'),
      );
    case 'denied':
      return plainMessage(
        `:no_entry: Your request to change the spend limits of ${label} was denied by ${mentionUser(event.by)}.\n` +
          `${quotedReason(event.reason, '(no reason given)')}\n${askAgain}`,
      );
    case 'expired':
      return plainMessage(
        `:hourglass: No approver decided your request to change the spend limits of ${label} by ${slackDate(req.decideBy)}, ` +
          `so it expired. ${askAgain}`,
      );
    case 'cancelled':
      // The requester who cancelled was answered where they typed it.
      if (event.by === req.requesterId) return null;
      return plainMessage(
        `:heavy_multiplication_x: Your request to change the spend limits of ${label} was cancelled by ${mentionUser(event.by)}, ` +
          `so the limits stay as they were. ${askAgain}`,
      );
    case 'failed':
      return plainMessage(
        `:x: OpenAI refused the change to the spend limits of ${label}, so they stay as they were. OpenAI said:\n` +
          `${quotedReason(event.reason, 'OpenAI gave no reason.')}\nAsk a keywarden admin, or ask again with different limits ` +
          `(request ${codeSpan(req.id, 60)}).`,
      );
  }
};
