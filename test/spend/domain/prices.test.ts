import { describe, expect, it } from 'vitest';
import {
  MICRO_CENTS_PER_CENT,
  PRICE_TABLE,
  microCentsToCents,
  priceUsage,
  resolvePricedModel,
  type UsagePrice,
} from '../../../src/spend/domain/prices.js';

const priced = (price: UsagePrice): { pricedAs: string; microCents: number; cents: number } => {
  if (price.unpriced) throw new Error(`expected ${price.model} to be priced`);
  return price;
};

const MILLION = 1_000_000;

describe('resolvePricedModel', () => {
  it.each([
    ['gpt-4o', 'gpt-4o'],
    ['gpt-4o-2024-08-06', 'gpt-4o'],
    ['gpt-4o-mini-2024-07-18', 'gpt-4o-mini'],
    ['gpt-4.1-2025-04-14', 'gpt-4.1'],
    ['gpt-4.1-nano-2025-04-14', 'gpt-4.1-nano'],
    ['o3-mini-2025-01-31', 'o3-mini'],
    ['o4-mini-2025-04-16', 'o4-mini'],
    ['gpt-5-2025-08-07', 'gpt-5'],
    ['gpt-5-mini-2025-08-07', 'gpt-5-mini'],
    ['GPT-4o', 'gpt-4o'],
  ])('%s is priced as %s', (model, base) => {
    expect(resolvePricedModel(model)).toBe(base);
  });

  it.each(['gpt-4o-mini-tts', 'ft:gpt-4o-mini-2024-07-18:acme::abc123', 'text-embedding-3-small', 'gpt-4o-realtime-preview', 'davinci-002', ''])(
    '%s has no price',
    (model) => {
      expect(resolvePricedModel(model)).toBeNull();
      expect(priceUsage(model, { inputTokens: 10, inputCachedTokens: 0, outputTokens: 10 })).toEqual({ unpriced: true, model });
    },
  );

  it('covers the models the issue names', () => {
    for (const model of ['gpt-4o', 'gpt-4o-mini', 'gpt-4.1', 'gpt-4.1-mini', 'gpt-4.1-nano', 'o3', 'o3-mini', 'o4-mini', 'gpt-5', 'gpt-5-mini', 'gpt-5-nano']) {
      expect(PRICE_TABLE[model], model).toBeDefined();
    }
  });
});

describe('priceUsage', () => {
  it('prices a million tokens of each kind at exactly the table rate, for every model', () => {
    for (const [model, price] of Object.entries(PRICE_TABLE)) {
      const input = priced(priceUsage(model, { inputTokens: MILLION, inputCachedTokens: 0, outputTokens: 0 }));
      const cached = priced(priceUsage(model, { inputTokens: MILLION, inputCachedTokens: MILLION, outputTokens: 0 }));
      const output = priced(priceUsage(model, { inputTokens: 0, inputCachedTokens: 0, outputTokens: MILLION }));
      // USD × 10^8 = micro-cents; the table's prices have few decimals, so the product is exact after rounding.
      expect(input.microCents, model).toBe(Math.round(price.input * 1e8));
      expect(cached.microCents, model).toBe(Math.round(price.cachedInput * 1e8));
      expect(output.microCents, model).toBe(Math.round(price.output * 1e8));
      expect(price.cachedInput, model).toBeLessThanOrEqual(price.input);
      expect(price.output, model).toBeGreaterThanOrEqual(price.input);
    }
  });

  it('takes cached tokens out of the input before charging the full input rate', () => {
    // gpt-4o: 600k uncached × $2.50/M + 400k cached × $1.25/M + 100k output × $10/M = $1.50 + $0.50 + $1.00
    const price = priced(priceUsage('gpt-4o-2024-08-06', { inputTokens: 1_000_000, inputCachedTokens: 400_000, outputTokens: 100_000 }));
    expect(price).toEqual({ unpriced: false, pricedAs: 'gpt-4o', microCents: 300 * MICRO_CENTS_PER_CENT, cents: 300 });
  });

  it('charges cache writes at the cache-write rate where the model has one, else as input', () => {
    // gpt-5.6-sol: 100k uncached × $5 + 100k written × $6.25 = $0.50 + $0.625
    const sol = priced(priceUsage('gpt-5.6-sol', { inputTokens: 200_000, inputCachedTokens: 0, inputCacheWriteTokens: 100_000, outputTokens: 0 }));
    expect(sol.microCents).toBe(112.5 * MICRO_CENTS_PER_CENT);
    expect(sol.cents).toBe(113);
    const gpt5 = priced(priceUsage('gpt-5', { inputTokens: 200_000, inputCachedTokens: 0, inputCacheWriteTokens: 100_000, outputTokens: 0 }));
    expect(gpt5.microCents).toBe(25 * MICRO_CENTS_PER_CENT);
  });

  it('keeps fractions of a cent as micro-cents, rounding half-up', () => {
    // gpt-5-nano cached input is $0.005/M: one token is half a micro-cent.
    expect(priced(priceUsage('gpt-5-nano', { inputTokens: 1, inputCachedTokens: 1, outputTokens: 0 })).microCents).toBe(1);
    expect(priced(priceUsage('gpt-5-nano', { inputTokens: 3, inputCachedTokens: 3, outputTokens: 0 })).microCents).toBe(2);
    // 400 output tokens of gpt-4o-mini: 400 × $0.60/M = $0.00024 = 0.024 cents.
    const small = priced(priceUsage('gpt-4o-mini', { inputTokens: 0, inputCachedTokens: 0, outputTokens: 400 }));
    expect(small).toMatchObject({ microCents: 24_000, cents: 0 });
  });

  it('stays exact past 2^53 intermediate values', () => {
    // 10^12 output tokens of o1 at $60/M = $60,000,000 = 6×10^9 cents.
    const price = priced(priceUsage('o1', { inputTokens: 0, inputCachedTokens: 0, outputTokens: 1_000_000_000_000 }));
    expect(price.cents).toBe(6_000_000_000);
    expect(price.microCents).toBe(6_000_000_000 * MICRO_CENTS_PER_CENT);
  });

  it('never charges less than nothing when OpenAI reports more cached than input tokens', () => {
    const price = priced(priceUsage('gpt-4o', { inputTokens: 100, inputCachedTokens: 500, outputTokens: 0 }));
    expect(price.microCents).toBe(12_500); // 100 cached tokens × $1.25/M
  });

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('refuses a token count of %s', (count) => {
    expect(() => priceUsage('gpt-4o', { inputTokens: count, inputCachedTokens: 0, outputTokens: 0 })).toThrow(RangeError);
  });
});

describe('microCentsToCents', () => {
  it.each([
    [0, 0],
    [499_999, 0],
    [500_000, 1],
    [1_499_999, 1],
    [1_500_000, 2],
    [123_456_789_012, 123_457],
  ])('%d micro-cents is %d cents', (micro, expected) => {
    expect(microCentsToCents(micro)).toBe(expected);
  });

  it('refuses what cannot be micro-cents', () => {
    expect(() => microCentsToCents(-1)).toThrow(RangeError);
    expect(() => microCentsToCents(0.5)).toThrow(RangeError);
  });
});
