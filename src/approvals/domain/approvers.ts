/**
 * Who may decide a request (approvers and admins, user ids or user-group ids) and why the engine refuses a decision,
 * in the shape every kind of request shares. Pure: group membership is resolved by the caller.
 */
import { isAmong } from './policy.js';

/** Why the engine refuses a decision; `S` is the state type of what is being decided (key or limit-change request). */
export type ApprovalRefusal<S extends string = string> =
  /** not among the approvers the policy names for this request's project (`projectName`) and kind, nor an admin */
  | { readonly kind: 'not_approver'; readonly projectName?: string; readonly approvers?: readonly string[]; readonly projectScoped?: boolean }
  | { readonly kind: 'self_decision' }
  | { readonly kind: 'already_decided'; readonly state: S; readonly decidedBy?: string }
  | { readonly kind: 'expired' }
  /** the requester (or an admin) withdrew the request before anyone decided it */
  | { readonly kind: 'cancelled'; readonly by?: string }
  | { readonly kind: 'reason_required' }
  /** the same approver approved before: counted once; `approvers` so far of `needed` */
  | { readonly kind: 'already_voted'; readonly approvers: readonly string[]; readonly needed: number };

export interface Approvers {
  /** user ids and user-group ids (S...) */
  readonly approvers: readonly string[];
  readonly admins: readonly string[];
}

/** `groupIds` are the user groups the actor belongs to (resolved by the caller). */
export const isAdmin = (userId: string, groupIds: readonly string[], policy: Approvers): boolean => isAmong(policy.admins, userId, groupIds);
