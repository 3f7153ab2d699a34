import type { KeyRequest } from '../../domain/request.js';
import { slackDate } from './mrkdwn.js';
import { projectLabel } from './requestMessage.js';

/** Why a click on "Reveal key" shows no key. */
export type RevealRefusal = 'already_revealed' | 'reveal_window_passed' | 'not_yours';

const REQUEST_AGAIN = 'request a new one with `/openai-key request`';

/** Title (≤ 24 chars, for a modal) and mrkdwn body shared by the modal and the ephemeral variant. */
export const revealRefusalContent = (refusal: RevealRefusal, req: KeyRequest): { title: string; body: string } => {
  switch (refusal) {
    case 'already_revealed':
      return {
        title: 'Key already revealed',
        body:
          `:lock: You already revealed your key for ${projectLabel(req)}` +
          (req.revealedAt === undefined ? '' : ` ${slackDate(req.revealedAt)}`) +
          '. keywarden shows a key once and does not keep it, so it cannot show it again.\n' +
          `If you lost it, ${REQUEST_AGAIN}. The old key keeps working until it expires or is revoked.`,
      };
    case 'reveal_window_passed':
      return {
        title: 'Reveal time is over',
        body:
          `:hourglass: The time to reveal your key for ${projectLabel(req)} ended` +
          (req.revealBy === undefined ? '' : ` ${slackDate(req.revealBy)}`) +
          `, so it was revoked without being shown. To get a key, ${REQUEST_AGAIN}.`,
      };
    case 'not_yours':
      // Deliberately says nothing about the request: it belongs to someone else.
      return {
        title: 'Not your key',
        body: `:no_entry_sign: Only the person who requested this key can reveal it. To get your own, ${REQUEST_AGAIN}.`,
      };
  }
};
