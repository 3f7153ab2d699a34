/**
 * Whether this process can do its work, for GET /readyz: Redis answers now, Slack accepted the bot token at start,
 * and OpenAI did not last reject the admin key. Each check carries a reason in plain words.
 */
import { redactSecretText } from '../log.js';
import type { OpenAICallObserver } from '../openai/admin.js';
import { withDeadline } from './deadline.js';

export interface CheckResult {
  readonly ok: boolean;
  readonly reason: string;
}

export interface ReadinessReport {
  readonly ready: boolean;
  readonly checks: { readonly redis: CheckResult; readonly slack: CheckResult; readonly openai: CheckResult };
}

export interface Readiness {
  /** pings Redis (waiting at most the Redis timeout) and reports every check */
  check(): Promise<ReadinessReport>;
  /** the outcome of Slack's auth.test at start; `detail` is shown as the reason (team and bot, or Slack's error) */
  markSlackAuth(ok: boolean, detail: string): void;
  /** pass to createOpenAIAdmin (or call from its observer) so each OpenAI call's outcome is seen */
  readonly observeOpenAI: OpenAICallObserver;
}

export interface ReadinessOptions {
  /** resolves when Redis answers PING; use a connection that fails fast when Redis is away */
  readonly redisPing: () => Promise<void>;
  readonly clock?: () => number;
  /** 1 s by default */
  readonly redisTimeoutMs?: number;
}

const MAX_REASON_LENGTH = 300;

export function createReadiness(opts: ReadinessOptions): Readiness {
  const clock = opts.clock ?? Date.now;
  const redisTimeoutMs = opts.redisTimeoutMs ?? 1_000;
  let slack: CheckResult = { ok: false, reason: 'Slack auth.test has not run yet' };
  /** set by a 401 or 403 from OpenAI; cleared by a call OpenAI accepted */
  let openaiRejected: { status: number; at: number } | null = null;
  let openaiLast: { ok: boolean; status: number | null; at: number } | null = null;

  const at = (ms: number) => new Date(ms).toISOString();

  const checkRedis = async (): Promise<CheckResult> => {
    const started = clock();
    try {
      await withDeadline(
        Promise.resolve().then(() => opts.redisPing()),
        redisTimeoutMs,
        'Redis PING',
      );
      return { ok: true, reason: `Redis answered PING in ${Math.max(0, clock() - started)} ms` };
    } catch (error) {
      return { ok: false, reason: shortReason(`Redis did not answer PING: ${(error as Error).message}`) };
    }
  };

  const checkOpenAI = (): CheckResult => {
    if (openaiRejected) {
      return {
        ok: false,
        reason: `OpenAI answered ${openaiRejected.status} at ${at(openaiRejected.at)}: the admin key is wrong, revoked, or not an organization owner's admin key`,
      };
    }
    if (!openaiLast) return { ok: true, reason: 'no OpenAI call yet' };
    if (openaiLast.ok) return { ok: true, reason: `the last OpenAI call succeeded at ${at(openaiLast.at)}` };
    return {
      ok: true,
      reason: `the last OpenAI call failed at ${at(openaiLast.at)} (${openaiLast.status ?? 'no response'}), which does not say the admin key was rejected`,
    };
  };

  return {
    async check() {
      const redis = await checkRedis();
      const openai = checkOpenAI();
      return { ready: redis.ok && slack.ok && openai.ok, checks: { redis, slack, openai } };
    },
    markSlackAuth(ok, detail) {
      const when = at(clock());
      slack = ok
        ? { ok: true, reason: shortReason(`Slack auth.test passed at ${when}${detail ? `: ${detail}` : ''}`) }
        : { ok: false, reason: shortReason(`Slack auth.test failed at ${when}${detail ? `: ${detail}` : ''}`) };
    },
    observeOpenAI(outcome) {
      const now = clock();
      if (outcome.ok) {
        openaiRejected = null;
        openaiLast = { ok: true, status: null, at: now };
        return;
      }
      openaiLast = { ok: false, status: outcome.status, at: now };
      if (outcome.status === 401 || outcome.status === 403) {
        openaiRejected = { status: outcome.status, at: now };
      } else if (outcome.status !== null && outcome.status < 500) {
        // A 4xx other than 401/403 (404, 409, 429, …) means OpenAI accepted the key and objected to the request.
        // 5xx and no response say nothing about the key, so an earlier rejection stands.
        openaiRejected = null;
      }
    },
  };
}

/** /readyz is reachable wherever Slack can reach keywarden, so reasons are scrubbed and kept short. */
function shortReason(text: string): string {
  const clean = redactSecretText(text);
  return clean.length > MAX_REASON_LENGTH ? `${clean.slice(0, MAX_REASON_LENGTH - 1)}…` : clean;
}
