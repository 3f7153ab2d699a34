/**
 * One spend poll: read the month's costs and recent usage from OpenAI (a number of calls that does not grow with
 * the number of projects), fold them, read the caps at OpenAI that this poll needs (those near or over their cap
 * every poll, the rest in an hourly rotation, within OpenAI's few spend-limit reads a minute; drift reconciled on
 * each read), and claim every alert that holds in the ledger. Each alert claimed for the first time becomes one
 * Slack job with the same id. OpenAI calls per poll at 5-minute ticks: 2 + further pages + the needed caps +
 * ceil(other limited projects / 12).
 */
import { addCostPage, addUsagePage, finishMonthSpend, markUsageUnavailable, monthSpendOf, startMonthSpend, totalSpendCents, type CompletionsUsagePageJson, type CostPageJson, type SpendAccumulator, type SpendSnapshot } from './domain/aggregate.js';
import { evaluate, thresholdRank, type Alert, type Enforcement } from './domain/alerts.js';
import { planSpendLimitReads, type SpendLimitReadState } from './domain/limitReads.js';
import { DAY_MS, monthOf } from './domain/month.js';
import type { Cents } from '../platform/domain/money.js';
import { jobId } from '../platform/queues/registry.js';
import type { JobQueues } from '../platform/queues/queues.js';
import type { BucketPage, OpenAIAdmin, SpendLimitAtOpenAI } from '../platform/openai/admin.js';
import { describeOpenAIFailure, OpenAIAdminError, SPEND_LIMIT_HOLD_WITHOUT_RETRY_AFTER_MS } from '../platform/openai/failures.js';
import type { LimitsStore, StoredLimits } from '../limits/limitStore.js';
import type { ProjectSpendRecord, SpendStore, SpendTotal } from './spendStore.js';
import type { AuditLog } from '../platform/redis/auditLog.js';
import type { PostMarkers } from '../platform/slack/postMarkers.js';
import { reconcileHardCap } from '../limits/limits.js';
import { mapConcurrently } from '../platform/concurrency.js';

export interface SpendDeps {
  readonly openai: Pick<OpenAIAdmin, 'costsPage' | 'completionsUsagePage' | 'getSpendLimit'>;
  readonly limits: LimitsStore;
  readonly spend: SpendStore;
  readonly markers: Pick<PostMarkers, 'posted'>;
  readonly queues: Pick<JobQueues, 'add' | 'addBulk'>;
  readonly audit: Pick<AuditLog, 'append' | 'recent'>;
  readonly clock: () => number;
  readonly settings: { readonly alertChannel: string };
  /** waits between retries of a rate-limited or failing OpenAI call (a parameter so tests and benches need not sleep) */
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface PollReport {
  readonly month: string;
  readonly projectsWithSpend: number;
  readonly limitedProjects: number;
  readonly alertsClaimed: number;
  readonly alertsAlreadyClaimed: number;
  readonly openaiCalls: number;
  readonly estimateMissing: boolean;
}

/** A poll's report with how the limited projects' caps were read at OpenAI (logged with each poll). */
export interface SpendPollReport extends PollReport {
  readonly spendLimitReads: SpendLimitReadsReport;
}

const RETRIES = 3;

/** Retries retryable OpenAI failures (429, 5xx, network) with backoff, honouring Retry-After; counts calls. */
async function withRetries<T>(deps: Pick<SpendDeps, 'sleep'>, counter: { calls: number }, run: () => Promise<T>): Promise<T> {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let attempt = 0; ; attempt += 1) {
    counter.calls += 1;
    try {
      return await run();
    } catch (error) {
      const failure = describeOpenAIFailure(error);
      if (!failure.retryable || attempt >= RETRIES) throw error;
      await sleep(Math.min(failure.retryAfterMs ?? 1_000 * 2 ** attempt, 30_000));
    }
  }
}

async function readAllPages(
  deps: Pick<SpendDeps, 'sleep'>,
  counter: { calls: number },
  fetchPage: (page: string | undefined) => Promise<BucketPage>,
  fold: (page: BucketPage) => void,
): Promise<void> {
  let page: string | undefined;
  for (let guard = 0; guard < 1_000; guard += 1) {
    const current = await withRetries(deps, counter, () => fetchPage(page));
    fold(current);
    if (!current.has_more || !current.next_page) return;
    page = current.next_page;
  }
}

export async function pollSpend(deps: SpendDeps): Promise<SpendPollReport> {
  const now = deps.clock();
  const counter = { calls: 0 };
  let acc: SpendAccumulator = startMonthSpend(now);
  const monthStart = acc.month.start;

  // 1. Billed costs for the month, every project in each page.
  await readAllPages(deps, counter, (page) => deps.openai.costsPage({ startTime: monthStart, endTime: now, ...(page ? { page } : {}) }), (page) => {
    const folded = addCostPage(acc, page as unknown as CostPageJson);
    if (!folded.ok) throw new Error(`OpenAI sent costs keywarden cannot read: ${folded.error.message}`);
    acc = folded.value;
  });

  // 2. Usage since the start of the last day costs cover, to estimate what is not billed yet.
  const usageFrom = Math.max(monthStart, acc.costsCoverUntil > monthStart ? acc.costsCoverUntil - DAY_MS : monthStart);
  try {
    await readAllPages(deps, counter, (page) => deps.openai.completionsUsagePage({ startTime: usageFrom, endTime: now, ...(page ? { page } : {}) }), (page) => {
      const folded = addUsagePage(acc, page as unknown as CompletionsUsagePageJson);
      if (!folded.ok) throw new Error(`OpenAI sent usage keywarden cannot read: ${folded.error.message}`);
      acc = folded.value;
    });
  } catch (error) {
    // Without the admin key nothing else works either: let the caller say so.
    if (error instanceof OpenAIAdminError && error.failure.kind === 'auth') throw error;
    acc = markUsageUnavailable(acc);
  }
  const snapshot = finishMonthSpend(acc);

  // 3. Each limited project's cap at OpenAI (enforcement, drift), read by need (see planSpendLimitReads), then the
  //    alerts that hold, on spend alone for a project whose cap was not read this time.
  const limited = await deps.limits.all();
  const reads = await readSpendLimitsByNeed(deps, counter, limited, snapshot, now);
  const perProject = limited.map((stored) => {
    const read = reads.byProject.get(stored.projectId);
    const limits = read?.limits ?? stored;
    const enforcement = read ? read.enforcement : lastKnownEnforcement(reads.states.get(stored.projectId), snapshot.month);
    const spend = monthSpendOf(snapshot, stored.projectId);
    return { record: { spend, enforcement, polledAt: now }, alerts: evaluate({ spend, limits, enforcement, now }) };
  });
  const records: ProjectSpendRecord[] = perProject.map((p) => p.record);
  const holding: Alert[] = perProject.flatMap((p) => p.alerts);

  const totals = new Map<string, SpendTotal>();
  for (const [projectId, spend] of snapshot.projects) {
    totals.set(projectId, { cents: totalSpendCents(spend), estimateCents: spend.estimateCents as Cents, estimateMissing: spend.estimateMissing, polledAt: now });
  }
  // 4. What the alerts will show is saved before any alert is queued.
  await deps.spend.savePoll(snapshot.month, records, totals);

  // 5. The claim is the record; the job (id = identity) is added again until the alert is delivered, so a crash
  //    between claiming and queueing loses nothing, and BullMQ keeps a queued or finished id from running twice.
  //    Several thresholds of a project crossed in this poll are told as one alert, the highest (see claimAlerts).
  const outcomes = await deps.spend.claimAlerts(holding, now, thresholdRank);
  const repeats = holding.filter((_, i) => outcomes[i] === 'repeat');
  const delivered = await deps.markers.posted(repeats.map((a) => `reply.${a.identity}`));
  const toQueue = [...holding.filter((_, i) => outcomes[i] === 'tell'), ...repeats.filter((_, i) => !delivered[i])];
  await enqueueAlerts(deps, toQueue);
  await enqueueEnforcedUpdates(deps, records, repeats);
  const claimed = outcomes.filter((o) => o === 'tell' || o === 'covered').length;
  const already = holding.length - claimed;

  return {
    month: snapshot.month,
    projectsWithSpend: snapshot.projects.size,
    limitedProjects: limited.length,
    alertsClaimed: claimed,
    alertsAlreadyClaimed: already,
    openaiCalls: counter.calls,
    spendLimitReads: reads.report,
    estimateMissing: snapshot.estimateMissing,
  };
}

export { SPEND_LIMIT_HOLD_WITHOUT_RETRY_AFTER_MS } from '../platform/openai/failures.js';
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

interface SpendLimitReads {
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
async function readSpendLimitsByNeed(
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
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
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
          await sleep(Math.min(failure.retryAfterMs ?? 1_000 * 2 ** attempt, 30_000));
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
const lastKnownEnforcement = (state: SpendLimitReadState | undefined, month: string): Enforcement =>
  state && state.readAt !== null && monthOf(state.readAt) === month ? state.status : null;

/**
 * A hard-cap notice told while OpenAI did not report the cap enforced yet says so; once a poll reads `enforcing`,
 * the notice is updated to say OpenAI refuses requests (one job per notice, id `enforced.<identity>`, added again
 * each poll until done, like alerts; the delivery marks it done once).
 */
async function enqueueEnforcedUpdates(deps: Pick<SpendDeps, 'queues' | 'spend' | 'markers'>, records: readonly ProjectSpendRecord[], repeats: readonly Alert[]): Promise<void> {
  const enforcing = new Set(records.filter((r) => r.enforcement === 'enforcing').map((r) => r.spend.projectId));
  const hard = repeats.filter((a) => a.kind === 'hard' && enforcing.has(a.projectId));
  if (hard.length === 0) return;
  const stored = await Promise.all(hard.map((a) => deps.spend.claimedAlert(a.identity)));
  const told = stored.filter((a): a is Alert => a !== null && a.kind === 'hard' && a.enforcement !== 'enforcing');
  const done = await deps.markers.posted(told.map((a) => `enforced.${a.identity}`));
  const pending = told.filter((_, i) => !done[i]);
  if (pending.length === 0) return;
  await deps.queues.addBulk('slack', 'post', pending.map((alert) => ({ data: { kind: 'alert-enforced' as const, identity: alert.identity, projectId: alert.projectId }, jobId: enforcedJobId(alert.identity) })));
}

/** The job that updates a hard-cap notice once OpenAI enforces the cap. */
export const enforcedJobId = (identity: string): string => jobId('enforced', identity);

/** The Slack jobs of claimed alerts: each job's id is its alert's identity, so it is queued once however often it is added. */
export async function enqueueAlerts(deps: Pick<SpendDeps, 'queues'>, alerts: readonly Alert[]): Promise<void> {
  if (alerts.length === 0) return;
  await deps.queues.addBulk('slack', 'post', alerts.map((alert) => ({ data: { kind: 'alert' as const, identity: alert.identity, projectId: alert.projectId }, jobId: alert.identity })));
}

/**
 * Called when a poll fails. The admin key refused: one notice an hour in the default alert channel, not one per
 * tick. Anything else is left to the job's retries.
 */
export async function reportPollFailure(deps: Pick<SpendDeps, 'spend' | 'queues' | 'clock' | 'settings'>, error: unknown): Promise<'auth-notice' | 'auth-notice-already-sent' | 'other'> {
  const failure = describeOpenAIFailure(error);
  if (failure.kind !== 'auth') return 'other';
  const hour = new Date(deps.clock()).toISOString().slice(0, 13).replace(/[^0-9]/g, '');
  if (!(await deps.spend.firstInWindow('openai-auth-notice', hour, 7_200))) return 'auth-notice-already-sent';
  await deps.queues.add('slack', 'post', { kind: 'openai-auth-notice', channel: deps.settings.alertChannel, hour }, { jobId: jobId('openai-auth', hour) });
  return 'auth-notice';
}

/** The poll job's id for a clock tick: every replica's clock derives the same id, so a tick is polled once. */
export const pollJobId = (tickAt: number): string => jobId('poll', new Date(Math.floor(tickAt / 1_000) * 1_000).toISOString().replace(/[:.]/g, '-'));
