/** The emulated organization as seen by the test and sandbox code that drives the emulator. Times are epoch seconds. */

export type ProjectStatus = 'active' | 'archived';

export interface Project {
  readonly id: string;
  readonly name: string;
  readonly status: ProjectStatus;
  readonly createdAt: number;
  readonly archivedAt: number | null;
}

export type ServiceAccountRole = 'owner' | 'member' | 'none';

export interface ServiceAccount {
  readonly id: string;
  readonly projectId: string;
  readonly name: string;
  readonly role: ServiceAccountRole;
  readonly createdAt: number;
  /** The service account's API key, or null when it was created with `create_service_account_only`. */
  readonly apiKeyId: string | null;
}

export interface ApiKeyUser {
  readonly id: string;
  readonly name: string;
  readonly email: string;
  readonly role: string;
  readonly createdAt: number;
}

export type ApiKeyOwner =
  | { readonly type: 'service_account'; readonly serviceAccountId: string }
  | { readonly type: 'user'; readonly user: ApiKeyUser };

export interface ApiKey {
  readonly id: string;
  readonly projectId: string;
  readonly name: string;
  readonly redactedValue: string;
  readonly createdAt: number;
  readonly lastUsedAt: number | null;
  readonly expiresAt: number | null;
  readonly owner: ApiKeyOwner;
}

/** Field names follow the wire format, as they name OpenAI's limits. */
export interface RateLimit {
  readonly id: string;
  readonly model: string;
  readonly max_requests_per_1_minute: number;
  readonly max_tokens_per_1_minute: number;
  readonly max_images_per_1_minute?: number;
  readonly max_audio_megabytes_per_1_minute?: number;
  readonly max_requests_per_1_day?: number;
  readonly batch_1_day_max_input_tokens?: number;
}

export type SpendLimitStatus = 'inactive' | 'enforcing';

export interface SpendLimitState {
  readonly threshold_amount: number;
  readonly status: SpendLimitStatus;
}

export interface RecordedCall {
  readonly method: string;
  /** The URL path as requested, e.g. `/v1/organization/projects`. */
  readonly path: string;
  /** Query parameters with their keys as sent (`group_by[]` stays `group_by[]`); a repeated key, or one ending in `[]`, holds an array. */
  readonly query: Record<string, string | string[]>;
  /** The parsed JSON body, the raw text when it was not JSON, or undefined when there was none. */
  readonly body: unknown;
  readonly status: number;
  /** Milliseconds, from the emulator's clock. */
  readonly at: number;
}

export interface InjectedFault {
  readonly method?: string;
  /** Tested against the URL path, e.g. `/v1/organization/costs`. */
  readonly path?: RegExp;
  /** A status below 400 answers the request normally (after `delayMs`); 400 and above answers with an OpenAI error body. */
  readonly status: number;
  readonly times?: number;
  readonly retryAfterSeconds?: number;
  readonly code?: string;
  readonly message?: string;
  readonly delayMs?: number;
  /**
   * Carry the request out, then hold the answer this long: the state has changed but the client has not heard yet,
   * the window in which a crashed client leaves work half done.
   */
  readonly answerLateMs?: number;
}

export interface CostEntry {
  readonly projectId: string;
  /** Epoch seconds, any time within the UTC day. */
  readonly day: number;
  readonly usd: number;
  readonly lineItem?: string;
}

export interface UsageEntry {
  readonly projectId: string;
  readonly apiKeyId: string | null;
  readonly model: string;
  /** Epoch seconds; the usage is counted in the minute that contains it. */
  readonly hour: number;
  readonly inputTokens: number;
  readonly cachedInputTokens?: number;
  readonly outputTokens: number;
  readonly requests?: number;
}

export type CostValueForm = 'number' | 'string';

/**
 * Rate limits the emulated Admin API enforces, organization-wide, on the emulator's clock. OpenAI allows only a few
 * calls a minute on some Admin API endpoints and does not always say when to come back: a 429 may come without
 * Retry-After. Nothing is limited unless set.
 */
export interface EmulatedRateLimits {
  /**
   * Answered `GET /v1/organization/projects/{id}/spend_limit` calls (any project) per rolling 60 s; beyond it the
   * call is answered 429 `rate_limit_exceeded` and does not count. Unset: no limit.
   */
  readonly spendLimitReadsPerMinute?: number;
  /**
   * The Retry-After header on those 429s: omitted or null sends none; a number sends that many seconds;
   * 'until-free' sends the whole seconds until the rolling minute has room again.
   */
  readonly retryAfter?: number | 'until-free' | null;
}
