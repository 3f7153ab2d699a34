import type { ApprovalRefusal as DecisionRefusal } from '../domain/approvers.js';
import { fitUserText, mentionUser, mentionUserOrGroup } from '../../platform/slack/render/mrkdwn.js';

/** `a`, `a and b`, `a, b and c`. */
export const listInWords = (items: readonly string[]): string =>
  items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1) ?? ''}`;

/** What differs between kinds of request when a decision on one is refused. */
export interface RefusalWording {
  /** the request's state as a person would say it */
  readonly stateInWords: (state: string) => string;
  /** the command, as mrkdwn code, with which the requester asks again */
  readonly askAgainCommand: string;
}

/** Why a decision on a request was refused, addressed to the person who tried. */
export const decisionRefusalInWords = (by: string, refusal: DecisionRefusal<string> | { readonly kind: 'not_found' }, wording: RefusalWording): string => {
  const who = mentionUser(by);
  switch (refusal.kind) {
    case 'not_found':
      return 'That request no longer exists.';
    case 'not_approver': {
      const approvers = refusal.approvers ?? [];
      const named = approvers.length === 0 ? '' : ` (${listInWords(approvers.slice(0, 10).map(mentionUserOrGroup))})`;
      if (refusal.projectScoped && refusal.projectName !== undefined) {
        return `${who}, you are not an approver of project *${fitUserText(refusal.projectName, 200)}*, so you can't decide this request: its approvers${named} or an admin can.`;
      }
      return `${who}, only approvers${named} or an admin can decide this request.`;
    }
    case 'already_voted':
      return (
        `${who}, you already approved this request, and one person counts once: ` +
        `${refusal.approvers.length} of ${refusal.needed} approvals so far. It needs another approver.`
      );
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
