/**
 * Moves the demo organization's spend forward: costs and matching completions usage added through the OpenAI
 * emulator, and this month's spend per project read back through the emulator's costs and usage endpoints and folded
 * by keywarden's own aggregation (src/spend/domain/aggregate.ts), so the time panel's figures are the ones keywarden's
 * polls and alerts see.
 */
import type { OpenAIEmulator } from '../emulators/openai/index.js';
import {
  addCostPage,
  addUsagePage,
  finishMonthSpend,
  monthSpendOf,
  startMonthSpend,
  totalSpendCents,
  type BucketPageJson,
  type CompletionsUsagePageJson,
  type CostPageJson,
  type SpendAccumulator,
  type SpendSnapshot,
} from '../spend/domain/aggregate.js';
import { dayIndexOf, DAY_MS } from '../platform/domain/month.js';
import { cents, formatCents, type Cents } from '../platform/domain/money.js';
import type { StoredLimits } from '../limits/limitStore.js';

/** gpt-4o, US dollars per token. */
const INPUT_USD_PER_TOKEN = 2.5 / 1_000_000;
const OUTPUT_USD_PER_TOKEN = 10 / 1_000_000;
/** The share of a dollar amount spent on input tokens; the rest is output. */
const INPUT_SHARE = 0.4;
const TOKENS_PER_REQUEST = 2_000;
/** Used for a project with no whole day of spend yet this month. */
const FALLBACK_DAILY_CENTS = cents(2_000);
/** The smallest spend the panel adds: one cent, the unit OpenAI's limits and keywarden's figures count in. */
export const MIN_SPEND_USD = 0.01;
export const MAX_SPEND_USD = 1_000_000;

export interface ProjectSpend {
  readonly id: string;
  readonly name: string;
  /** billed plus estimated, as keywarden's poll folds it */
  readonly monthToDateCents: Cents;
  readonly monthToDateUsd: number;
  /** a typical day's spend this month (the median of its whole days), what "add a day's spend" adds */
  readonly dailyCents: Cents;
  readonly dailyUsd: number;
  /** OpenAI's own monthly budget on the project, when one is set */
  readonly spendLimitUsd: number | null;
  /** true once this month's costs reached that budget */
  readonly spendLimitEnforcing: boolean;
  /** what the time panel says about trying the alerts on this project */
  readonly tryLimits: TryLimits;
}

/** Limits to type when none are set, or what the limits that are set will say next. */
export type TryLimits =
  | { readonly kind: 'suggest'; readonly softUsd: number; readonly hardUsd: number; readonly command: string; readonly text: string }
  | { readonly kind: 'set'; readonly command: null; readonly text: string };

export interface AddedSpend {
  readonly projectId: string;
  readonly usd: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly apiKeyId: string | null;
}

export const BURST_DEFAULT_USD = 250;
const TRY_LIMITS_STEP_USD = 100;

/** The smallest multiple of `step` strictly above `usd`. */
function roundAbove(usd: number, step: number): number {
  return (Math.floor(usd / step) + 1) * step;
}

/**
 * Round limits just above this month's spend, such that from now, with bursts of `burstUsd`: a day's spend stays
 * under the soft limit, one burst (after a day's spend or not) reaches it but stays under the hard cap, and a second
 * burst reaches the hard cap. The month's spend grows from day to day, so no fixed numbers would do this all month.
 */
export function suggestLimits(input: { projectName: string; monthToDateUsd: number; dailyUsd: number; burstUsd?: number }): Extract<TryLimits, { kind: 'suggest' }> {
  const burst = input.burstUsd ?? BURST_DEFAULT_USD;
  // roundAbove adds at most one step, and margin + step < burst, so each limit lands within one burst of the last.
  const step = Math.min(TRY_LIMITS_STEP_USD, burst / 2);
  const margin = Math.min(Math.max(0, input.dailyUsd), burst / 4);
  const softUsd = roundAbove(input.monthToDateUsd + margin, step);
  const hardUsd = roundAbove(input.monthToDateUsd + burst + margin, step);
  return {
    kind: 'suggest',
    softUsd,
    hardUsd,
    command: `/openai-key limit "${input.projectName}" soft ${softUsd} hard ${hardUsd}`,
    text: 'As an admin, set limits just above this month’s spend; then Add a burst and Run a poll now: a soft-limit warning. Once more: the hard cap.',
  };
}

/**
 * What the panel says for a project: limits to try when it has none; else the limits that are set and the spend at
 * which the next alert fires (the lowest soft threshold or hard cap above this month's spend), or, when every one is
 * passed, new limits above the spend.
 */
export function tryLimitsFor(input: { projectName: string; monthToDateCents: Cents; dailyCents: Cents; limits: StoredLimits | null }): TryLimits {
  const suggestion = suggestLimits({ projectName: input.projectName, monthToDateUsd: input.monthToDateCents / 100, dailyUsd: input.dailyCents / 100 });
  const { limits } = input;
  if (!limits || (limits.softCents === null && limits.hardCents === null)) return suggestion;
  const set = [
    limits.softCents === null ? null : `soft ${formatCents(limits.softCents)} (alerts at ${limits.thresholds.join(', ')}%)`,
    limits.hardCents === null ? null : `hard cap ${formatCents(limits.hardCents)}`,
  ].filter((part) => part !== null);
  const marks = [
    ...(limits.softCents === null ? [] : limits.thresholds.map((p) => ({ at: Math.ceil((limits.softCents! * p) / 100), what: `${p}% of the soft limit` }))),
    ...(limits.hardCents === null ? [] : [{ at: limits.hardCents as number, what: 'the hard cap' }]),
  ].sort((a, b) => a.at - b.at);
  const next = marks.find((mark) => mark.at > input.monthToDateCents);
  if (next) {
    const more = cents(next.at - input.monthToDateCents);
    return {
      kind: 'set',
      command: null,
      text: `Limits are set: ${set.join(', ')}. The next alert comes at ${formatCents(cents(next.at))} (${next.what}): add ${formatCents(more)} or more, then Run a poll now.`,
    };
  }
  return {
    ...suggestion,
    text: `Every alert of the limits set (${set.join(', ')}) has been reached this month. To try again, raise them:`,
  };
}

type Page = BucketPageJson<unknown>;

async function readPages(openai: OpenAIEmulator, path: string, query: URLSearchParams, fold: (page: Page) => void): Promise<void> {
  let cursor: string | null = null;
  for (let guard = 0; guard < 100; guard += 1) {
    const q = new URLSearchParams(query);
    if (cursor) q.set('page', cursor);
    const response = await fetch(`${openai.baseURL}${path}?${q}`, { headers: { Authorization: `Bearer ${openai.adminKey}` } });
    if (!response.ok) throw new Error(`the emulated OpenAI did not answer ${path} (HTTP ${response.status})`);
    const page = (await response.json()) as Page;
    fold(page);
    if (!page.has_more || !page.next_page) return;
    cursor = page.next_page;
  }
}

/**
 * This month's spend of every project, read and folded the way keywarden's poll does it (src/spend/spendPoll.ts):
 * the month's daily costs, then hourly completions usage from the start of the last billed day, priced as an
 * estimate of what is not billed yet.
 * @throws Error when the emulator does not answer, or answers something the aggregation cannot read
 */
export async function monthSpendSnapshot(openai: OpenAIEmulator, nowMs: number): Promise<SpendSnapshot> {
  let acc: SpendAccumulator = startMonthSpend(nowMs);
  const monthStart = acc.month.start;
  const window = { start_time: String(Math.floor(monthStart / 1000)), end_time: String(Math.ceil(nowMs / 1000)) };
  const costs = new URLSearchParams({ ...window, bucket_width: '1d', limit: '31', group_by: 'project_id' });
  await readPages(openai, '/organization/costs', costs, (page) => {
    const folded = addCostPage(acc, page as CostPageJson);
    if (!folded.ok) throw new Error(`the emulated OpenAI sent costs keywarden cannot read: ${folded.error.message}`);
    acc = folded.value;
  });
  const usageFrom = Math.max(monthStart, acc.costsCoverUntil > monthStart ? acc.costsCoverUntil - DAY_MS : monthStart);
  const usage = new URLSearchParams({
    start_time: String(Math.floor(usageFrom / 1000)),
    end_time: window.end_time,
    bucket_width: '1h',
    limit: '168',
  });
  usage.append('group_by', 'project_id');
  usage.append('group_by', 'api_key_id');
  usage.append('group_by', 'model');
  await readPages(openai, '/organization/usage/completions', usage, (page) => {
    const folded = addUsagePage(acc, page as CompletionsUsagePageJson);
    if (!folded.ok) throw new Error(`the emulated OpenAI sent usage keywarden cannot read: ${folded.error.message}`);
    acc = folded.value;
  });
  return finishMonthSpend(acc);
}

/**
 * A typical day: the median of the month's whole days before today (so one burst moves it by at most one place in
 * the order, not by its size); `fallback` when no whole day has passed yet.
 * @param daily one figure per day of the month, in cents
 * @param todayIndex the 0-based day of the month today is
 */
export function typicalDayCents(daily: readonly Cents[], todayIndex: number, fallback: Cents = FALLBACK_DAILY_CENTS): Cents {
  const past = daily.slice(0, Math.max(0, todayIndex)).slice().sort((a, b) => a - b);
  if (past.length === 0) return fallback;
  const middle = Math.floor(past.length / 2);
  return past.length % 2 === 1 ? past[middle]! : cents(Math.round((past[middle - 1]! + past[middle]!) / 2));
}

/** The active projects with this month's spend, a typical day's spend, and what to try on each. */
export async function projectSpends(
  openai: OpenAIEmulator,
  nowMs: number,
  limitsOf: (projectId: string) => Promise<StoredLimits | null> = async () => null,
): Promise<ProjectSpend[]> {
  const snapshot = await monthSpendSnapshot(openai, nowMs);
  const todayIndex = dayIndexOf(nowMs, snapshot.monthStart);
  const active = openai.projects().filter((p) => p.status === 'active');
  return Promise.all(
    active.map(async (p) => {
      const spend = monthSpendOf(snapshot, p.id);
      const monthToDateCents = totalSpendCents(spend);
      const dailyCents = monthToDateCents > 0 ? typicalDayCents(spend.daily, todayIndex) : FALLBACK_DAILY_CENTS;
      const limit = openai.spendLimit(p.id);
      return {
        id: p.id,
        name: p.name,
        monthToDateCents,
        monthToDateUsd: monthToDateCents / 100,
        dailyCents,
        dailyUsd: dailyCents / 100,
        // OpenAI's threshold_amount is in cents.
        spendLimitUsd: limit ? limit.threshold_amount / 100 : null,
        spendLimitEnforcing: limit?.status === 'enforcing',
        tryLimits: tryLimitsFor({ projectName: p.name, monthToDateCents, dailyCents, limits: await limitsOf(p.id) }),
      };
    }),
  );
}

/** Why an amount cannot be added, in the panel's words; null when it can. */
export function spendAmountProblem(usd: number): string | null {
  if (!Number.isFinite(usd)) return 'Enter the amount in dollars, e.g. 250 or 12.50.';
  if (usd < MIN_SPEND_USD) return `Enter at least $0.01: OpenAI counts spend in cents, so ${usd > 0 ? `$${usd}` : 'that'} would add nothing.`;
  if (usd > MAX_SPEND_USD) return 'Enter at most $1,000,000.';
  if (Math.abs(usd * 100 - Math.round(usd * 100)) > 1e-6) return `Enter whole cents (at most 2 decimals), e.g. ${(Math.round(usd * 100) / 100).toFixed(2)}.`;
  return null;
}

/**
 * Adds `usd` of gpt-4o traffic to the project now: cost line items for today and the usage that priced to them,
 * attributed to the project's newest API key (keywarden's, once it has issued one).
 * @throws RangeError when the amount is refused by `spendAmountProblem` or the project is unknown
 */
export function addSpend(openai: OpenAIEmulator, input: { projectId: string; usd: number; nowMs: number }): AddedSpend {
  const problem = spendAmountProblem(input.usd);
  if (problem) throw new RangeError(problem);
  if (!openai.project(input.projectId)) throw new RangeError(`no project ${input.projectId}`);
  const nowSeconds = Math.floor(input.nowMs / 1000);
  const inputUsd = input.usd * INPUT_SHARE;
  const outputUsd = input.usd - inputUsd;
  const inputTokens = Math.round(inputUsd / INPUT_USD_PER_TOKEN);
  const outputTokens = Math.round(outputUsd / OUTPUT_USD_PER_TOKEN);
  const newestKey = openai
    .apiKeys(input.projectId)
    .slice()
    .sort((a, b) => b.createdAt - a.createdAt)[0];
  const apiKeyId = newestKey?.id ?? null;
  openai.addCost({ projectId: input.projectId, day: nowSeconds, usd: inputUsd, lineItem: 'gpt-4o, input' });
  openai.addCost({ projectId: input.projectId, day: nowSeconds, usd: outputUsd, lineItem: 'gpt-4o, output' });
  openai.addUsage({
    projectId: input.projectId,
    apiKeyId,
    model: 'gpt-4o',
    hour: nowSeconds,
    inputTokens,
    cachedInputTokens: 0,
    outputTokens,
    requests: Math.max(1, Math.round(inputTokens / TOKENS_PER_REQUEST)),
  });
  return { projectId: input.projectId, usd: Math.round(input.usd * 100) / 100, inputTokens, outputTokens, apiKeyId };
}
