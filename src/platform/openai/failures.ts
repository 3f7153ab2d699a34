/**
 * OpenAI failures as data: what kind (retry or give up), and plain words a Slack user can act on.
 * Nothing here ever carries a request body, so an issued key cannot leak through an error.
 */
import OpenAI from 'openai';

export type OpenAIFailureKind =
  | 'auth' // 401/403: the admin key was refused
  | 'not_found'
  | 'bad_request'
  | 'rate_limited'
  | 'unavailable' // 5xx, network, timeout
  | 'spend_limit_exceeded';

export interface OpenAIFailure {
  readonly kind: OpenAIFailureKind;
  readonly retryable: boolean;
  readonly status: number | null;
  readonly code: string | null;
  /** plain words for people */
  readonly message: string;
  /** ms OpenAI asked to wait (Retry-After); null when it did not say */
  readonly retryAfterMs: number | null;
}

export class OpenAIAdminError extends Error {
  constructor(readonly failure: OpenAIFailure) {
    super(failure.message);
    this.name = 'OpenAIAdminError';
  }
}

export const ADMIN_KEY_REFUSED =
  "keywarden's admin key was refused by OpenAI: ask an admin to check OPENAI_ADMIN_KEY (an organization owner's admin key, sk-admin-…).";

export function describeOpenAIFailure(error: unknown): OpenAIFailure {
  if (error instanceof OpenAIAdminError) return error.failure;
  if (error instanceof OpenAI.APIConnectionTimeoutError) {
    return failure('unavailable', true, null, null, 'OpenAI did not answer in time; keywarden will try again.');
  }
  if (error instanceof OpenAI.APIConnectionError) {
    return failure('unavailable', true, null, null, 'OpenAI could not be reached; keywarden will try again.');
  }
  if (error instanceof OpenAI.APIError) {
    const status = error.status ?? null;
    const code = error.code ?? null;
    const detail = safeDetail(error);
    if (status === 401 || status === 403) return failure('auth', false, status, code, ADMIN_KEY_REFUSED);
    if (status === 404) return failure('not_found', false, status, code, `OpenAI says it does not exist${detail}.`);
    if (status === 429 && code === 'project_spend_limit_exceeded') {
      return failure('spend_limit_exceeded', false, status, code, `The project's spend limit is reached${detail}.`);
    }
    if (status === 429) {
      return failure('rate_limited', true, status, code, 'OpenAI is rate limiting keywarden; it will try again shortly.', retryAfter(error.headers));
    }
    if (status !== null && status >= 500) {
      return failure('unavailable', true, status, code, `OpenAI is unavailable (HTTP ${status}); keywarden will try again.`);
    }
    if (status === 409) return failure('bad_request', false, status, code, `OpenAI refused: conflict${detail}.`);
    return failure('bad_request', false, status, code, `OpenAI refused the request${detail}.`);
  }
  return failure('unavailable', true, null, null, 'An unexpected error happened while talking to OpenAI; keywarden will try again.');
}

function failure(
  kind: OpenAIFailureKind,
  retryable: boolean,
  status: number | null,
  code: string | null,
  message: string,
  retryAfterMs: number | null = null,
): OpenAIFailure {
  return { kind, retryable, status, code, message, retryAfterMs };
}

/** OpenAI's own error message, cut short and scrubbed of anything that looks like a key. */
function safeDetail(error: InstanceType<typeof OpenAI.APIError>): string {
  const raw = (error.error as { message?: unknown } | undefined)?.message;
  if (typeof raw !== 'string' || raw.trim() === '') return '';
  const cleaned = raw.replace(/sk-[A-Za-z0-9_-]{4,}/g, '[redacted]').replace(/\s+/g, ' ').trim().slice(0, 200);
  return `: “${cleaned}”`;
}

/**
 * How long OpenAI asks a client to wait after a 429 or 5xx, in ms, or null when it did not say (OpenAI's Admin API
 * may send a 429 without it): Retry-After in seconds or as an HTTP date (RFC 9110 §10.2.3).
 */
function retryAfter(headers: Headers | undefined): number | null {
  const value = headers?.get('retry-after');
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : null;
}

/**
 * After a 429 without Retry-After on the spend-limit endpoint, every spend-limit read waits this long (ms),
 * organization-wide (OpenAI's Admin API allows only a few calls a minute per organization and does not always say
 * how long to wait). Shared by the spend poll and `limits`, which read the same endpoint.
 */
export const SPEND_LIMIT_HOLD_WITHOUT_RETRY_AFTER_MS = 60_000;
