/**
 * What completions usage costs, to estimate spend that OpenAI's costs do not show yet. Billed costs always win:
 * these prices only fill the hours OpenAI has not billed, and attribute spend to keys and models.
 *
 * Where the prices come from: OpenAI's pricing page (https://developers.openai.com/api/docs/pricing, Standard
 * tier, short-context rates), cross-checked for the GPT-5.2 to GPT-5.6 families against the provider prices GitHub
 * publishes for Copilot (github/docs, data/tables/copilot/models-and-pricing.yml). Checked on PRICES_CHECKED_ON.
 *
 * They must be reviewed: whenever OpenAI changes a price or ships a model, and at least every quarter. A model
 * missing here is never counted as free: its usage is reported as unpriced, by name, in every status message.
 *
 * Known ways the estimate is off: Batch, Flex and Priority tiers are priced at Standard rates (batch usage is
 * overestimated, priority underestimated); requests over a model's long-context threshold are priced at the
 * short-context rate; audio and image tokens are priced as text; fine-tuned models (`ft:…`) are unpriced.
 */
import { cents, type Cents } from '../../platform/domain/money.js';

/** US dollars per 1M tokens, as OpenAI publishes them. */
export interface ModelPrice {
  readonly input: number;
  readonly cachedInput: number;
  readonly output: number;
  /** Only for models that bill writing to the prompt cache; others bill cache writes as input. */
  readonly cacheWrite?: number;
}

export const PRICES_CHECKED_ON = '2026-11-22';

/** Base model names only: dated snapshots (`gpt-4o-2024-08-06`) resolve to these. */
export const PRICE_TABLE: Readonly<Record<string, ModelPrice>> = Object.freeze({
  'gpt-5.6-sol': { input: 5, cachedInput: 0.5, output: 30, cacheWrite: 6.25 },
  'gpt-5.6-terra': { input: 2, cachedInput: 0.2, output: 12, cacheWrite: 2.5 },
  'gpt-5.6-luna': { input: 0.2, cachedInput: 0.02, output: 1.2, cacheWrite: 0.25 },
  'gpt-5.5': { input: 5, cachedInput: 0.5, output: 30 },
  'gpt-5.4': { input: 2.5, cachedInput: 0.25, output: 15 },
  'gpt-5.4-mini': { input: 0.75, cachedInput: 0.075, output: 4.5 },
  'gpt-5.4-nano': { input: 0.2, cachedInput: 0.02, output: 1.25 },
  'gpt-5.2': { input: 1.75, cachedInput: 0.175, output: 14 },
  'gpt-5.1': { input: 1.25, cachedInput: 0.125, output: 10 },
  'gpt-5': { input: 1.25, cachedInput: 0.125, output: 10 },
  'gpt-5-codex': { input: 1.25, cachedInput: 0.125, output: 10 },
  'gpt-5-mini': { input: 0.25, cachedInput: 0.025, output: 2 },
  'gpt-5-nano': { input: 0.05, cachedInput: 0.005, output: 0.4 },
  'gpt-4.1': { input: 2, cachedInput: 0.5, output: 8 },
  'gpt-4.1-mini': { input: 0.4, cachedInput: 0.1, output: 1.6 },
  'gpt-4.1-nano': { input: 0.1, cachedInput: 0.025, output: 0.4 },
  'gpt-4o': { input: 2.5, cachedInput: 1.25, output: 10 },
  'gpt-4o-mini': { input: 0.15, cachedInput: 0.075, output: 0.6 },
  o1: { input: 15, cachedInput: 7.5, output: 60 },
  o3: { input: 2, cachedInput: 0.5, output: 8 },
  'o3-mini': { input: 1.1, cachedInput: 0.55, output: 4.4 },
  'o4-mini': { input: 1.1, cachedInput: 0.275, output: 4.4 },
});

/** Token counts as OpenAI's usage API reports them. */
export interface TokenCounts {
  /** all input tokens, including cached and cache-write tokens */
  readonly inputTokens: number;
  readonly inputCachedTokens: number;
  readonly inputCacheWriteTokens?: number;
  readonly outputTokens: number;
}

export type UsagePrice =
  | {
      readonly unpriced: false;
      /** the table entry used, e.g. `gpt-4o` for `gpt-4o-2024-08-06` */
      readonly pricedAs: string;
      /** millionths of a cent, exact to the micro-cent */
      readonly microCents: number;
      /** `microCents` rounded half-up */
      readonly cents: Cents;
    }
  | { readonly unpriced: true; readonly model: string };

/** A micro-cent is a millionth of a cent: fine enough that rounding a row of usage to it never shows in a total. */
export const MICRO_CENTS_PER_CENT = 1_000_000;

const TOKENS_PER_PRICE_UNIT = 1_000_000;

interface MicroCentRates {
  readonly input: number;
  readonly cachedInput: number;
  readonly output: number;
  readonly cacheWrite: number;
}

/** USD per 1M tokens as integer micro-cents per 1M tokens (USD × 10^8), read through the price's decimal form. */
const microCentsPerMillion = (model: string, usd: number): number => {
  const fixed = usd.toFixed(8);
  if (!(usd >= 0) || Number(fixed) !== usd) {
    throw new RangeError(`PRICE_TABLE: ${model} has a price that is not a dollar amount with at most 8 decimals: ${usd}`);
  }
  return Number(fixed.replace('.', ''));
};

const RATES: ReadonlyMap<string, MicroCentRates> = new Map(
  Object.entries(PRICE_TABLE).map(([model, price]) => [
    model,
    {
      input: microCentsPerMillion(model, price.input),
      cachedInput: microCentsPerMillion(model, price.cachedInput),
      output: microCentsPerMillion(model, price.output),
      cacheWrite: microCentsPerMillion(model, price.cacheWrite ?? price.input),
    },
  ]),
);

const DATED_SNAPSHOT = /-(?:\d{4}-\d{2}-\d{2}|\d{4})$/;

const resolveName = (model: string): string | null => {
  const name = model.trim().toLowerCase();
  if (RATES.has(name)) return name;
  const base = name.replace(DATED_SNAPSHOT, '');
  return base !== name && RATES.has(base) ? base : null;
};

/** Usage repeats a few model names hundreds of thousands of times; resolving each name once keeps folding cheap. */
const resolved = new Map<string, string | null>();
const RESOLVED_NAMES_KEPT = 10_000;

/** The table entry a model name is priced as (`gpt-4o-2024-08-06` → `gpt-4o`), or null when it has none. */
export const resolvePricedModel = (model: string): string | null => {
  const known = resolved.get(model);
  if (known !== undefined) return known;
  const result = resolveName(model);
  if (resolved.size >= RESOLVED_NAMES_KEPT) resolved.clear();
  resolved.set(model, result);
  return result;
};

/** Half-up rounding of a non-negative integer divided by `divisor`, exact for any size. */
const divideRoundingHalfUp = (numerator: number | bigint, divisor: number): number => {
  if (typeof numerator === 'number') {
    let quotient = Math.floor(numerator / divisor);
    let remainder = numerator - quotient * divisor;
    // The float division can land one off near a whole number; the integer remainder puts it right.
    if (remainder < 0) {
      quotient -= 1;
      remainder += divisor;
    } else if (remainder >= divisor) {
      quotient += 1;
      remainder -= divisor;
    }
    return remainder * 2 >= divisor ? quotient + 1 : quotient;
  }
  const big = BigInt(divisor);
  const result = (numerator * 2n + big) / (2n * big);
  if (result > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError('usage too large to price');
  return Number(result);
};

/** Σ tokens × rate (micro-cents per 1M tokens), in micro-cents; numbers while exact, BigInt past 2^53. */
const weightedMicroCents = (terms: readonly (readonly [tokens: number, rate: number])[]): number => {
  let sum = 0;
  let exact = true;
  for (const [tokens, rate] of terms) {
    sum += tokens * rate;
    if (!Number.isSafeInteger(sum)) exact = false;
  }
  if (exact) return divideRoundingHalfUp(sum, TOKENS_PER_PRICE_UNIT);
  let big = 0n;
  for (const [tokens, rate] of terms) big += BigInt(tokens) * BigInt(rate);
  return divideRoundingHalfUp(big, TOKENS_PER_PRICE_UNIT);
};

/** Micro-cents rounded half-up to whole cents: done once per total, never per row. */
export const microCentsToCents = (microCents: number): Cents => {
  if (!Number.isSafeInteger(microCents) || microCents < 0) {
    throw new RangeError(`micro-cents must be a non-negative safe integer, got ${microCents}`);
  }
  return cents(divideRoundingHalfUp(microCents, MICRO_CENTS_PER_CENT));
};

const isTokenCount = (value: number): boolean => Number.isSafeInteger(value) && value >= 0;

/**
 * What `tokens` of `model` cost at Standard rates, to the micro-cent; `{ unpriced: true }` when the model is not in
 * PRICE_TABLE. Cached and cache-write tokens are counted inside `inputTokens` by OpenAI, so they are taken out of
 * it before the full input rate applies.
 */
export const priceUsage = (model: string, tokens: TokenCounts): UsagePrice => {
  const cacheWrite = tokens.inputCacheWriteTokens ?? 0;
  for (const count of [tokens.inputTokens, tokens.inputCachedTokens, cacheWrite, tokens.outputTokens]) {
    if (!isTokenCount(count)) throw new RangeError(`token counts must be non-negative whole numbers, got ${count}`);
  }
  const pricedAs = resolvePricedModel(model);
  const rates = pricedAs === null ? undefined : RATES.get(pricedAs);
  if (pricedAs === null || rates === undefined) return { unpriced: true, model };
  const cached = Math.min(tokens.inputCachedTokens, tokens.inputTokens);
  const written = Math.min(cacheWrite, tokens.inputTokens - cached);
  const uncached = tokens.inputTokens - cached - written;
  const microCents = weightedMicroCents([
    [uncached, rates.input],
    [cached, rates.cachedInput],
    [written, rates.cacheWrite],
    [tokens.outputTokens, rates.output],
  ]);
  return { unpriced: false, pricedAs, microCents, cents: microCentsToCents(microCents) };
};
