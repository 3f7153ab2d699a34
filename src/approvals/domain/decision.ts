/**
 * Deciding a request in its thread, for any kind of request: votes towards a quorum, one Deny denies, the
 * requester never counts, a request expires undecided, and reminders and escalations fall due once. Pure: no I/O,
 * no clock (callers pass `now`); the store's compare-and-set on the document's version decides which of two
 * concurrent votes lands first, and the loser is decided again against what won.
 */
import { err, ok, type Result } from '../../platform/domain/result.js';
import { tally, type ApprovalVote, type EffectivePolicy, type Tally } from './policy.js';

/** The longest deny reason kept (characters), from the Deny modal or a `deny <reason>` reply; the requester sees it in the thread and by DM. */
export const DENY_REASON_MAX_LENGTH = 500;

/** What the engine keeps on every request it decides (a kind adds its own fields beside these). */
export interface ApprovalFacts<S extends string = string> {
  readonly state: S;
  readonly requesterId: string;
  /** when a pending request expires undecided (ms since epoch) */
  readonly decideBy: number;
  /** distinct approvers needed (from the policy when the request was opened: a reload does not move the goal) */
  readonly approvalsNeeded?: number;
  readonly votes?: readonly ApprovalVote[];
  readonly decidedBy?: string;
  readonly decidedAt?: number;
  readonly cancelledBy?: string;
  /** when the one reminder / escalation was posted (ms); absent: not yet */
  readonly remindedAt?: number;
  readonly escalatedAt?: number;
}

export type Decision = { readonly kind: 'approve' } | { readonly kind: 'deny'; readonly reason: string };

/** Why a vote is refused; `S` is the state type of the request. */
export type DecisionRefusal<S extends string = string> =
  | { readonly kind: 'not_approver' }
  | { readonly kind: 'self_decision' }
  | { readonly kind: 'already_decided'; readonly state: S; readonly decidedBy?: string }
  | { readonly kind: 'already_voted'; readonly tally: Tally }
  | { readonly kind: 'expired' }
  | { readonly kind: 'reason_required' };

/** What a vote does: a step towards the quorum, or the decision. `patch` is what the store writes. */
export type DecisionOutcome =
  | { readonly kind: 'vote_recorded'; readonly tally: Tally; readonly patch: { readonly votes: readonly ApprovalVote[] } }
  | {
      readonly kind: 'approved';
      readonly tally: Tally;
      readonly patch: { readonly state: 'approved'; readonly votes: readonly ApprovalVote[]; readonly decidedBy: string; readonly decidedAt: number };
    }
  | {
      readonly kind: 'denied';
      readonly patch: { readonly state: 'denied'; readonly decidedBy: string; readonly decidedAt: number; readonly denyReason: string };
    };

/** The request's progress towards its quorum. */
export const tallyOf = (request: ApprovalFacts): Tally => tally(request.votes ?? [], request.requesterId, request.approvalsNeeded ?? 1);

/**
 * May `actor` cast `decision` on `request` at `now`, and what does it do? `actor.mayDecide` comes from the policy
 * (`mayDecide` in policy.ts) with the actor's user groups resolved by the caller.
 */
export function decide<S extends string>(
  request: ApprovalFacts<S>,
  actor: { readonly userId: string; readonly mayDecide: boolean },
  decision: Decision,
  now: number,
): Result<DecisionOutcome, DecisionRefusal<S>> {
  if (!actor.mayDecide) return err({ kind: 'not_approver' });
  if (request.state === 'expired' || (request.state === 'pending' && now >= request.decideBy)) return err({ kind: 'expired' });
  if (request.state !== 'pending') {
    return err({ kind: 'already_decided', state: request.state, ...(request.decidedBy ? { decidedBy: request.decidedBy } : {}) });
  }
  if (actor.userId === request.requesterId) return err({ kind: 'self_decision' });
  if (decision.kind === 'deny') {
    const reason = decision.reason.trim();
    if (reason.length === 0) return err({ kind: 'reason_required' });
    return ok({ kind: 'denied', patch: { state: 'denied', decidedBy: actor.userId, decidedAt: now, denyReason: reason } });
  }
  const before = tallyOf(request);
  if (before.approvers.includes(actor.userId)) return err({ kind: 'already_voted', tally: before });
  const votes = [...(request.votes ?? []), { userId: actor.userId, at: now }];
  const after = tallyOf({ ...request, votes });
  if (!after.met) return ok({ kind: 'vote_recorded', tally: after, patch: { votes } });
  return ok({ kind: 'approved', tally: after, patch: { state: 'approved', votes, decidedBy: actor.userId, decidedAt: now } });
}

/** Why a cancel is refused. */
export type CancelRefusal<S extends string = string> =
  | { readonly kind: 'not_allowed' }
  | { readonly kind: 'already_decided'; readonly state: S; readonly decidedBy?: string };

/** The requester, or an admin, may withdraw a request while it is pending. */
export function cancel<S extends string>(
  request: ApprovalFacts<S>,
  actor: { readonly userId: string; readonly isAdmin: boolean },
  now: number,
): Result<{ readonly state: 'cancelled'; readonly cancelledBy: string; readonly decidedAt: number }, CancelRefusal<S>> {
  if (actor.userId !== request.requesterId && !actor.isAdmin) return err({ kind: 'not_allowed' });
  if (request.state !== 'pending') {
    return err({ kind: 'already_decided', state: request.state, ...(request.decidedBy ? { decidedBy: request.decidedBy } : {}) });
  }
  return ok({ state: 'cancelled', cancelledBy: actor.userId, decidedAt: now });
}

/** A nudge in the thread: one reminder of the approvers who have not decided, one mention of the admins. */
export type Nudge = 'remind' | 'escalate';

/**
 * The nudges due at `now` for a pending request opened at `openedAt`, each at most once (a posted nudge is
 * recorded in `remindedAt` / `escalatedAt`), none once the request is decided or past its deadline.
 */
export function nudgesDue(
  request: ApprovalFacts & { readonly createdAt: number },
  policy: Pick<EffectivePolicy, 'remindAfterMs' | 'escalateAfterMs'>,
  now: number,
): Nudge[] {
  if (request.state !== 'pending' || now >= request.decideBy) return [];
  const due: Nudge[] = [];
  if (policy.remindAfterMs !== null && request.remindedAt === undefined && now >= request.createdAt + policy.remindAfterMs) due.push('remind');
  if (policy.escalateAfterMs !== null && request.escalatedAt === undefined && now >= request.createdAt + policy.escalateAfterMs) due.push('escalate');
  return due;
}

/** When the next nudge falls due (ms), or null when none will: for scheduling the clock's next look. */
export function nextNudgeAt(
  request: ApprovalFacts & { readonly createdAt: number },
  policy: Pick<EffectivePolicy, 'remindAfterMs' | 'escalateAfterMs'>,
): number | null {
  if (request.state !== 'pending') return null;
  const times: number[] = [];
  if (policy.remindAfterMs !== null && request.remindedAt === undefined) times.push(request.createdAt + policy.remindAfterMs);
  if (policy.escalateAfterMs !== null && request.escalatedAt === undefined) times.push(request.createdAt + policy.escalateAfterMs);
  const next = times.filter((t) => t < request.decideBy);
  return next.length === 0 ? null : Math.min(...next);
}

/** Approvers the reminder mentions: the policy's approvers, less those who already approved and the requester. */
export function approversStillToDecide(request: ApprovalFacts, approvers: readonly string[]): string[] {
  const voted = new Set(tallyOf(request).approvers);
  return approvers.filter((id) => !voted.has(id) && id !== request.requesterId);
}
