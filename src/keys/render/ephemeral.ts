/**
 * What only the person who asked sees about their key requests: their list, a request sent, a duplicate to confirm,
 * a cancel. (The `/openai-key` help is the router's: src/commands/render/help.ts.)
 */
import type { KnownBlock } from '@slack/types';
import type { KeyRequest } from '../domain/keyRequest.js';
import { ACTION } from '../../platform/slack/ids.js';
import { actionsBlock, buttonElement, composeMessage, contextBlock, headerBlock, sectionBlock, type RenderedMessage } from '../../platform/slack/render/blocks.js';
import { codeSpan, fitUserText, mentionChannel, mentionUser, slackDate } from '../../platform/slack/render/mrkdwn.js';
import { renderNotice } from '../../platform/slack/render/notices.js';
import { keyIdLabel, projectLabel, redactedKeyLabel } from './requestMessage.js';
import { renderStateInWords } from './stateWords.js';

/** the most requests `/openai-key list` shows; the rest are counted */
export const REQUEST_LIST_MAX_ITEMS = 20;

const deadlineLabel = (req: KeyRequest, now: number): string => {
  const when = (label: string, ms: number): string => `${label} ${slackDate(ms)}${ms <= now ? ' (passed)' : ''}`;
  if (req.state === 'revoked') return req.revokedAt === undefined ? 'Revoked' : `Revoked ${slackDate(req.revokedAt)}`;
  if (req.state === 'cancelled') return req.cancelledAt === undefined ? 'Cancelled' : `Cancelled ${slackDate(req.cancelledAt)}`;
  if (req.keyExpiresAt !== undefined) return when(req.state === 'expired' ? 'Expired' : 'Expires', req.keyExpiresAt);
  if (req.state === 'pending') return when('Decide by', req.decideBy);
  if (req.state === 'awaiting_reveal' && req.revealBy !== undefined) return when('Reveal by', req.revealBy);
  return 'Expires —';
};

const requestListLine = (req: KeyRequest, now: number): string =>
  `${projectLabel(req)}: ${renderStateInWords(req.state)}\n` +
  `Request ${codeSpan(req.id, 40)}` +
  (req.keyId === undefined && req.redactedKey === undefined ? '' : ` · Key ${redactedKeyLabel(req)}, id ${keyIdLabel(req)}`) +
  ` · Created ${slackDate(req.keyCreatedAt ?? req.createdAt)} · ${deadlineLabel(req, now)}`;

/** The caller's requests and keys (the caller decides which), newest first. */
export const renderRequestList = (items: readonly KeyRequest[], opts: { now: number }): RenderedMessage => {
  if (items.length === 0) {
    const text = 'You have no key requests or keys yet. Ask for one with `/openai-key request`.';
    return composeMessage(text, [sectionBlock(`:seedling: ${text}`)]);
  }
  const newestFirst = [...items].sort((a, b) => b.createdAt - a.createdAt);
  const shown = newestFirst.slice(0, REQUEST_LIST_MAX_ITEMS);
  const hidden = newestFirst.length - shown.length;
  const blocks: KnownBlock[] = [
    headerBlock('Your OpenAI keys and requests'),
    ...shown.map((req) => sectionBlock(requestListLine(req, opts.now))),
  ];
  if (hidden > 0) blocks.push(contextBlock(`…and ${hidden} more, older ones not shown.`));
  blocks.push(contextBlock('Withdraw a waiting request with `/openai-key cancel &lt;request id&gt;`; stop a key with `/openai-key revoke &lt;request id | key id&gt;`.'));
  const count = items.length === 1 ? '1 key request' : `${items.length} key requests`;
  const summary = shown
    .slice(0, 5)
    .map((req) => `${fitUserText(req.projectName, 60)} (${renderStateInWords(req.state)})`)
    .join(', ');
  return composeMessage(`You have ${count}: ${summary}${items.length > 5 ? ', …' : ''}`, blocks);
};

/**
 * Told to the requester once their request is in the approval channel: waiting for an approver, or, when a policy
 * rule approved it as it was opened (`autoApprovedBy` set), approved, with the rule's place in the policy file.
 */
export const renderRequestSent = (req: Pick<KeyRequest, 'projectName' | 'projectId' | 'id' | 'autoApprovedBy'>, approvalChannel: string): RenderedMessage => {
  if (req.autoApprovedBy !== undefined) {
    const approved =
      `Your request for an OpenAI key for ${projectLabel(req)} was approved automatically by the policy rule ${codeSpan(req.autoApprovedBy, 120)}. ` +
      `You will get a DM to reveal the key once it is created. (Request ${codeSpan(req.id, 40)}.)`;
    return composeMessage(`Request approved: your key request for ${fitUserText(req.projectName, 150)} was approved automatically.`, [
      headerBlock('Request approved'),
      sectionBlock(approved),
    ]);
  }
  const text =
    `Your request for an OpenAI key for ${projectLabel(req)} is waiting for an approver in ${mentionChannel(approvalChannel)}. ` +
    `You will get a DM when it is decided. (Request ${codeSpan(req.id, 40)}.)`;
  return composeMessage(`Request sent: your key request for ${fitUserText(req.projectName, 150)} is waiting for an approver.`, [
    headerBlock('Request sent'),
    sectionBlock(text),
  ]);
};

/**
 * Asked before a second pending request for the same project is sent: names the waiting one(s) and offers
 * "Send another request", whose value is the id of the stored draft (the typed purpose and lifetime; no secret).
 */
export const renderDuplicateRequestWarning = (
  existing: readonly Pick<KeyRequest, 'id' | 'projectName' | 'projectId' | 'createdAt'>[],
  draftId: string,
): RenderedMessage => {
  const [first] = existing;
  if (!first) return renderNotice('You have no waiting request for this project.');
  const others = existing.length > 1 ? ` (and ${existing.length - 1} more: ${existing.slice(1, 6).map((r) => codeSpan(r.id, 40)).join(', ')})` : '';
  const text =
    `:raised_hand: You already have a request waiting for an approver for ${projectLabel(first)}: ${codeSpan(first.id, 40)}, sent ${slackDate(first.createdAt)}${others}. ` +
    'Send another one anyway? To withdraw the waiting one instead, use `/openai-key cancel ' + fitUserText(first.id, 40) + '`.';
  return composeMessage(`You already have a waiting request for ${fitUserText(first.projectName, 150)} (${first.id}). Send another one anyway?`, [
    sectionBlock(text),
    actionsBlock([buttonElement({ text: 'Send another request', actionId: ACTION.sendAnotherRequest, value: draftId, style: 'primary' })]),
  ]);
};

/** Told to whoever cancelled a request. */
export const renderRequestCancelled = (req: Pick<KeyRequest, 'id' | 'projectName' | 'projectId' | 'requesterId'>, actorId: string): RenderedMessage => {
  const whose = req.requesterId === actorId ? 'Your request' : `The request by ${mentionUser(req.requesterId)}`;
  const told = req.requesterId === actorId ? '' : ' The requester has been told.';
  const text = `${whose} ${codeSpan(req.id, 40)} for ${projectLabel(req)} is cancelled: approvers can no longer decide it, and its message says so.${told}`;
  return composeMessage(`Request ${req.id} for ${fitUserText(req.projectName, 150)} cancelled.`, [sectionBlock(`:heavy_multiplication_x: ${text}`)]);
};
