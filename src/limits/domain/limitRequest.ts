/**
 * A request to change a project's limits, made by someone who is not an admin. It is decided in its thread exactly
 * by the approvals engine like a key request (the `limit` kind's policy) and applied on approval.
 *
 * pending ──approve──▶ approved ──job──▶ applied
 *    │                     └──OpenAI refused──▶ failed
 *    ├─deny──▶ denied
 *    └─no decision in time──▶ expired
 */
import type { ApprovalFields } from '../../approvals/domain/document.js';
import type { LimitChange, ProjectLimits } from './limits.js';

export const LIMIT_REQUEST_STATES = ['pending', 'approved', 'applied', 'denied', 'expired', 'cancelled', 'failed'] as const;
export type LimitRequestState = (typeof LIMIT_REQUEST_STATES)[number];

/** The approvals engine's fields plus the change; extra fields a later kind adds (e.g. `until`) pass through. */
export interface LimitChangeRequest extends ApprovalFields {
  /** `lim_…` */
  readonly id: string;
  readonly kind: 'limit';
  readonly state: LimitRequestState;
  readonly requesterId: string;
  readonly projectId: string;
  readonly projectName: string;
  readonly change: LimitChange;
  /** the limits when the request was made, to show before → after; null when none were set */
  readonly before: ProjectLimits | null;
  readonly reason?: string;
  /** ms since epoch */
  readonly createdAt: number;
  /** when a pending request expires undecided (ms) */
  readonly decideBy: number;
  readonly decidedBy?: string;
  readonly decidedAt?: number;
  /** when the change took effect at OpenAI (ms) */
  readonly appliedAt?: number;
  readonly denyReason?: string;
  /** who withdrew it while it was pending (the requester or an admin; the approvals engine sets it) */
  readonly cancelledBy?: string;
  /** OpenAI's words when it refused the change */
  readonly failure?: string;
  readonly appliedVersion?: number;
  readonly channelId?: string;
  readonly messageTs?: string;
  /** Slack refused the request message for good (e.g. the bot is not in the approval channel) */
  readonly messageUnpostable?: boolean;
  readonly version: number;
}

/** A limit-change request's id from 8 random bytes: `lim_` and ten lower-case letters and digits. */
export const limitRequestIdOf = (random: Uint8Array): string =>
  `lim_${Buffer.from(random).toString('base64url').replace(/[-_]/g, '').toLowerCase().slice(0, 10).padEnd(10, 'x')}`;

export const openLimitChangeRequest = (
  input: Pick<LimitChangeRequest, 'id' | 'requesterId' | 'projectId' | 'projectName' | 'change' | 'before'> & { reason?: string } & Record<string, unknown>,
  now: number,
  requestTtlMs: number,
): LimitChangeRequest => ({
  ...input,
  kind: 'limit',
  state: 'pending',
  createdAt: now,
  decideBy: now + requestTtlMs,
  version: 1,
});
