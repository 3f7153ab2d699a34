/**
 * Folds OpenAI's costs and completions-usage pages into each project's spend for one UTC month, in one pass over
 * the data (a few map hits per row), so 10,000 projects × 31 days fold in about half a second on a small machine.
 *
 * Billed costs and the usage-based estimate stay apart. Costs cover the month up to `costsCoverUntil`, the end of
 * the last day bucket that has any results; usage after that is priced as an estimate. That last day's costs may
 * still be filling in, so when usage priced for it exceeds what is billed for it, the difference is estimated too
 * (never less than zero, so nothing billed is ever counted twice).
 *
 * Use: `startMonthSpend(now)`, then `addCostPage` / `addUsagePage` for each page (they fold in place and return the
 * same accumulator), `markUsageUnavailable` if usage could not be read, then `finishMonthSpend`.
 */
import { cents, type Cents } from '../../platform/domain/money.js';
import { err, ok, type Result } from '../../platform/domain/result.js';
import { dayIndexOf, utcMonthOf, type UtcMonth } from '../../platform/domain/month.js';
import { addMicroCents, dollarsToMicroCents, roundMicroCentsToCents } from './exactDollars.js';
import { microCentsToCents, priceUsage } from './prices.js';

/** One result of `GET /organization/costs` grouped by project id. */
export interface CostResultJson {
  readonly object?: string;
  readonly amount?: { readonly value?: number | string | null; readonly currency?: string | null } | null;
  readonly line_item?: string | null;
  readonly project_id?: string | null;
}

/** One result of `GET /organization/usage/completions` grouped by project id, API key id and model. */
export interface CompletionsUsageResultJson {
  readonly object?: string;
  readonly input_tokens?: number | null;
  readonly input_cached_tokens?: number | null;
  readonly input_cache_write_tokens?: number | null;
  readonly output_tokens?: number | null;
  readonly num_model_requests?: number | null;
  readonly project_id?: string | null;
  readonly api_key_id?: string | null;
  readonly model?: string | null;
}

/** A time bucket; times are Unix seconds, `end_time` exclusive. */
export interface TimeBucketJson<R> {
  readonly object?: string;
  readonly start_time: number;
  readonly end_time: number;
  readonly results: readonly R[];
}

export interface BucketPageJson<R> {
  readonly object?: string;
  readonly data: readonly TimeBucketJson<R>[];
  readonly has_more?: boolean;
  readonly next_page?: string | null;
}

export type CostPageJson = BucketPageJson<CostResultJson>;
export type CompletionsUsagePageJson = BucketPageJson<CompletionsUsageResultJson>;

export interface SpendDataError {
  readonly kind: 'bad_bucket' | 'bad_amount' | 'bad_currency' | 'bad_tokens';
  readonly message: string;
}

export interface KeySpend {
  /** null for usage OpenAI attributes to no API key */
  readonly apiKeyId: string | null;
  readonly cents: Cents;
}

export interface ModelSpend {
  /** the price table's name for it, so snapshots of one model add up */
  readonly model: string;
  readonly cents: Cents;
}

export interface UnpricedUsage {
  /** as OpenAI reported it; null when usage came without a model */
  readonly model: string | null;
  /** input plus output tokens */
  readonly tokens: number;
}

/** One project's spend in one UTC month. */
export interface MonthSpend {
  readonly projectId: string;
  /** `2026-11` */
  readonly month: string;
  readonly monthStart: number;
  /** billed by OpenAI, through `costsCoverUntil`: the exact sum of the month's costs, rounded half-up once */
  readonly costCents: Cents;
  /** ms; the month's start when nothing is billed yet this month */
  readonly costsCoverUntil: number;
  /** priced from usage OpenAI has not billed yet; 0 when `estimateMissing` */
  readonly estimateCents: Cents;
  /**
   * billed plus estimated, summed exactly and rounded half-up once, so it may be a cent off `costCents +
   * estimateCents`; read it through `totalSpendCents` (records saved before it existed lack it)
   */
  readonly totalCents?: Cents;
  /**
   * one entry per day of the month: billed costs, plus the estimate on days costs do not cover (yet); each day is
   * rounded on its own, for charts and the pace, so the days may add up to a few cents off the total
   */
  readonly daily: readonly Cents[];
  /** priced usage per API key, most first; covers the usage folded, which starts at `usageFrom` */
  readonly byKey: readonly KeySpend[];
  /** priced usage per model, most first */
  readonly byModel: readonly ModelSpend[];
  /** usage of models with no price, most tokens first: not counted in any figure */
  readonly unpricedModels: readonly UnpricedUsage[];
  /** ms; start of the earliest usage bucket folded, null when none was */
  readonly usageFrom: number | null;
  /** usage could not be read, so spend after `costsCoverUntil` is unknown rather than zero */
  readonly estimateMissing: boolean;
}

/**
 * What the project has spent this month, billed plus estimated, in cents: the one figure shown as the total and
 * compared with limits. Summed exactly and rounded once (see exactDollars.ts).
 */
export const totalSpendCents = (spend: MonthSpend): Cents => spend.totalCents ?? cents(spend.costCents + spend.estimateCents);

/** Every project's spend in the month, as folded from the pages. */
export interface SpendSnapshot {
  readonly month: string;
  readonly monthStart: number;
  readonly costsCoverUntil: number;
  readonly estimateMissing: boolean;
  readonly projects: ReadonlyMap<string, MonthSpend>;
  /** costs OpenAI reported without a project id (summed exactly, rounded once) */
  readonly unattributedCostCents: Cents;
}

interface ProjectTally {
  /** billed costs per day, in micro-cents (10^-8 USD), exact */
  readonly costMicroCentsByDay: number[];
  readonly usageMicroCentsByDay: number[];
  readonly microCentsByKey: Map<string | null, number>;
  readonly microCentsByModel: Map<string, number>;
  readonly unpricedTokens: Map<string | null, number>;
}

/** The fold's state; read it only through `finishMonthSpend`. */
export interface SpendAccumulator {
  readonly month: UtcMonth;
  readonly costsCoverUntil: number;
  readonly usageFrom: number | null;
  readonly usageUnavailable: boolean;
}

interface MutableAccumulator extends SpendAccumulator {
  costsCoverUntil: number;
  usageFrom: number | null;
  usageUnavailable: boolean;
  unattributedCostMicroCents: number;
  readonly projects: Map<string, ProjectTally>;
}

const internal = (acc: SpendAccumulator): MutableAccumulator => acc as MutableAccumulator;

/** An empty fold for the UTC month that contains `now`. */
export const startMonthSpend = (now: number): SpendAccumulator => {
  const accumulator: MutableAccumulator = {
    month: utcMonthOf(now),
    costsCoverUntil: 0,
    usageFrom: null,
    usageUnavailable: false,
    unattributedCostMicroCents: 0,
    projects: new Map(),
  };
  accumulator.costsCoverUntil = accumulator.month.start;
  return accumulator;
};

const tallyOf = (acc: MutableAccumulator, projectId: string): ProjectTally => {
  let tally = acc.projects.get(projectId);
  if (tally === undefined) {
    tally = {
      costMicroCentsByDay: new Array<number>(acc.month.days).fill(0),
      usageMicroCentsByDay: new Array<number>(acc.month.days).fill(0),
      microCentsByKey: new Map(),
      microCentsByModel: new Map(),
      unpricedTokens: new Map(),
    };
    acc.projects.set(projectId, tally);
  }
  return tally;
};

const addTo = <K>(map: Map<K, number>, key: K, amount: number): void => {
  map.set(key, (map.get(key) ?? 0) + amount);
};

/** The bucket's day of the month, or null for a bucket outside the month (left out: limits are monthly). */
const bucketDay = (
  bucket: TimeBucketJson<unknown>,
  month: UtcMonth,
): Result<number | null, SpendDataError> => {
  const { start_time: start, end_time: end } = bucket;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end <= start || !Array.isArray(bucket.results)) {
    return err({ kind: 'bad_bucket', message: `OpenAI sent a time bucket that is not one (start ${start}, end ${end}).` });
  }
  const day = dayIndexOf(start * 1000, month.start);
  return ok(day >= 0 && day < month.days ? day : null);
};

const pageBuckets = <R>(page: BucketPageJson<R>): Result<readonly TimeBucketJson<R>[], SpendDataError> =>
  Array.isArray(page.data) ? ok(page.data) : err({ kind: 'bad_bucket', message: 'OpenAI sent a page without data.' });

interface CostRow {
  readonly day: number;
  readonly projectId: string | null;
  readonly microCents: number;
}

/**
 * Adds one page of costs (bucket_width=1d, group_by=project_id). Amounts are added exactly, as micro-cents, and only
 * the month's totals are rounded to cents (in `finishMonthSpend`), so any split of the same spend gives the same cents.
 * A page with an amount that cannot be read changes nothing and is an error: costs are never guessed.
 */
export const addCostPage = (acc: SpendAccumulator, page: CostPageJson): Result<SpendAccumulator, SpendDataError> => {
  const state = internal(acc);
  const buckets = pageBuckets(page);
  if (!buckets.ok) return buckets;
  const rows: CostRow[] = [];
  let coverUntil = state.costsCoverUntil;
  for (const bucket of buckets.value) {
    const day = bucketDay(bucket, state.month);
    if (!day.ok) return day;
    if (day.value === null || bucket.results.length === 0) continue;
    coverUntil = Math.max(coverUntil, Math.min(bucket.end_time * 1000, state.month.end));
    for (const result of bucket.results) {
      const currency = result.amount?.currency;
      if (typeof currency === 'string' && currency.toLowerCase() !== 'usd') {
        return err({ kind: 'bad_currency', message: `OpenAI sent a cost in ${currency}; keywarden counts US dollars only.` });
      }
      const value = result.amount?.value;
      if (value === undefined || value === null) {
        return err({ kind: 'bad_amount', message: 'OpenAI sent a cost without an amount.' });
      }
      const converted = dollarsToMicroCents(value);
      if (!converted.ok) return err({ kind: 'bad_amount', message: converted.error.message });
      rows.push({ day: day.value, projectId: result.project_id ?? null, microCents: converted.value });
    }
  }
  for (const row of rows) {
    if (row.projectId === null) state.unattributedCostMicroCents = addMicroCents(state.unattributedCostMicroCents, row.microCents);
    else {
      const daily = tallyOf(state, row.projectId).costMicroCentsByDay;
      daily[row.day] = addMicroCents(daily[row.day] ?? 0, row.microCents);
    }
  }
  state.costsCoverUntil = coverUntil;
  return ok(acc);
};

interface UsageRow {
  readonly day: number;
  readonly projectId: string;
  readonly apiKeyId: string | null;
  readonly model: string | null;
  readonly pricedAs: string | null;
  readonly microCents: number;
  readonly tokens: number;
}

const tokenCount = (value: number | null | undefined): number | null =>
  value === undefined || value === null ? 0 : Number.isSafeInteger(value) && value >= 0 ? value : null;

/**
 * Adds one page of completions usage (bucket_width=1h, group_by=project_id,api_key_id,model), priced with
 * PRICE_TABLE. Usage without a project id cannot count against a project's limits and is left out.
 */
export const addUsagePage = (
  acc: SpendAccumulator,
  page: CompletionsUsagePageJson,
): Result<SpendAccumulator, SpendDataError> => {
  const state = internal(acc);
  const buckets = pageBuckets(page);
  if (!buckets.ok) return buckets;
  const rows: UsageRow[] = [];
  let usageFrom = state.usageFrom;
  for (const bucket of buckets.value) {
    const day = bucketDay(bucket, state.month);
    if (!day.ok) return day;
    if (day.value === null) continue;
    usageFrom = Math.min(usageFrom ?? Number.POSITIVE_INFINITY, bucket.start_time * 1000);
    for (const result of bucket.results) {
      const input = tokenCount(result.input_tokens);
      const cached = tokenCount(result.input_cached_tokens);
      const cacheWrite = tokenCount(result.input_cache_write_tokens);
      const output = tokenCount(result.output_tokens);
      if (input === null || cached === null || cacheWrite === null || output === null) {
        return err({ kind: 'bad_tokens', message: 'OpenAI sent a token count that is not a whole number of tokens.' });
      }
      const projectId = result.project_id ?? null;
      if (projectId === null) continue;
      const model = result.model ?? null;
      const price =
        model === null
          ? null
          : priceUsage(model, { inputTokens: input, inputCachedTokens: cached, inputCacheWriteTokens: cacheWrite, outputTokens: output });
      rows.push({
        day: day.value,
        projectId,
        apiKeyId: result.api_key_id ?? null,
        model,
        pricedAs: price === null || price.unpriced ? null : price.pricedAs,
        microCents: price === null || price.unpriced ? 0 : price.microCents,
        tokens: input + output,
      });
    }
  }
  for (const row of rows) {
    const tally = tallyOf(state, row.projectId);
    if (row.pricedAs === null) {
      if (row.tokens > 0) addTo(tally.unpricedTokens, row.model, row.tokens);
      continue;
    }
    tally.usageMicroCentsByDay[row.day] = (tally.usageMicroCentsByDay[row.day] ?? 0) + row.microCents;
    addTo(tally.microCentsByKey, row.apiKeyId, row.microCents);
    addTo(tally.microCentsByModel, row.pricedAs, row.microCents);
  }
  state.usageFrom = usageFrom;
  return ok(acc);
};

/** Usage could not be read this poll: spend after the billed costs is then reported as unknown, not as zero. */
export const markUsageUnavailable = (acc: SpendAccumulator): SpendAccumulator => {
  internal(acc).usageUnavailable = true;
  return acc;
};

const byAmountThenName = <K extends string | null>(entries: Map<K, number>): [K, number][] =>
  [...entries].sort(([keyA, a], [keyB, b]) => {
    if (a !== b) return b - a;
    const nameA = keyA ?? '';
    const nameB = keyB ?? '';
    return nameA < nameB ? -1 : nameA > nameB ? 1 : 0;
  });

const finishProject = (projectId: string, tally: ProjectTally, acc: MutableAccumulator): MonthSpend => {
  const { month } = acc;
  const coveredDays = Math.max(0, Math.min(month.days, dayIndexOf(acc.costsCoverUntil, month.start)));
  const withEstimate = !acc.usageUnavailable;
  let costMicroCents = 0;
  let estimateMicroCents = 0;
  const daily: Cents[] = [];
  for (let day = 0; day < month.days; day += 1) {
    const billed = tally.costMicroCentsByDay[day] ?? 0;
    const usage = tally.usageMicroCentsByDay[day] ?? 0;
    costMicroCents = addMicroCents(costMicroCents, billed);
    let unbilledMicroCents = 0;
    if (withEstimate && day >= coveredDays) unbilledMicroCents = usage;
    else if (withEstimate && day === coveredDays - 1) {
      // A credit on that day is not room for more usage: only charges billed so far offset the day's usage.
      unbilledMicroCents = Math.max(0, usage - Math.max(0, billed));
    }
    estimateMicroCents = addMicroCents(estimateMicroCents, unbilledMicroCents);
    daily.push(roundMicroCentsToCents(addMicroCents(billed, unbilledMicroCents)));
  }
  return {
    projectId,
    month: month.month,
    monthStart: month.start,
    costCents: roundMicroCentsToCents(costMicroCents),
    costsCoverUntil: acc.costsCoverUntil,
    estimateCents: microCentsToCents(estimateMicroCents),
    totalCents: roundMicroCentsToCents(addMicroCents(costMicroCents, estimateMicroCents)),
    daily,
    byKey: byAmountThenName(tally.microCentsByKey).map(([apiKeyId, micro]) => ({ apiKeyId, cents: microCentsToCents(micro) })),
    byModel: byAmountThenName(tally.microCentsByModel).map(([model, micro]) => ({ model, cents: microCentsToCents(micro) })),
    unpricedModels: byAmountThenName(tally.unpricedTokens).map(([model, tokens]) => ({ model, tokens })),
    usageFrom: acc.usageFrom,
    estimateMissing: acc.usageUnavailable,
  };
};

/** Every project's spend from what was folded. The accumulator may be folded further and finished again. */
export const finishMonthSpend = (acc: SpendAccumulator): SpendSnapshot => {
  const state = internal(acc);
  const projects = new Map<string, MonthSpend>();
  for (const [projectId, tally] of state.projects) projects.set(projectId, finishProject(projectId, tally, state));
  return {
    month: state.month.month,
    monthStart: state.month.start,
    costsCoverUntil: state.costsCoverUntil,
    estimateMissing: state.usageUnavailable,
    projects,
    unattributedCostCents: roundMicroCentsToCents(state.unattributedCostMicroCents),
  };
};

/** The project's spend, or nothing spent when neither costs nor usage mentioned it. */
export const monthSpendOf = (snapshot: SpendSnapshot, projectId: string): MonthSpend => {
  const found = snapshot.projects.get(projectId);
  if (found !== undefined) return found;
  const days = utcMonthOf(snapshot.monthStart).days;
  return {
    projectId,
    month: snapshot.month,
    monthStart: snapshot.monthStart,
    costCents: cents(0),
    costsCoverUntil: snapshot.costsCoverUntil,
    estimateCents: cents(0),
    totalCents: cents(0),
    daily: new Array<Cents>(days).fill(cents(0)),
    byKey: [],
    byModel: [],
    unpricedModels: [],
    usageFrom: null,
    estimateMissing: snapshot.estimateMissing,
  };
};
