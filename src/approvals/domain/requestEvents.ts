/**
 * What happens to requests after they are made, in the words every kind shares: the engine's own events and the
 * decision's (approved, denied, expired, cancelled). Each kind's full list of events is its feature's
 * (keys/domain/threadEvents.ts, limits/domain/limitChangeEvents.ts). They travel through the outbox, and the
 * renderers turn them into thread notes and DMs. A refused attempt to decide is not an event: it is answered to
 * the person who tried, by ephemeral.
 */
import type { AutoApproveRule } from './policy.js';

/**
 * A request reached its quorum: `by` cast the deciding vote; `approvers` are every approver who counted, in order
 * (absent on events stored before quorums existed: then `by` alone approved).
 */
export type ApprovedEvent = {
  readonly kind: 'approved';
  readonly by: string;
  readonly approvers?: readonly string[];
};

/** The engine's own events, the same for every kind of request. Told in the thread; only auto-approval by DM too. */
export type ApprovalEvent =
  /** an approval towards a quorum that is not met yet: `approvers` so far of `needed` */
  | { readonly kind: 'vote'; readonly by: string; readonly approvers: readonly string[]; readonly needed: number }
  /** approved by keywarden itself: the rule's place in the policy file and the rule */
  | { readonly kind: 'auto_approved'; readonly source: string; readonly rule: AutoApproveRule }
  /** still undecided after `remind_after`: the approvers who have not decided yet */
  | { readonly kind: 'reminder'; readonly approvers: readonly string[]; readonly decideBy: number }
  /** still undecided after `escalate_after`: the admins */
  | { readonly kind: 'escalation'; readonly admins: readonly string[]; readonly decideBy: number };

export const APPROVAL_EVENT_KINDS: ReadonlySet<string> = new Set(['vote', 'auto_approved', 'reminder', 'escalation']);

/** An approver denied the request, with their reason. */
export type DeniedEvent = { readonly kind: 'denied'; readonly by: string; readonly reason: string };

/** Nobody decided in time. */
export type ExpiredEvent = { readonly kind: 'expired' };

/** Withdrawn while pending, by the requester or an admin. */
export type CancelledEvent = { readonly kind: 'cancelled'; readonly by: string };
