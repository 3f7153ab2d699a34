import type { KeyRequest } from '../domain/keyRequest.js';
import { fitUserText, mentionUser, slackDate } from '../../platform/slack/render/mrkdwn.js';
import { projectLabel } from './requestMessage.js';

/**
 * Why a click on "Reveal key" shows no key, as the request says it now:
 * - `already_revealed`: the owner revealed it (when);
 * - `reveal_window_passed`: keywarden revoked it because it was not revealed by its deadline;
 * - `revoked`: someone (or keywarden, for another reason) revoked it (who, when, why);
 * - `expired`: its lifetime ended, or the request expired undecided;
 * - `cancelled`, `denied`, `failed`: the request never got a key;
 * - `not_yours`: someone else's key (nothing about it is told).
 */
export type RevealRefusal =
  | 'already_revealed'
  | 'reveal_window_passed'
  | 'revoked'
  | 'expired'
  | 'cancelled'
  | 'denied'
  | 'failed'
  | 'not_yours';

/** The real reason the owner cannot reveal `req` now, read from its state (pure). */
export const revealRefusalFor = (req: KeyRequest): RevealRefusal => {
  switch (req.state) {
    case 'active':
      return 'already_revealed';
    case 'revoked':
      return req.revokedBy === 'keywarden' && req.revealedAt === undefined && req.endedReason === 'not revealed in time'
        ? 'reveal_window_passed'
        : 'revoked';
    case 'expired':
      return 'expired';
    case 'cancelled':
      return 'cancelled';
    case 'denied':
      return 'denied';
    case 'failed':
      return 'failed';
    default:
      // awaiting_reveal without its sealed copy: the deadline passed and its job has not run yet.
      return 'reveal_window_passed';
  }
};

const REQUEST_AGAIN = 'request a new one with `/openai-key request`';
const when = (ms: number | undefined): string => (ms === undefined ? '' : ` ${slackDate(ms)}`);

/** Title (≤ 24 chars, for a modal) and mrkdwn body shared by the modal and the ephemeral variant. */
export const revealRefusalContent = (refusal: RevealRefusal, req: KeyRequest): { title: string; body: string } => {
  switch (refusal) {
    case 'already_revealed':
      return {
        title: 'Key already revealed',
        body:
          `:lock: You already revealed your key for ${projectLabel(req)}${when(req.revealedAt)}` +
          '. keywarden shows a key once and does not keep it, so it cannot show it again.\n' +
          `If you lost it, ${REQUEST_AGAIN}. The old key keeps working until it expires or is revoked.`,
      };
    case 'reveal_window_passed':
      return {
        title: 'Reveal time is over',
        body:
          `:hourglass: The time to reveal your key for ${projectLabel(req)} ended${when(req.revealBy)}` +
          `, so it was revoked without being shown. To get a key, ${REQUEST_AGAIN}.`,
      };
    case 'revoked': {
      const by =
        req.revokedBy === req.requesterId
          ? 'You revoked it'
          : `It was revoked by ${req.revokedBy === undefined ? 'an admin' : mentionUser(req.revokedBy)}`;
      const why = req.revokedBy === 'keywarden' && req.endedReason ? `: ${fitUserText(req.endedReason, 300)}` : '';
      return {
        title: 'Key revoked',
        body:
          `:lock: Your key for ${projectLabel(req)} cannot be revealed: it no longer works. ${by}${when(req.revokedAt)}${why}.\n` +
          `To get a key, ${REQUEST_AGAIN}.`,
      };
    }
    case 'expired':
      return {
        title: 'Key expired',
        body:
          req.keyCreatedAt === undefined && req.keyId === undefined
            ? `:hourglass: Your request for ${projectLabel(req)} expired${when(req.decideBy)} before anyone decided it, so it has no key. To get one, ${REQUEST_AGAIN}.`
            : `:hourglass: Your key for ${projectLabel(req)} expired${when(req.keyExpiresAt)}: its lifetime ended, so it no longer works. To get a key, ${REQUEST_AGAIN}.`,
      };
    case 'cancelled':
      return {
        title: 'Request cancelled',
        body:
          `:heavy_multiplication_x: Your request for ${projectLabel(req)} was cancelled` +
          (req.cancelledBy === undefined ? '' : ` by ${req.cancelledBy === req.requesterId ? 'you' : mentionUser(req.cancelledBy)}`) +
          `${when(req.cancelledAt)}, so it has no key. To get one, ${REQUEST_AGAIN}.`,
      };
    case 'denied':
      return {
        title: 'Request denied',
        body:
          `:no_entry: Your request for ${projectLabel(req)} was denied` +
          (req.decidedBy === undefined ? '' : ` by ${mentionUser(req.decidedBy)}`) +
          `${when(req.decidedAt)}, so it has no key.`,
      };
    case 'failed':
      return {
        title: 'Key not created',
        body:
          `:x: keywarden could not create your key for ${projectLabel(req)}` +
          (req.failure === undefined ? '' : `: ${fitUserText(req.failure, 300)}`) +
          `. To get one, ${REQUEST_AGAIN}.`,
      };
    case 'not_yours':
      // Deliberately says nothing about the request: it belongs to someone else.
      return {
        title: 'Not your key',
        body: `:no_entry_sign: Only the person who requested this key can reveal it. To get your own, ${REQUEST_AGAIN}.`,
      };
  }
};
