import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addCostPage,
  addUsagePage,
  finishMonthSpend,
  startMonthSpend,
  type CompletionsUsagePageJson,
  type CostPageJson,
  type CostResultJson,
} from '../../../src/spend/domain/aggregate.js';
import { DAY, HOUR, costBucket, usageBucket, usageResult } from './pageBuilders.js';

const RUNS = { numRuns: 1_000 };
const NOW = Date.UTC(2026, 10, 30, 23, 0);
const NOV = Date.UTC(2026, 10, 1);
const PROJECTS = ['proj_a', 'proj_b', 'proj_c', 'proj_d'];

/** An amount in millionths of a dollar, written as OpenAI might: a decimal string, or a JSON number. */
const amount = fc.record({
  micros: fc.integer({ min: -2_000_000, max: 50_000_000_000 }),
  asNumber: fc.boolean(),
});

const decimalText = (micros: number): string => {
  const magnitude = Math.abs(micros);
  const text = `${Math.trunc(magnitude / 1_000_000)}.${String(magnitude % 1_000_000).padStart(6, '0')}`;
  return micros < 0 ? `-${text}` : text;
};

/** Half-up (away from zero) cents of a micro-dollar amount, by integer arithmetic only. */
const referenceCents = (micros: number): number => {
  const magnitude = Math.floor((Math.abs(micros) + 5_000) / 10_000);
  return micros < 0 && magnitude > 0 ? -magnitude : magnitude;
};

const costRow = fc.record({
  day: fc.integer({ min: 0, max: 29 }),
  project: fc.option(fc.constantFrom(...PROJECTS), { nil: null, freq: 8 }),
  amount,
});

/** Splits rows into day buckets and the buckets into pages of at most `perPage`. */
const costPages = (rows: readonly { day: number; project: string | null; amount: { micros: number; asNumber: boolean } }[], perPage: number): CostPageJson[] => {
  const byDay = new Map<number, CostResultJson[]>();
  for (const row of rows) {
    const value = row.amount.asNumber ? Number(decimalText(row.amount.micros)) : decimalText(row.amount.micros);
    const list = byDay.get(row.day) ?? [];
    list.push({ object: 'organization.costs.result', amount: { value, currency: 'usd' }, project_id: row.project, line_item: null });
    byDay.set(row.day, list);
  }
  const buckets = [...byDay].sort(([x], [y]) => x - y).map(([day, results]) => costBucket(NOV + day * DAY, results));
  const pages: CostPageJson[] = [];
  for (let i = 0; i < buckets.length; i += perPage) pages.push({ object: 'page', data: buckets.slice(i, i + perPage) });
  return pages;
};

describe('aggregate totals equal the inputs', () => {
  it('billed costs: every project plus unattributed adds up to the sum of the inputs in cents', () => {
    fc.assert(
      fc.property(fc.array(costRow, { maxLength: 60 }), fc.integer({ min: 1, max: 7 }), (rows, perPage) => {
        const acc = startMonthSpend(NOW);
        for (const page of costPages(rows, perPage)) expect(addCostPage(acc, page).ok).toBe(true);
        const snapshot = finishMonthSpend(acc);
        // The inputs summed exactly (micro-dollars), then rounded to cents once.
        const microsByProject = new Map<string | null, number>();
        for (const row of rows) microsByProject.set(row.project, (microsByProject.get(row.project) ?? 0) + row.amount.micros);
        const expected = (project: string | null) => referenceCents(microsByProject.get(project) ?? 0);
        for (const project of PROJECTS) {
          const spend = snapshot.projects.get(project);
          expect(spend?.costCents ?? 0).toBe(expected(project));
          expect(spend?.totalCents ?? 0).toBe(expected(project));
          // With no usage folded, each day is what was billed that day, rounded on its own: at most half a cent off a day.
          if (spend) expect(Math.abs(spend.daily.reduce((sum, day) => sum + day, 0) - spend.costCents)).toBeLessThanOrEqual(spend.daily.length / 2);
        }
        expect(snapshot.unattributedCostCents).toBe(expected(null));
        const lastDay = Math.max(-1, ...rows.map((row) => row.day));
        expect(snapshot.costsCoverUntil).toBe(lastDay < 0 ? NOV : NOV + (lastDay + 1) * DAY);
      }),
      RUNS,
    );
  });

  it('estimates: priced usage adds up per project, per key, per model and per day', () => {
    // 1,000 output tokens of gpt-4o cost exactly one cent, so every row is a whole number of cents.
    const usageRow = fc.record({
      hour: fc.integer({ min: 0, max: 30 * 24 - 2 }),
      project: fc.constantFrom(...PROJECTS),
      key: fc.option(fc.constantFrom('key_1', 'key_2', 'key_3'), { nil: null }),
      model: fc.constantFrom('gpt-4o', 'gpt-4o-2024-08-06', 'gpt-4o-2024-11-20'),
      cents: fc.integer({ min: 0, max: 1_000_000 }),
    });
    fc.assert(
      fc.property(fc.array(usageRow, { maxLength: 60 }), (rows) => {
        const acc = startMonthSpend(NOW);
        const page: CompletionsUsagePageJson = {
          data: rows.map((row) => usageBucket(NOV + row.hour * HOUR, [usageResult(row.project, row.key, row.model, { output: row.cents * 1000 })])),
        };
        expect(addUsagePage(acc, page).ok).toBe(true);
        const snapshot = finishMonthSpend(acc);
        for (const project of PROJECTS) {
          const expected = rows.filter((row) => row.project === project).reduce((sum, row) => sum + row.cents, 0);
          const spend = snapshot.projects.get(project);
          expect(spend?.estimateCents ?? 0).toBe(expected);
          if (!spend) continue;
          expect(spend.costCents).toBe(0);
          expect(spend.daily.reduce((sum, day) => sum + day, 0)).toBe(expected);
          expect(spend.byKey.reduce((sum, entry) => sum + entry.cents, 0)).toBe(expected);
          expect(spend.byModel.reduce((sum, entry) => sum + entry.cents, 0)).toBe(expected);
          expect(spend.byModel.every((entry) => entry.model === 'gpt-4o')).toBe(true);
        }
      }),
      RUNS,
    );
  });

  it('any usage: per-key and per-day totals differ from the estimate by their rounding only', () => {
    const usageRow = fc.record({
      hour: fc.integer({ min: 0, max: 30 * 24 - 1 }),
      key: fc.constantFrom('key_1', 'key_2'),
      model: fc.constantFrom('gpt-4o-mini', 'gpt-5-nano', 'o3', 'gpt-4.1-nano'),
      input: fc.integer({ min: 0, max: 5_000_000 }),
      cachedShare: fc.double({ min: 0, max: 1, noNaN: true }),
      output: fc.integer({ min: 0, max: 2_000_000 }),
    });
    fc.assert(
      fc.property(fc.array(usageRow, { maxLength: 40 }), (rows) => {
        const acc = startMonthSpend(NOW);
        const page: CompletionsUsagePageJson = {
          data: rows.map((row) =>
            usageBucket(NOV + row.hour * HOUR, [
              usageResult('proj_a', row.key, row.model, { input: row.input, cached: Math.floor(row.input * row.cachedShare), output: row.output }),
            ]),
          ),
        };
        expect(addUsagePage(acc, page).ok).toBe(true);
        const spend = finishMonthSpend(acc).projects.get('proj_a');
        if (rows.length === 0) {
          expect(spend).toBeUndefined();
          return;
        }
        const estimate = spend?.estimateCents ?? -1;
        const keys = spend?.byKey.reduce((sum, entry) => sum + entry.cents, 0) ?? -1;
        const days = spend?.daily.reduce((sum, day) => sum + day, 0) ?? -1;
        expect(Math.abs(keys - estimate)).toBeLessThanOrEqual(1);
        expect(Math.abs(days - estimate)).toBeLessThanOrEqual(30 / 2);
      }),
      RUNS,
    );
  });
});
