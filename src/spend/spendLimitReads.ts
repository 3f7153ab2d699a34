/**
 * The spend poll's reads of the limited projects' caps at OpenAI (enforcement, drift), made by need within
 * OpenAI's few spend-limit reads a minute: the projects near or over their cap every poll, the rest in an hourly
 * rotation (see planSpendLimitReads).
 */
import { monthSpendOf, type SpendSnapshot } from './domain/aggregate.js';
import type { Enforcement } from './domain/alerts.js';
import { planSpendLimitReads, type SpendLimitReadState } from './domain/limitReads.js';
import { monthOf } from '../platform/domain/month.js';
import type { SpendLimitAtOpenAI } from '../platform/openai/admin.js';
import { describeOpenAIFailure, SPEND_LIMIT_HOLD_WITHOUT_RETRY_AFTER_MS } from '../platform/openai/failures.js';
import { mapConcurrently } from '../platform/concurrency.js';
import { reconcileHardCap } from '../limits/index.js';
import type { StoredLimits } from '../limits/domain/storedLimits.js';
import { RETRIES, retryDelayMs, sleeperOf } from './openAIRetries.js';
import type { SpendDeps } from './deps.js';

/**
 * Spend-limit reads under way at once, in plan order: two keep a poll short while a 429 part way wastes at most one
 * more call, and leaves out the last in the order.
 */
const SPEND_LIMIT_READS_AT_ONCE = 2;

/** What one poll's spend-limit reads did (all counts of projects, times in ms on the poll's clock). */
export interface SpendLimitReadsReport {
  /** read every poll: near their cap, enforcing, a cap change pending or not known yet */
  readonly needed: number;
  /** the others, read in rotation at least hourly */
  readonly others: number;
  /** how many of the others this poll's rotation read */
  readonly rotation: number;
  /** projects whose cap OpenAI sent this poll */
  readonly answered: number;
  /** projects whose read failed (rate limited, unavailable): read first next poll */
  readonly failed: number;
  /** planned reads not made because OpenAI rate limited the endpoint (this poll or before): read first next poll */
  readonly deferred: number;
  /** the endpoint is held until then after a 429, or null */
  readonly heldUntil: number | null;
}

/** What one poll's spend-limit reads found, for the poll to evaluate alerts with. */
export interface SpendLimitReads {
  /** the projects read this poll: OpenAI's status (null: no cap) and the limits after reconciling drift */
  readonly byProject: ReadonlyMap<string, { readonly enforcement: Enforcement; readonly limits: StoredLimits }>;
  /** every limited project's read state after this poll */
  readonly states: ReadonlyMap<string, SpendLimitReadState>;
  readonly report: SpendLimitReadsReport;
}

/**
 * Reads the caps the poll needs (see planSpendLimitReads): every poll the projects near or over their cap, the rest
 * in a rotation that reads each at least hourly. OpenAI allows few spend-limit reads a minute: after a 429 no more
 * are made this poll, and none by any worker until the Retry-After has passed, or 60 s without one (the hold is
 * kept in Redis); the projects left out go first next time. A read OpenAI did not answer (5xx, network) is retried
 * with backoff, then left for next time. Drift and adoption are reconciled for each answered read.
 * @throws OpenAIAdminError when the admin key is refused
 */
export async function readSpendLimitsByNeed(
  deps: SpendDeps,
  counter: { calls: number },
  limited: readonly StoredLimits[],
  snapshot: SpendSnapshot,
  now: number,
): Promise<SpendLimitReads> {
  const ids = limited.map((l) => l.projectId);
  const [before, previousPoll, heldAtStart] = await Promise.all([
    deps.spend.spendLimitReadStates(ids),
    deps.spend.markSpendPoll(now),
    deps.spend.openAIEndpointHeldUntil('spend-limit-read', now),
  ]);
  const plan = planSpendLimitReads(
    limited.map((stored) => ({ projectId: stored.projectId, limits: stored, spend: monthSpendOf(snapshot, stored.projectId), state: before.get(stored.projectId) ?? null })),
    previousPoll === null ? null : now - previousPoll,
  );
  const storedById = new Map(limited.map((l) => [l.projectId, l]));
  const sleep = sleeperOf(deps);
  let heldUntil = heldAtStart;
  const byProject = new Map<string, { enforcement: Enforcement; limits: StoredLimits }>();
  const after = new Map<string, SpendLimitReadState>();
  let failed = 0;
  let deferred = 0;

  await mapConcurrently(plan.reads, SPEND_LIMIT_READS_AT_ONCE, async ({ projectId }) => {
    const stored = storedById.get(projectId) as StoredLimits;
    const previous = before.get(projectId) ?? { readAt: null, failedAt: null, version: null, status: null };
    for (let attempt = 0; ; attempt += 1) {
      if (heldUntil !== null) {
        // Put off by the rate limit: first next time, before any read planned later than this one.
        deferred += 1;
        after.set(projectId, { ...previous, failedAt: previous.failedAt ?? now });
        return;
      }
      counter.calls += 1;
      let observed: SpendLimitAtOpenAI | null;
      try {
        observed = await deps.openai.getSpendLimit(projectId);
      } catch (error) {
        const failure = describeOpenAIFailure(error);
        if (failure.kind === 'auth') throw error;
        if (failure.kind === 'rate_limited') {
          // OpenAI's per-organization limit on this endpoint: hold it for every worker, and read this one first next time.
          const until = now + (failure.retryAfterMs ?? SPEND_LIMIT_HOLD_WITHOUT_RETRY_AFTER_MS);
          heldUntil = Math.max(heldUntil ?? 0, until);
          await deps.spend.holdOpenAIEndpoint('spend-limit-read', until, now);
        } else if (failure.retryable && attempt < RETRIES) {
          await sleep(retryDelayMs(failure, attempt));
          continue;
        }
        // Unknown this time: alert on spend alone, read it first next poll.
        failed += 1;
        after.set(projectId, { ...previous, failedAt: previous.failedAt ?? now });
        return;
      }
      const status = observed ? observed.status : null;
      try {
        const limits = (await reconcileHardCap(deps, { id: projectId, name: stored.projectName ?? projectId }, observed, stored)) ?? stored;
        byProject.set(projectId, { enforcement: status, limits });
        after.set(projectId, { readAt: now, failedAt: null, version: limits.version, status });
      } catch {
        // Read, but drift could not be recorded (Redis): OpenAI's status holds; reconcile first next poll.
        byProject.set(projectId, { enforcement: status, limits: stored });
        after.set(projectId, { ...previous, failedAt: previous.failedAt ?? now });
      }
      return;
    }
  });
  await deps.spend.recordSpendLimitReads(after);

  const states = new Map(before);
  for (const [projectId, state] of after) states.set(projectId, state);
  return {
    byProject,
    states,
    report: {
      needed: plan.needed,
      others: plan.others,
      rotation: plan.rotationShare,
      answered: byProject.size,
      failed,
      deferred,
      heldUntil,
    },
  };
}

/** What OpenAI last reported of a project's cap this month (a new month starts unenforced), or null. */
export const lastKnownEnforcement = (state: SpendLimitReadState | undefined, month: string): Enforcement =>
  state && state.readAt !== null && monthOf(state.readAt) === month ? state.status : null;
