import { describe, expect, it } from 'vitest';
import {
  addCostPage,
  addUsagePage,
  finishMonthSpend,
  markUsageUnavailable,
  monthSpendOf,
  startMonthSpend,
  totalSpendCents,
  type CompletionsUsagePageJson,
  type CostPageJson,
  type SpendAccumulator,
  type SpendSnapshot,
} from '../../../src/spend/domain/aggregate.js';
import { costBucket, costPage, costResult, DAY, HOUR, usageBucket, usagePage, usageResult } from './pageBuilders.js';

const NOV = Date.UTC(2026, 10, 1);
const NOW = Date.UTC(2026, 10, 22, 16, 5);
const dayStart = (dayOfMonth: number): number => NOV + (dayOfMonth - 1) * DAY;

const folded = (acc: SpendAccumulator, costs: CostPageJson[], usage: CompletionsUsagePageJson[]): SpendSnapshot => {
  for (const page of costs) {
    const result = addCostPage(acc, page);
    if (!result.ok) throw new Error(result.error.message);
  }
  for (const page of usage) {
    const result = addUsagePage(acc, page);
    if (!result.ok) throw new Error(result.error.message);
  }
  return finishMonthSpend(acc);
};

/** Costs for Nov 1..21 over two pages (as the API pages 7 days at a time), amounts as strings and as numbers. */
const novemberCosts = (): CostPageJson[] => {
  const buckets = [];
  for (let day = 1; day <= 21; day += 1) {
    buckets.push(
      costBucket(dayStart(day), [
        costResult('proj_a', '10.004', 'gpt-4o, input'), // 1000.4 cents, counted exactly
        costResult('proj_a', 2.5, 'gpt-4o, output'), // 250 cents
        costResult('proj_b', '0.005', 'gpt-4o-mini, input'), // half a cent, counted exactly
      ]),
    );
  }
  return [costPage(buckets.slice(0, 14), true), costPage(buckets.slice(14))];
};

/** Hourly usage since the start of Nov 21 (the last day costs cover) until 16:00 on Nov 22. */
const novemberUsage = (): CompletionsUsagePageJson[] => {
  const buckets = [];
  for (let hour = dayStart(21); hour < NOW - HOUR; hour += HOUR) {
    buckets.push(
      usageBucket(hour, [
        // 1000 output tokens of gpt-4o = 1 cent
        usageResult('proj_a', 'key_alice', 'gpt-4o-2024-08-06', { input: 0, output: 3_000 }),
        usageResult('proj_a', 'key_bob', 'gpt-4o-mini', { input: 1_000_000, cached: 0, output: 0 }), // 15 cents
        usageResult('proj_a', null, 'ft:gpt-4o-mini:acme::x1', { input: 500, output: 100 }),
        usageResult('proj_c', 'key_carol', 'gpt-4.1', { input: 0, output: 1_250 }), // 1 cent
      ]),
    );
  }
  return [usagePage(buckets.slice(0, 20)), usagePage(buckets.slice(20))];
};

describe('folding costs and usage into month spend', () => {
  const snapshot = folded(startMonthSpend(NOW), novemberCosts(), novemberUsage());
  const a = monthSpendOf(snapshot, 'proj_a');
  const b = monthSpendOf(snapshot, 'proj_b');
  const c = monthSpendOf(snapshot, 'proj_c');
  const hoursOn22nd = 16; // the buckets from 00:00 to 15:00, complete by 16:05

  it('covers costs through the end of the last day bucket with results', () => {
    expect(snapshot.month).toBe('2026-11');
    expect(snapshot.costsCoverUntil).toBe(dayStart(22));
    expect(a.costsCoverUntil).toBe(dayStart(22));
    expect(a.usageFrom).toBe(dayStart(21));
  });

  it('sums costs exactly from strings and numbers alike, and rounds the total half-up once', () => {
    // 21 × 1250.4 cents = 26,258.4 → 26,258 (rounding each day first gave 21 × 1250 = 26,250)
    expect(a.costCents).toBe(26_258);
    // 21 × half a cent = 10.5 → 11 (rounding each day first gave 21)
    expect(b.costCents).toBe(11);
    expect(a.daily.slice(0, 20)).toEqual(new Array(20).fill(1250));
  });

  it('estimates usage after the costs from the price table, apart from billed costs', () => {
    // On the 22nd: 16 hours × (3 + 15) cents. The 21st is billed at 1250, more than its usage (24 × 18 = 432).
    expect(a.estimateCents).toBe(hoursOn22nd * 18);
    expect(a.daily[20]).toBe(1250);
    expect(a.daily[21]).toBe(hoursOn22nd * 18);
    expect(a.daily.slice(22)).toEqual(new Array(8).fill(0));
    expect(a.daily).toHaveLength(30);
    expect(totalSpendCents(a)).toBe(26_258 + hoursOn22nd * 18);
  });

  it('estimates the unbilled part of the last covered day when its usage exceeds what is billed for it', () => {
    // proj_c has no costs at all: its usage on the 21st (24 cents) is not billed, so it is estimated.
    expect(c.costCents).toBe(0);
    expect(c.daily[20]).toBe(24);
    expect(c.daily[21]).toBe(hoursOn22nd);
    expect(c.estimateCents).toBe(24 + hoursOn22nd);
  });

  it('attributes priced usage to keys and models, most first, with snapshots under their base model', () => {
    const hours = 24 + hoursOn22nd;
    expect(a.byKey).toEqual([
      { apiKeyId: 'key_bob', cents: 15 * hours },
      { apiKeyId: 'key_alice', cents: 3 * hours },
    ]);
    expect(a.byModel).toEqual([
      { model: 'gpt-4o-mini', cents: 15 * hours },
      { model: 'gpt-4o', cents: 3 * hours },
    ]);
    expect(c.byKey).toEqual([{ apiKeyId: 'key_carol', cents: hours }]);
  });

  it('reports unpriced usage by model and token count, never as zero spend', () => {
    expect(a.unpricedModels).toEqual([{ model: 'ft:gpt-4o-mini:acme::x1', tokens: 600 * (24 + hoursOn22nd) }]);
    expect(a.byKey.some((entry) => entry.apiKeyId === null)).toBe(false);
  });

  it('gives a project nobody mentioned an empty month', () => {
    const none = monthSpendOf(snapshot, 'proj_quiet');
    expect(none).toMatchObject({ projectId: 'proj_quiet', costCents: 0, estimateCents: 0, byKey: [], estimateMissing: false });
    expect(none.daily).toEqual(new Array(30).fill(0));
  });
});

describe('addCostPage and addUsagePage', () => {
  it('treats everything as an estimate before any cost is billed this month', () => {
    const now = Date.UTC(2026, 11, 1, 5);
    const snapshot = folded(
      startMonthSpend(now),
      [costPage([costBucket(Date.UTC(2026, 11, 1), [])])],
      [usagePage([usageBucket(Date.UTC(2026, 11, 1, 2), [usageResult('proj_a', 'key_a', 'gpt-4o', { output: 5_000 })])])],
    );
    const spend = monthSpendOf(snapshot, 'proj_a');
    expect(spend.costsCoverUntil).toBe(Date.UTC(2026, 11, 1));
    expect(spend).toMatchObject({ costCents: 0, estimateCents: 5, month: '2026-12' });
    expect(spend.daily[0]).toBe(5);
  });

  it('rounds the estimate once per total, not per row', () => {
    const acc = startMonthSpend(NOW);
    // Three rows of 400 output tokens of gpt-4o: 0.4 cents each, 1.2 cents together.
    const rows = [0, 1, 2].map((hour) => usageBucket(dayStart(22) + hour * HOUR, [usageResult('proj_a', 'k', 'gpt-4o', { output: 400 })]));
    const spend = monthSpendOf(folded(acc, [], [usagePage(rows)]), 'proj_a');
    expect(spend.estimateCents).toBe(1);
    expect(spend.byKey).toEqual([{ apiKeyId: 'k', cents: 1 }]);
  });

  it('says the estimate is missing when usage could not be read, and counts billed costs only', () => {
    const acc = startMonthSpend(NOW);
    markUsageUnavailable(acc);
    const snapshot = folded(acc, novemberCosts(), novemberUsage());
    const c = monthSpendOf(snapshot, 'proj_c');
    expect(snapshot.estimateMissing).toBe(true);
    expect(c).toMatchObject({ estimateMissing: true, estimateCents: 0, costCents: 0 });
    expect(c.daily.every((day) => day === 0)).toBe(true);
    expect(monthSpendOf(snapshot, 'proj_nobody').estimateMissing).toBe(true);
  });

  it('leaves the month unchanged and says why when a page has an amount it cannot read', () => {
    const acc = startMonthSpend(NOW);
    folded(acc, [costPage([costBucket(dayStart(1), [costResult('proj_a', '1.00')])])], []);
    const bad = addCostPage(acc, costPage([costBucket(dayStart(2), [costResult('proj_a', '5.00'), costResult('proj_a', 'ten dollars')])]));
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error).toMatchObject({ kind: 'bad_amount', message: expect.stringContaining('ten dollars') });
    const after = finishMonthSpend(acc);
    expect(after.costsCoverUntil).toBe(dayStart(2));
    expect(monthSpendOf(after, 'proj_a').costCents).toBe(100);
  });

  it('refuses costs in another currency and costs without an amount', () => {
    const euro = addCostPage(startMonthSpend(NOW), costPage([costBucket(dayStart(1), [{ amount: { value: 1, currency: 'eur' }, project_id: 'p' }])]));
    expect(euro.ok ? null : euro.error.kind).toBe('bad_currency');
    const none = addCostPage(startMonthSpend(NOW), costPage([costBucket(dayStart(1), [{ amount: null, project_id: 'p' }])]));
    expect(none.ok ? null : none.error.kind).toBe('bad_amount');
  });

  it('refuses token counts that are not whole numbers, and buckets that are not buckets', () => {
    const tokens = addUsagePage(startMonthSpend(NOW), usagePage([usageBucket(dayStart(22), [usageResult('p', 'k', 'gpt-4o', { output: 1.5 })])]));
    expect(tokens.ok ? null : tokens.error.kind).toBe('bad_tokens');
    const bucket = addUsagePage(startMonthSpend(NOW), { data: [{ start_time: 10, end_time: 5, results: [] }] });
    expect(bucket.ok ? null : bucket.error.kind).toBe('bad_bucket');
  });

  it('leaves out buckets outside the month, and keeps costs without a project apart', () => {
    const snapshot = folded(
      startMonthSpend(NOW),
      [
        costPage([
          costBucket(dayStart(1) - DAY, [costResult('proj_a', '99.00')]),
          costBucket(dayStart(3), [costResult('proj_a', '1.00'), costResult(null, '2.00')]),
          costBucket(Date.UTC(2026, 11, 1), [costResult('proj_a', '99.00')]),
        ]),
      ],
      [],
    );
    expect(monthSpendOf(snapshot, 'proj_a').costCents).toBe(100);
    expect(snapshot.unattributedCostCents).toBe(200);
    expect(snapshot.costsCoverUntil).toBe(dayStart(4));
  });

  it('counts credits (negative costs) against the spend', () => {
    const snapshot = folded(startMonthSpend(NOW), [costPage([costBucket(dayStart(1), [costResult('p', '10.00'), costResult('p', '-2.505')])])], []);
    // $10.00 - $2.505 = $7.495, rounded half-up once (rounding the credit first gave $7.49)
    expect(monthSpendOf(snapshot, 'p').costCents).toBe(750);
  });

  it('finishes the same way twice, and keeps folding after a finish', () => {
    const acc = startMonthSpend(NOW);
    const first = folded(acc, [costPage([costBucket(dayStart(1), [costResult('p', '1.00')])])], []);
    expect(finishMonthSpend(acc)).toEqual(first);
    const second = folded(acc, [costPage([costBucket(dayStart(2), [costResult('p', '1.00')])])], []);
    expect(monthSpendOf(second, 'p').costCents).toBe(200);
  });
});
