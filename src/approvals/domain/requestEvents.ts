/**
 * What happens to requests after they are made. The services emit these (through the outbox), and the Slack
 * renderers turn them into thread notes and DMs. A refused attempt to decide is not an event: it is answered to
 * the person who tried, by ephemeral.
 */
import type { ProjectLimits } from '../../limits/domain/limits.js';
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

/** Something that happened to a key request, told in its thread (and, for most kinds, to the requester by DM). */
export type ThreadEvent =
  | ApprovedEvent
  | { readonly kind: 'denied'; readonly by: string; readonly reason: string }
  | { readonly kind: 'expired' }
  /** withdrawn while pending, by the requester or an admin */
  | { readonly kind: 'cancelled'; readonly by: string }
  | { readonly kind: 'key_created'; readonly redactedKey: string; readonly keyExpiresAt?: number }
  | { readonly kind: 'delivered'; readonly to: string }
  | { readonly kind: 'revealed'; readonly by: string }
  | { readonly kind: 'reveal_expired' }
  | { readonly kind: 'revoked'; readonly by: string; readonly reason?: string }
  | { readonly kind: 'failed'; readonly reason: string; readonly willRetry: boolean };

/** Something that happened to a limit-change request, told in its thread and to the requester. */
export type LimitChangeEvent =
  | ApprovedEvent
  | {
      readonly kind: 'applied';
      readonly before: ProjectLimits | null;
      readonly after: ProjectLimits;
      /** the alert channel the change was announced in, if it was */
      readonly announcedIn?: string;
    }
  | { readonly kind: 'denied'; readonly by: string; readonly reason: string }
  | { readonly kind: 'expired' }
  /** the requester (or an admin) withdrew the request before anyone decided it */
  | { readonly kind: 'cancelled'; readonly by: string }
  /** OpenAI refused the change; `reason` is its words */
  | { readonly kind: 'failed'; readonly reason: string };
