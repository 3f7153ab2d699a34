import type { KnownBlock } from '@slack/types';
import type { KeyRequest } from '../domain/keyRequest.js';
import type { ThreadEvent } from '../domain/threadEvents.js';
import { ACTION } from '../../platform/slack/ids.js';
import {
  actionsBlock,
  buttonElement,
  composeMessage,
  contextBlock,
  sectionBlock,
  type RenderedMessage,
} from '../../platform/slack/render/blocks.js';
import { codeSpan, fitUserText, mentionUser, quoteUserText, slackDate } from '../../platform/slack/render/mrkdwn.js';
import { actorFor, projectLabel } from './requestMessage.js';
import { approvedByInWords } from '../../approvals/index.js';

const REASON_MAX = 1000;
const ASK_AGAIN = 'You can ask again with `/openai-key request`.';

const reasonSuffix = (reason: string | undefined): string =>
  reason === undefined || reason.trim() === '' ? '' : `\n${quoteUserText(reason, REASON_MAX)}`;

const plainMessage = (text: string): RenderedMessage => composeMessage(text, [sectionBlock(text)]);

/**
 * The "Reveal key" DM once there is nothing to reveal any more (revealed, revoked, expired): it replaces that DM
 * (chat.update, same ts), so no stale button stays. Null while the key still waits to be revealed.
 */
export const renderKeyDmAfterReveal = (req: KeyRequest): RenderedMessage | null => {
  if (req.state === 'awaiting_reveal' || req.state === 'approved' || req.state === 'provisioning' || req.state === 'pending') return null;
  const key = req.redactedKey === undefined ? 'Your OpenAI key' : `Your OpenAI key ${codeSpan(req.redactedKey, 60)}`;
  const line = `${key} for ${projectLabel(req)}`;
  const revealed = req.revealedAt === undefined ? '' : ` You revealed it ${slackDate(req.revealedAt)}.`;
  let text: string;
  if (req.state === 'active') {
    text =
      `:unlock: ${line}: you revealed it${req.revealedAt === undefined ? '' : ` ${slackDate(req.revealedAt)}`}. keywarden cannot show it again.` +
      (req.keyExpiresAt === undefined ? '' : ` It expires ${slackDate(req.keyExpiresAt)}.`);
  } else if (req.state === 'revoked' && req.revokedBy === 'keywarden' && req.revealedAt === undefined && req.endedReason === 'not revealed in time') {
    text = `:lock: ${line} was not revealed${req.revealBy === undefined ? ' in time' : ` by ${slackDate(req.revealBy)}`}, so keywarden revoked it. Request a new one with \`/openai-key request\`.`;
  } else if (req.state === 'revoked') {
    const by = req.revokedBy === req.requesterId ? 'You revoked it' : `It was revoked by ${req.revokedBy === undefined ? 'an admin' : mentionUser(req.revokedBy)}`;
    const why = req.revokedBy === 'keywarden' && req.endedReason ? `: ${fitUserText(req.endedReason, 300)}` : '';
    text = `:lock: ${line} no longer works. ${by}${req.revokedAt === undefined ? '' : ` ${slackDate(req.revokedAt)}`}${why}.${revealed}`;
  } else if (req.state === 'expired') {
    text = `:hourglass: ${line} expired${req.keyExpiresAt === undefined ? '' : ` ${slackDate(req.keyExpiresAt)}`}; it no longer works.${revealed}`;
  } else {
    text = `${line}: ${fitUserText(req.state, 40)}.`;
  }
  return plainMessage(text);
};

const keyReadyMessage = (req: KeyRequest, event: Extract<ThreadEvent, { kind: 'key_created' }>): RenderedMessage => {
  // Delivered after the key was revealed or ended (the outbox was behind): no button to a key that is gone.
  const after = renderKeyDmAfterReveal(req);
  if (after) return after;
  const deadline = req.revealBy === undefined ? 'before the reveal window closes' : `before ${slackDate(req.revealBy)}`;
  const keyExpiresAt = event.keyExpiresAt ?? req.keyExpiresAt;
  const blocks: KnownBlock[] = [
    sectionBlock(
      `:key: Your OpenAI key for ${projectLabel(req)} is ready: ${codeSpan(event.redactedKey, 60)}.\n` +
        `Reveal it ${deadline}, or it is revoked. You can reveal it *once*: keywarden shows it one time and does not keep it.` +
        (keyExpiresAt === undefined ? '' : `\nThe key expires ${slackDate(keyExpiresAt)}.`),
    ),
    actionsBlock([buttonElement({ text: 'Reveal key', actionId: ACTION.revealKey, value: req.id, style: 'primary' })]),
    contextBlock('Reveal it somewhere private: the key is shown in a dialog only you can see.'),
  ];
  return composeMessage(
    `Your OpenAI key for project ${fitUserText(req.projectName, 200)} is ready: reveal it ${deadline}, once.`,
    blocks,
  );
};

/** What the requester is told by DM about `event`. `null` for `delivered`: that DM is the delivery itself. */
export const renderRequesterDm = (req: KeyRequest, event: ThreadEvent): RenderedMessage | null => {
  const project = projectLabel(req);
  switch (event.kind) {
    case 'approved':
      return plainMessage(
        `:white_check_mark: Your request for an OpenAI key for ${project} was approved by ${approvedByInWords(event)}. ` +
          'keywarden is creating the key; you will get another message with a *Reveal key* button.',
      );
    case 'denied':
      return plainMessage(
        `:no_entry: Your request for an OpenAI key for ${project} was denied by ${mentionUser(event.by)}.` +
          `${reasonSuffix(event.reason)}\n${ASK_AGAIN}`,
      );
    case 'cancelled':
      // The requester who cancelled was answered where they typed it.
      if (event.by === req.requesterId) return null;
      return plainMessage(
        `:heavy_multiplication_x: Your request ${codeSpan(req.id, 40)} for an OpenAI key for ${project} was cancelled by ${mentionUser(event.by)}. ${ASK_AGAIN}`,
      );
    case 'expired':
      return plainMessage(
        `:hourglass: No approver decided your request for an OpenAI key for ${project} ` +
          `by ${slackDate(req.decideBy)}, so it expired. ${ASK_AGAIN}`,
      );
    case 'key_created':
      return keyReadyMessage(req, event);
    case 'revealed': {
      const expires = req.keyExpiresAt === undefined ? '' : ` It expires ${slackDate(req.keyExpiresAt)}.`;
      return plainMessage(
        `:unlock: You revealed your key for ${project}.${expires} keywarden cannot show it again; ` +
          'if you lose it, request a new one with `/openai-key request`.',
      );
    }
    case 'reveal_expired':
      return plainMessage(
        `:lock: Your key for ${project} was not revealed` +
          (req.revealBy === undefined ? ' in time' : ` by ${slackDate(req.revealBy)}`) +
          `, so it was revoked. Request a new one with \`/openai-key request\`.`,
      );
    case 'revoked': {
      const key = req.redactedKey === undefined ? 'your key' : `your key ${codeSpan(req.redactedKey, 60)}`;
      const said =
        event.by === req.requesterId
          ? `:lock: You revoked ${key} for ${project}.`
          : `:lock: ${key.charAt(0).toUpperCase()}${key.slice(1)} for ${project} was revoked by ${actorFor(event.by, req.requesterId)}.`;
      return plainMessage(`${said} Anything using it will stop working.${reasonSuffix(event.reason)}`);
    }
    case 'failed':
      return plainMessage(
        event.willRetry
          ? `:warning: Creating your key for ${project} hit a problem; keywarden will retry, nothing for you to do.` +
            reasonSuffix(event.reason)
          : `:x: keywarden could not create your key for ${project}.${reasonSuffix(event.reason)}\n` +
            'Ask an approver, or try again with `/openai-key request`.',
      );
    case 'delivered':
      return null;
  }
};
