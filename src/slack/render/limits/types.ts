/** The data the limits renderers take; the services that read the store and OpenAI build these. */
import type { LimitChange, ProjectLimits } from '../../../domain/limits.js';
import type { Cents } from '../../../domain/money.js';
import type { DecisionRefusal } from '../../../domain/request.js';

export interface LimitsProject {
  readonly id: string;
  readonly name: string;
}

export interface LimitsRowProject extends LimitsProject {
  readonly status: 'active' | 'archived';
}

/**
 * What OpenAI says about the project's hard spend limit: `none` when OpenAI has no limit set for it,
 * `null` when it could not be read.
 */
export type HardCapEnforcement = 'inactive' | 'enforcing' | 'none' | null;

/** One project's limits with its spend so far this month. */
export interface LimitsRow {
  readonly project: LimitsRowProject;
  /** null when keywarden has no limits stored for the project */
  readonly limits: ProjectLimits | null;
  /** null when the spend could not be read */
  readonly monthToDateCents: Cents | null;
  /** true when part of the spend is estimated from usage because OpenAI's costs lag behind */
  readonly estimateIncluded?: boolean;
  readonly enforcement: HardCapEnforcement;
}

/** One model's rate limits in a project, as OpenAI reports them; a missing value does not apply to the model. */
export interface RateLimitRow {
  readonly model: string;
  readonly maxRequestsPerMinute?: number;
  readonly maxTokensPerMinute?: number;
  readonly maxRequestsPerDay?: number;
  readonly maxImagesPerMinute?: number;
  readonly maxAudioMegabytesPer1Minute?: number;
  readonly batch1DayMaxInputTokens?: number;
}

export const LIMIT_CHANGE_STATES = ['pending', 'approved', 'applied', 'denied', 'expired', 'failed'] as const;
export type LimitChangeState = (typeof LIMIT_CHANGE_STATES)[number];

/** A non-admin's request to change a project's limits, decided in the approval channel like a key request. */
export interface LimitChangeRequest {
  /** `lim_…` */
  readonly id: string;
  readonly state: LimitChangeState;
  readonly requesterId: string;
  readonly projectId: string;
  readonly projectName: string;
  readonly change: LimitChange;
  /** the limits when the request was made; null when none were set */
  readonly before: ProjectLimits | null;
  readonly reason?: string;
  /** ms since epoch */
  readonly createdAt: number;
  /** when a pending request expires undecided (ms) */
  readonly decideBy: number;
  readonly decidedBy?: string;
  readonly decidedAt?: number;
  readonly appliedAt?: number;
  readonly denyReason?: string;
  /** OpenAI's words when it refused the change */
  readonly failure?: string;
}

/** Something that happened to a limit-change request, told in its thread and (most kinds) to the requester. */
export type LimitChangeEvent =
  | { readonly kind: 'approved'; readonly by: string }
  | {
      readonly kind: 'applied';
      readonly before: ProjectLimits | null;
      readonly after: ProjectLimits;
      /** the alert channel the change was announced in, if it was */
      readonly announcedIn?: string;
    }
  | { readonly kind: 'denied'; readonly by: string; readonly reason: string }
  | { readonly kind: 'expired' }
  /** OpenAI refused the change; `reason` is its words */
  | { readonly kind: 'failed'; readonly reason: string }
  /** someone tried to decide (by button or thread reply) and the domain said no */
  | { readonly kind: 'refused'; readonly by: string; readonly refusal: DecisionRefusal };

/** One audit log entry; the store's `AuditEntry` fits as is. */
export interface AuditRow {
  readonly actor: string;
  readonly action: string;
  readonly target: string;
  readonly outcome: string;
  /** ms since epoch */
  readonly at: number;
  readonly detail?: string;
  readonly project?: string;
}
