/** A key request's notes in its thread (approved, key created, revealed, revoked…). */
import type { ThreadEvent } from '../domain/threadEvents.js';
import { approvedByInWords } from '../../approvals/index.js';
import { composeMessage, sectionBlock, type RenderedMessage } from '../../platform/slack/render/blocks.js';
import { codeSpan, mentionUser, quoteUserText, slackDate } from '../../platform/slack/render/mrkdwn.js';

const REASON_MAX = 1000;

const reasonSuffix = (reason: string | undefined): string =>
  reason === undefined || reason.trim() === '' ? '' : `\n${quoteUserText(reason, REASON_MAX)}`;

const threadNoteText = (event: ThreadEvent): string => {
  switch (event.kind) {
    case 'approved':
      return `:white_check_mark: Approved by ${approvedByInWords(event)}. Creating the key…`;
    case 'denied':
      return `:no_entry: Denied by ${mentionUser(event.by)}.${reasonSuffix(event.reason)}`;
    case 'expired':
      return ':hourglass: No approver decided in time, so the request expired.';
    case 'cancelled':
      return `:heavy_multiplication_x: Cancelled by ${mentionUser(event.by)}; approvers need not decide it any more.`;
    case 'key_created':
      return (
        `:key: Key ${codeSpan(event.redactedKey, 60)} created` +
        (event.keyExpiresAt === undefined ? '.' : `; it expires ${slackDate(event.keyExpiresAt)}.`)
      );
    case 'delivered':
      return `:envelope: Sent ${mentionUser(event.to)} a DM to reveal the key.`;
    case 'revealed':
      return `:unlock: ${mentionUser(event.by)} revealed the key.`;
    case 'reveal_expired':
      return ':lock: The key was not revealed in time, so it was revoked.';
    case 'revoked':
      return `:lock: Key revoked by ${mentionUser(event.by)}.${reasonSuffix(event.reason)}`;
    case 'failed':
      return event.willRetry
        ? `:warning: Creating the key failed; keywarden will retry.${reasonSuffix(event.reason)}`
        : `:x: Creating the key failed, and keywarden will not retry.${reasonSuffix(event.reason)}`;
  }
};

/** A short reply in the request's thread. */
export const renderThreadNote = (event: ThreadEvent): RenderedMessage => {
  const text = threadNoteText(event);
  return composeMessage(text, [sectionBlock(text)]);
};

