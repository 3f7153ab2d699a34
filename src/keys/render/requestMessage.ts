import type { KnownBlock } from '@slack/types';
import type { KeyRequest } from '../domain/keyRequest.js';
import { ACTION } from '../../platform/slack/ids.js';
import { composeMessage, fieldsBlock, headerBlock, sectionBlock, type RenderedMessage } from '../../platform/slack/render/blocks.js';
import { codeSpan, fitUserText, mentionUser, pluralDays, quoteUserText, slackDate } from '../../platform/slack/render/mrkdwn.js';
import { renderStateInWords } from './stateWords.js';
import { approvedByOf, pendingDecisionBlocks } from '../../approvals/index.js';

const PROJECT_NAME_MAX = 200;
const PURPOSE_MAX = 2000;
const REASON_MAX = 1000;

/** `*Name* (`proj_…`)`, escaped. Shared by every surface that names a project. */
export const projectLabel = (req: Pick<KeyRequest, 'projectName' | 'projectId'>): string =>
  `*${fitUserText(req.projectName, PROJECT_NAME_MAX)}* (${codeSpan(req.projectId, 100)})`;

export const redactedKeyLabel = (req: Pick<KeyRequest, 'redactedKey'>): string =>
  req.redactedKey === undefined ? '—' : codeSpan(req.redactedKey, 60);

/** `key_…` as code, or `—` before the key exists. */
export const keyIdLabel = (req: Pick<KeyRequest, 'keyId'>): string => (req.keyId === undefined ? '—' : codeSpan(req.keyId, 80));

/** Who ended something, addressed to `viewerId` when it was them (`you`). */
export const actorFor = (actorId: string, viewerId?: string): string => (actorId === viewerId ? 'you' : mentionUser(actorId));

const at = (ms: number | undefined): string => (ms === undefined ? '' : ` ${slackDate(ms)}`);

const approvalLine = (req: KeyRequest): string[] =>
  req.decidedBy === undefined ? [] : [`:white_check_mark: Approved by ${approvedByOf(req)}${at(req.decidedAt)}.`];

const keyCreatedLine = (req: KeyRequest): string[] =>
  req.keyCreatedAt === undefined && req.redactedKey === undefined
    ? []
    : [`:key: Key ${redactedKeyLabel(req)} created${at(req.keyCreatedAt)}.`];

const revealedLine = (req: KeyRequest): string[] =>
  req.revealedAt === undefined ? [] : [`:unlock: Revealed by ${mentionUser(req.requesterId)}${at(req.revealedAt)}.`];

const reasonLine = (reason: string | undefined): string[] =>
  reason === undefined || reason.trim() === '' ? [] : [quoteUserText(reason, REASON_MAX)];

/** What happened to the request, in order, one line per step. Empty while it is pending and open. */
const outcomeLines = (req: KeyRequest, now: number): string[] => {
  switch (req.state) {
    case 'pending':
      return now >= req.decideBy
        ? [`:hourglass: No approver decided by ${slackDate(req.decideBy)}; this request is expiring.`]
        : [];
    case 'approved':
      return [...approvalLine(req), ':gear: The key will be created shortly.'];
    case 'provisioning':
      return [...approvalLine(req), ':gear: Creating the key at OpenAI…'];
    case 'awaiting_reveal':
      return [
        ...approvalLine(req),
        ...keyCreatedLine(req),
        `:envelope: Waiting for ${mentionUser(req.requesterId)} to reveal it` +
          (req.revealBy === undefined ? '.' : `, by ${slackDate(req.revealBy)}.`),
      ];
    case 'active':
      return [
        ...approvalLine(req),
        ...keyCreatedLine(req),
        ...revealedLine(req),
        ...(req.keyExpiresAt === undefined ? [] : [`:calendar: Key expires ${slackDate(req.keyExpiresAt)}.`]),
      ];
    case 'denied':
      return [
        `:no_entry: Denied by ${req.decidedBy === undefined ? 'an approver' : mentionUser(req.decidedBy)}${at(req.decidedAt)}.`,
        ...reasonLine(req.denyReason),
      ];
    case 'expired':
      return req.keyCreatedAt === undefined && req.redactedKey === undefined
        ? [`:hourglass: Expired ${slackDate(req.decideBy)}: no approver decided in time.`]
        : [
            ...approvalLine(req),
            ...keyCreatedLine(req),
            ...revealedLine(req),
            `:hourglass: Key expired${at(req.keyExpiresAt ?? req.revokedAt)}.`,
          ];
    case 'failed':
      return [
        ...approvalLine(req),
        ':warning: Creating the key failed.',
        ...reasonLine(req.failure ?? req.endedReason),
      ];
    case 'cancelled':
      return [
        `:heavy_multiplication_x: Cancelled by ${req.cancelledBy === undefined ? 'its requester' : mentionUser(req.cancelledBy)}${at(req.cancelledAt)}, before anyone decided it.`,
      ];
    case 'revoked': {
      const by =
        req.revokedBy !== undefined
          ? ` by ${mentionUser(req.revokedBy)}`
          : req.revealedAt === undefined && req.revealBy !== undefined
            ? ' automatically: it was not revealed in time'
            : '';
      return [
        ...approvalLine(req),
        ...keyCreatedLine(req),
        ...revealedLine(req),
        `:lock: Key revoked${by}${at(req.revokedAt)}.`,
        ...reasonLine(req.endedReason),
      ];
    }
  }
};

/** The request's message in the approval channel; re-rendered (chat.update) on every transition. */
export const renderRequestMessage = (req: KeyRequest, opts: { now: number }): RenderedMessage => {
  const open = req.state === 'pending' && opts.now < req.decideBy;
  const keyLive = req.state === 'awaiting_reveal' || req.state === 'active';
  const facts = [
    `*Requested by*\n${mentionUser(req.requesterId)}`,
    `*Project*\n${projectLabel(req)}`,
    `*Request id*\n${codeSpan(req.id, 40)}`,
    `*Lifetime*\n${pluralDays(req.lifetimeDays)}`,
    // A deadline for a decision is only news while the request waits for one.
    ...(req.state === 'pending' ? [`*Decide by*\n${slackDate(req.decideBy)}`] : []),
    `*Requested*\n${slackDate(req.createdAt)}`,
    `*State*\n${renderStateInWords(req.state)}`,
    ...(req.redactedKey === undefined ? [] : [`*Key*\n${redactedKeyLabel(req)}`]),
    ...(req.keyId === undefined ? [] : [`*Key id*\n${keyIdLabel(req)}`]),
    // A revoked or expired key no longer expires: the outcome below says when it ended.
    ...(req.keyExpiresAt === undefined || !keyLive ? [] : [`*Key expires*\n${slackDate(req.keyExpiresAt)}`]),
  ];
  const blocks: KnownBlock[] = [
    headerBlock('OpenAI key request'),
    fieldsBlock(facts),
    sectionBlock(`*Purpose*\n${quoteUserText(req.purpose, PURPOSE_MAX)}`),
  ];
  if (open) {
    blocks.push(
      ...pendingDecisionBlocks(req, {
        approveActionId: ACTION.approveRequest,
        denyActionId: ACTION.denyRequest,
        confirmTitle: 'Approve this key?',
        confirmText:
          `Create an OpenAI key for project ${req.projectName} for ${pluralDays(req.lifetimeDays)}. ` +
          'The requester can reveal it once.',
      }),
    );
  } else {
    const lines = outcomeLines(req, opts.now);
    if (lines.length > 0) blocks.push(sectionBlock(lines.join('\n')));
  }
  const project = fitUserText(req.projectName, PROJECT_NAME_MAX);
  return composeMessage(
    `OpenAI key request from ${mentionUser(req.requesterId)} for project ${project}: ${renderStateInWords(req.state)}`,
    blocks,
  );
};
