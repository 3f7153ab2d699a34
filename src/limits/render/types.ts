/** The data the limits renderers take; the services that read the store and OpenAI build these. */
import type { ProjectLimits } from '../domain/limits.js';
import type { LimitChangeRequest } from '../domain/limitRequest.js';
import type { Cents } from '../../platform/domain/money.js';

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

/**
 * What the limit-change renderers read of a request: the domain's request without the kind tag and the document
 * version, which only the store needs.
 */
export type LimitChangeRequestView = Omit<LimitChangeRequest, 'kind' | 'version'>;
