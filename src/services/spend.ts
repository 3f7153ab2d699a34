/**
 * One spend poll: read the month's costs and recent usage from OpenAI (a number of calls that does not grow with
 * the number of projects), fold them, check each limited project's cap at OpenAI (and drift), and claim every
 * alert that holds in the ledger. Each alert claimed for the first time becomes one Slack job with the same id.
 */
import { addCostPage, addUsagePage, finishMonthSpend, markUsageUnavailable, monthSpendOf, startMonthSpend, totalSpendCents, type CompletionsUsagePageJson, type CostPageJson, type SpendAccumulator } from '../domain/spend/aggregate.js';
import { evaluate, thresholdRank, type Alert } from '../domain/spend/alerts.js';
import { DAY_MS } from '../domain/spend/month.js';
import type { Cents } from '../domain/money.js';
import { jobId } from '../jobs/registry.js';
import type { JobQueues } from '../jobs/queues.js';
import type { BucketPage, OpenAIAdmin, SpendLimitAtOpenAI } from '../openai/admin.js';
import { describeOpenAIFailure, OpenAIAdminError } from '../openai/failures.js';
import type { LimitsStore } from '../store/limits.js';
import type { ProjectSpendRecord, SpendStore, SpendTotal } from '../store/spend.js';
import type { AuditLog } from '../store/audit.js';
import type { PostMarkers } from '../store/postMarkers.js';
import { reconcileHardCap } from './limits.js';
import { mapConcurrently } from './concurrency.js';

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

const RETRIES = 3;
const SPEND_LIMIT_READS_AT_ONCE = 8;

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

export async function pollSpend(deps: SpendDeps): Promise<PollReport> {
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

  // 3. Each limited project: OpenAI's cap (enforcement, drift), then the alerts that hold.
  const limited = await deps.limits.all();
  // A few spend-limit reads at a time: OpenAI has no call that returns them all.
  const perProject = await mapConcurrently(limited, SPEND_LIMIT_READS_AT_ONCE, async (stored) => {
    const project = { id: stored.projectId, name: stored.projectName ?? stored.projectId };
    let enforcement: ProjectSpendRecord['enforcement'] = null;
    let limits = stored;
    try {
      const observed: SpendLimitAtOpenAI | null = await withRetries(deps, counter, () => deps.openai.getSpendLimit(project.id));
      enforcement = observed ? observed.status : null;
      limits = (await reconcileHardCap(deps, project, observed, stored)) ?? stored;
    } catch (error) {
      // Unknown this time (after retries): alert on spend alone, and check drift next poll.
      if (error instanceof OpenAIAdminError && error.failure.kind === 'auth') throw error;
    }
    const spend = monthSpendOf(snapshot, project.id);
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
    estimateMissing: snapshot.estimateMissing,
  };
}

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
