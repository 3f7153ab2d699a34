import type { DecisionRefusal } from '../../domain/request.js';
import { mentionUser } from './mrkdwn.js';

/** What differs between kinds of request when a decision on one is refused. */
export interface RefusalWording {
  /** the request's state as a person would say it */
  readonly stateInWords: (state: string) => string;
  /** the command, as mrkdwn code, with which the requester asks again */
  readonly askAgainCommand: string;
}

/** Why a decision on a request was refused, addressed to the person who tried. */
export const decisionRefusalInWords = (by: string, refusal: DecisionRefusal<string>, wording: RefusalWording): string => {
  const who = mentionUser(by);
  switch (refusal.kind) {
    case 'not_approver':
      return `${who}, only approvers can decide this request.`;
    case 'self_decision':
      return `${who}, you can't decide your own request; another approver has to.`;
    case 'already_decided':
      return (
        `${who}, this request is already decided (${wording.stateInWords(refusal.state)}` +
        (refusal.decidedBy === undefined ? ').' : `, by ${mentionUser(refusal.decidedBy)}).`)
      );
    case 'expired':
      return `${who}, this request expired before anyone decided it. The requester can ask again with ${wording.askAgainCommand}.`;
    case 'cancelled':
      return (
        `${who}, this request was cancelled` +
        (refusal.by === undefined ? '' : ` by ${mentionUser(refusal.by)}`) +
        ' before anyone decided it, so it can no longer be approved or denied.'
      );
    case 'reason_required':
      return `${who}, a denial needs a reason: reply \`deny &lt;reason&gt;\` or use the Deny button.`;
  }
};
