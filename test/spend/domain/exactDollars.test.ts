/**
 * Exact totals: OpenAI's decimal dollars are summed exactly and rounded to cents once, so the sandbox page (which
 * sums the same costs) and keywarden's alerts show the same cents, whatever the split across days and buckets.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addCostPage, finishMonthSpend, startMonthSpend, totalSpendCents } from '../../../src/spend/domain/aggregate.js';
import { evaluate } from '../../../src/spend/domain/alerts.js';
import {
  dollarsToMicroCents,
  roundMicroCentsToCents,
  sumDollarsToMicroCents,
  totalCentsOfDollars,
} from '../../../src/spend/domain/exactDollars.js';
import { cents } from '../../../src/platform/domain/money.js';
import type { ProjectLimits } from '../../../src/limits/domain/limits.js';
import { DAY, costBucket, costPage, costResult } from './pageBuilders.js';

const NOV = Date.UTC(2026, 10, 1);
const NOW = Date.UTC(2026, 10, 20, 12);

/** Folds `[day, value]` cost rows for one project, one bucket per row, into its month's cents. */
const foldedCents = (rows: readonly (readonly [number, number | string])[], perBucket = 1): number => {
  const acc = startMonthSpend(NOW);
  const buckets = [];
  for (let i = 0; i < rows.length; i += perBucket) {
    const chunk = rows.slice(i, i + perBucket);
    buckets.push(costBucket(NOV + (chunk[0]?.[0] ?? 0) * DAY, chunk.map(([, value]) => costResult('proj_a', value))));
  }
  const folded = addCostPage(acc, costPage(buckets));
  if (!folded.ok) throw new Error(folded.error.message);
  const spend = finishMonthSpend(acc).projects.get('proj_a');
  return spend ? totalSpendCents(spend) : 0;
};

describe('exact decimal dollars', () => {
  it('reads numbers and strings to the micro-cent, rounding digits past the 8th decimal half away from zero', () => {
    expect(dollarsToMicroCents('12.50')).toEqual({ ok: true, value: 1_250_000_000 });
    expect(dollarsToMicroCents('0.0049999')).toEqual({ ok: true, value: 499_990 });
    expect(dollarsToMicroCents(0.1 + 0.2)).toEqual({ ok: true, value: 30_000_000 });
    expect(dollarsToMicroCents('-1.5e-3')).toEqual({ ok: true, value: -150_000 });
    expect(dollarsToMicroCents('0.000000005')).toEqual({ ok: true, value: 1 });
    expect(dollarsToMicroCents('twelve').ok).toBe(false);
    expect(dollarsToMicroCents(Number.NaN).ok).toBe(false);
    expect(dollarsToMicroCents('1e30').ok).toBe(false);
  });

  it('rounds a total half-up once: half a cent up, a credit of half a cent down', () => {
    expect(roundMicroCentsToCents(500_000)).toBe(1);
    expect(roundMicroCentsToCents(499_999)).toBe(0);
    expect(roundMicroCentsToCents(-500_000)).toBe(-1);
    expect(totalCentsOfDollars(['0.004', '0.004'])).toEqual({ ok: true, value: 1 });
    expect(sumDollarsToMicroCents([1, '2.25', -0.25])).toEqual({ ok: true, value: 300_000_000 });
    expect(totalCentsOfDollars(['1', 'x']).ok).toBe(false);
  });

  it('the sandbox-page instance: $0.004 on each of 3 days is 1 cent, not 0 (each day was rounded to 0 before)', () => {
    expect(foldedCents([[0, '0.004'], [1, '0.004'], [2, '0.004']])).toBe(1);
    expect(foldedCents([[0, 0.004], [0, 0.004], [0, 0.004]], 3)).toBe(1);
    // $0.005 per day rounded up per day gave 3 cents for $0.015 (2 cents)
    expect(foldedCents([[0, '0.005'], [1, '0.005'], [2, '0.005']])).toBe(2);
  });

  it('compares the exact total with a limit: $99.996 over two days reaches a $100.00 soft limit', () => {
    const acc = startMonthSpend(NOW);
    addCostPage(acc, costPage([costBucket(NOV, [costResult('proj_a', '49.998')]), costBucket(NOV + DAY, [costResult('proj_a', '49.998')])]));
    const spend = finishMonthSpend(acc).projects.get('proj_a');
    if (!spend) throw new Error('no spend');
    const limits: ProjectLimits = { projectId: 'proj_a', version: 1, softCents: cents(10_000), hardCents: null, thresholds: [100], channelId: null, updatedAt: NOV, updatedBy: 'U0ADMIN' };
    expect(evaluate({ spend, limits, enforcement: null, now: NOW }).map((a) => `${a.kind}.${a.threshold}`)).toEqual(['soft.100']);
  });

  it('property: any split of the same spend across days and buckets gives the same cents', () => {
    // The spend as micro-cents, split into parts; each part written as a decimal-dollar string or a JSON number.
    const split = fc
      .array(fc.record({ microCents: fc.integer({ min: 0, max: 5_000_000_000 }), day: fc.integer({ min: 0, max: 19 }), asNumber: fc.boolean() }), {
        minLength: 1,
        maxLength: 40,
      })
      .chain((parts) => fc.tuple(fc.constant(parts), fc.integer({ min: 1, max: 5 })));
    const dollars = (micro: number): string => `${Math.trunc(micro / 100_000_000)}.${String(micro % 100_000_000).padStart(8, '0')}`;
    fc.assert(
      fc.property(split, ([parts, perBucket]) => {
        const total = parts.reduce((sum, p) => sum + p.microCents, 0);
        const rows = [...parts]
          .sort((a, b) => a.day - b.day)
          .map((p) => [p.day, p.asNumber ? Number(dollars(p.microCents)) : dollars(p.microCents)] as const);
        const whole = foldedCents([[0, dollars(total)]]);
        expect(foldedCents(rows, perBucket)).toBe(whole);
        expect(totalCentsOfDollars(rows.map(([, v]) => v))).toEqual({ ok: true, value: whole });
        expect(whole).toBe(Math.floor((total + 500_000) / 1_000_000));
      }),
      { numRuns: 500 },
    );
  });
});
