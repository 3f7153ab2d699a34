/**
 * Retry policies the jobs declare (in their feature's jobs.ts), built from what the platform knows about failures:
 * OpenAI's failure kinds (src/platform/openai/failures.ts) and the Slack errors that never pass.
 */
import { describeOpenAIFailure } from '../openai/failures.js';
import type { Backoff, FailureVerdict, RetryPolicy } from './catalog.js';

/** 1 s, 2 s, 4 s… never more than 10 minutes apart. */
export const EXPONENTIAL_BACKOFF: Backoff = { firstMs: 1_000, maxMs: 600_000 };

/** The longest a failure's Retry-After may hold a job back. */
const MAX_RETRY_AFTER_MS = 3_600_000;

/** Attempts of a job that does not say otherwise. */
const DEFAULT_ATTEMPTS = 8;

/**
 * How long a failed job waits before its next attempt: exponential by `backoff`, or longer when the failure said how
 * long to wait (OpenAI's Retry-After, as `retryAfterMs` on the error), so retries do not come back before the server
 * allows. `attemptsMade` counts the attempts so far (1 after the first failed).
 */
export function retryDelay(attemptsMade: number, backoff: Backoff, error?: Error): number {
  const exponential = Math.min(backoff.firstMs * 2 ** Math.max(0, attemptsMade - 1), backoff.maxMs);
  const asked = (error as { retryAfterMs?: unknown } | undefined)?.retryAfterMs;
  return typeof asked === 'number' && asked > exponential ? Math.min(asked, MAX_RETRY_AFTER_MS) : exponential;
}

/** An OpenAI failure judged by its kind: rate limits, 5xx and network errors retry (after any Retry-After); refusals (401/403/404/400) do not. */
export function judgeOpenAIFailure(error: unknown): FailureVerdict {
  const failure = describeOpenAIFailure(error);
  return { permanent: !failure.retryable, message: failure.message, retryAfterMs: failure.retryAfterMs, kind: failure.kind, status: failure.status };
}

/** A job that talks to OpenAI: 8 attempts unless told otherwise, each failure judged by its OpenAI kind. */
export function openAIRetry(opts: { readonly attempts?: number } = {}): RetryPolicy {
  return { attempts: opts.attempts ?? DEFAULT_ATTEMPTS, backoff: EXPONENTIAL_BACKOFF, judge: judgeOpenAIFailure, logAs: 'openai job failed' };
}

/**
 * Slack errors no retry can fix (the token, a scope, the channel or user, the message itself):
 * https://api.slack.com/methods/chat.postMessage#errors, chat.update#errors, conversations.open#errors.
 */
const PERMANENT_SLACK_ERRORS: ReadonlySet<string> = new Set([
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'missing_scope',
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'invalid_blocks',
  'msg_too_long',
  'no_text',
  'user_not_found',
  'cant_update_message',
  'message_not_found',
]);

/** Slack's error code (e.g. `not_in_channel`) when Slack refused a call for good (see PERMANENT_SLACK_ERRORS); null for anything else. */
export function slackRefusalCode(error: unknown): string | null {
  const code = (error as { data?: { error?: unknown } } | null | undefined)?.data?.error;
  return typeof code === 'string' && PERMANENT_SLACK_ERRORS.has(code) ? code : null;
}

/** `Slack refused: <error>` when Slack refused a call for good (see PERMANENT_SLACK_ERRORS); null for anything else. */
export function slackRefusal(error: unknown): string | null {
  const code = slackRefusalCode(error);
  return code === null ? null : `Slack refused: ${code}`;
}

/** A Slack failure: permanent when Slack refused for good, else retried (a 429 never gets here: the job waits instead). */
function judgeSlackFailure(error: unknown): FailureVerdict {
  const refusal = slackRefusal(error);
  return refusal ? { permanent: true, message: refusal } : { permanent: false, message: error instanceof Error ? error.message : String(error) };
}

/** A job that posts to Slack: 8 attempts unless told otherwise; Slack's lasting refusals are not retried. */
export function slackRetry(opts: { readonly attempts?: number } = {}): RetryPolicy {
  return { attempts: opts.attempts ?? DEFAULT_ATTEMPTS, backoff: EXPONENTIAL_BACKOFF, judge: judgeSlackFailure };
}
