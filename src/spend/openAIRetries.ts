/** How the spend poll retries OpenAI calls that failed for a passing reason (429, 5xx, network). */
import { describeOpenAIFailure, type OpenAIFailure } from '../platform/openai/failures.js';
import type { SpendDeps } from './deps.js';

/** Retries after the first try, at most. */
export const RETRIES = 3;

/** The wait before retry number `attempt` (0-based): OpenAI's Retry-After, else 1 s doubling, at most 30 s. */
export const retryDelayMs = (failure: Pick<OpenAIFailure, 'retryAfterMs'>, attempt: number): number => Math.min(failure.retryAfterMs ?? 1_000 * 2 ** attempt, 30_000);

/** The poll's way to wait: `deps.sleep`, else a timer. */
export const sleeperOf = (deps: Pick<SpendDeps, 'sleep'>): ((ms: number) => Promise<void>) => deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));

/** Retries retryable OpenAI failures (429, 5xx, network) with backoff, honouring Retry-After; counts calls. */
export async function withRetries<T>(deps: Pick<SpendDeps, 'sleep'>, counter: { calls: number }, run: () => Promise<T>): Promise<T> {
  const sleep = sleeperOf(deps);
  for (let attempt = 0; ; attempt += 1) {
    counter.calls += 1;
    try {
      return await run();
    } catch (error) {
      const failure = describeOpenAIFailure(error);
      if (!failure.retryable || attempt >= RETRIES) throw error;
      await sleep(retryDelayMs(failure, attempt));
    }
  }
}
