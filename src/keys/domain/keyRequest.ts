/**
 * A key request and its lifecycle. Pure: no I/O, no clock (callers pass `now`).
 *
 * pending ──approve──▶ approved ──job──▶ provisioning ──▶ awaiting_reveal ──reveal──▶ active ──▶ revoked | expired
 *    │                                      │                    │
 *    ├─deny──▶ denied                       └─fail──▶ failed     └─not revealed in time──▶ revoked
 *    ├─withdrawn by the requester (or an admin)──▶ cancelled
 *    └─no decision in time──▶ expired
 */
import type { ApprovalRefusal } from '../../approvals/domain/approvers.js';
import type { ApprovalFields } from '../../approvals/domain/document.js';

export const REQUEST_STATES = [
  'pending',
  'approved',
  'provisioning',
  'awaiting_reveal',
  'active',
  'denied',
  'expired',
  'failed',
  'revoked',
  'cancelled',
] as const;
export type RequestState = (typeof REQUEST_STATES)[number];

/**
 * Which states may follow which (the diagram above as data). Every move is a compare-and-set on the request's state
 * from the `from` states its caller names (`approvals.advance`); `statesLeadingTo` gives the ones this table lets
 * reach a target. Two callers deliberately step outside the table:
 * - provisioning → provisioning: another run of the provisioning job takes over the attempt with a new token;
 * - active → awaiting_reveal: a reveal whose modal could not be shown is undone, so the key can be revealed again.
 */
export const TRANSITIONS: Readonly<Record<RequestState, readonly RequestState[]>> = {
  pending: ['approved', 'denied', 'expired', 'cancelled'],
  approved: ['provisioning', 'failed', 'revoked'],
  provisioning: ['awaiting_reveal', 'failed', 'revoked'],
  awaiting_reveal: ['active', 'revoked'],
  active: ['revoked', 'expired'],
  denied: [],
  expired: [],
  failed: [],
  revoked: [],
  cancelled: [],
};

/** The states from which `to` may be reached. */
export const statesLeadingTo = (to: RequestState): RequestState[] =>
  REQUEST_STATES.filter((from) => TRANSITIONS[from].includes(to));

export const holdsKey = (state: RequestState): boolean => state === 'awaiting_reveal' || state === 'active';

/** A key request: the approvals engine's fields (votes, reminders, auto-approval…) plus the key's own. */
export interface KeyRequest extends ApprovalFields {
  readonly id: string;
  readonly kind: 'key';
  readonly state: RequestState;
  readonly requesterId: string;
  readonly projectId: string;
  readonly projectName: string;
  readonly purpose: string;
  readonly lifetimeDays: number;
  /** ms since epoch */
  readonly createdAt: number;
  /** when a pending request expires undecided (ms) */
  readonly decideBy: number;
  readonly decidedBy?: string;
  readonly decidedAt?: number;
  readonly denyReason?: string;
  /** the request message in the approval channel; its thread holds everything that follows */
  readonly channelId?: string;
  readonly messageTs?: string;
  readonly serviceAccountId?: string;
  readonly keyId?: string;
  /** e.g. `sk-svca…AbCd`: never the value */
  readonly redactedKey?: string;
  readonly keyCreatedAt?: number;
  readonly keyExpiresAt?: number;
  /** when an unrevealed key is revoked (ms) */
  readonly revealBy?: number;
  readonly revealedAt?: number;
  readonly revokedAt?: number;
  readonly revokedBy?: string;
  /** who withdrew the request while it was pending (the requester or an admin), and when (ms) */
  readonly cancelledBy?: string;
  readonly cancelledAt?: number;
  /** the requester's "Reveal key" DM, so it can be updated (chat.update) once the key is revealed or ends */
  readonly keyDmChannel?: string;
  readonly keyDmTs?: string;
  readonly endedReason?: string;
  readonly failure?: string;
  /** Slack refused the request message for good (e.g. the bot is not in the approval channel) */
  readonly messageUnpostable?: boolean;
  /** the provisioning attempt allowed to finish: a second worker on the same job takes over with a new token */
  readonly provisionToken?: string;
  /** when the service account was confirmed deleted at OpenAI (ms) */
  readonly serviceAccountDeletedAt?: number;
  /** bumped by every transition */
  readonly version: number;
}

export interface NewKeyRequest {
  readonly id: string;
  readonly requesterId: string;
  readonly projectId: string;
  readonly projectName: string;
  readonly purpose: string;
  readonly lifetimeDays: number;
}

/** A new pending key request; the engine sets its deadline and quorum from the policy when it opens it. */
export const openKeyRequest = (input: NewKeyRequest, now: number, requestTtlMs: number): KeyRequest => ({
  ...input,
  kind: 'key',
  state: 'pending',
  createdAt: now,
  decideBy: now + requestTtlMs,
  version: 1,
});

export type Decision = { readonly kind: 'approve' } | { readonly kind: 'deny'; readonly reason: string };

/** Why a decision on a key request is refused (the engine's refusal, with a key request's states). */
export type DecisionRefusal<S extends string = RequestState> = ApprovalRefusal<S>;
