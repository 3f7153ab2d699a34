/**
 * One spend poll: read the month's costs and recent usage from OpenAI (a number of calls that does not grow with
 * the number of projects), fold them, read the caps at OpenAI that this poll needs (those near or over their cap
 * every poll, the rest in an hourly rotation, within OpenAI's few spend-limit reads a minute; drift reconciled on
 * each read), and claim every alert that holds in the ledger. Each alert claimed for the first time becomes one
 * Slack job with the same id. OpenAI calls per poll at 5-minute ticks: 2 + further pages + the needed caps +
 * ceil(other limited projects / 12).
 */
import { tickJobId } from '../platform/queues/clock.js';
import { addCostPage, addUsagePage, finishMonthSpend, markUsageUnavailable, monthSpendOf, startMonthSpend, totalSpendCents, type CompletionsUsagePageJson, type CostPageJson, type SpendAccumulator } from './domain/aggregate.js';
import { evaluate, thresholdRank, type Alert } from './domain/alerts.js';
import { DAY_MS } from '../platform/domain/month.js';
import type { Cents } from '../platform/domain/money.js';
import { jobId } from '../platform/queues/registry.js';
import type { BucketPage } from '../platform/openai/admin.js';
import { describeOpenAIFailure, OpenAIAdminError } from '../platform/openai/failures.js';
import type { ProjectSpendRecord, SpendTotal } from './spendStore.js';
import { withRetries } from './openAIRetries.js';
import { lastKnownEnforcement, readSpendLimitsByNeed, type SpendLimitReadsReport } from './spendLimitReads.js';
import { enqueueAlerts, enqueueEnforcedUpdates } from './alertJobs.js';
import type { SpendDeps } from './deps.js';

/** What one poll did: counts of projects, alerts and OpenAI calls, for the log and the sandbox page. */
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

/** Reads every page of one OpenAI listing, each with retries, folding each page as it comes (1 000 pages at most). */
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

/**
 * One poll (see the file's comment): reads, folds and saves the month's spend, then claims and queues the alerts.
 * @throws OpenAIAdminError when the admin key is refused, and costs OpenAI sent that keywarden cannot read
 */
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
export const pollJobId = (tickAt: number): string => tickJobId('poll', tickAt);
