import { describe, expect, it } from 'vitest';
import {
  addCostPage,
  addUsagePage,
  finishMonthSpend,
  startMonthSpend,
  type CompletionsUsagePageJson,
  type CostPageJson,
} from '../../../src/spend/domain/aggregate.js';
import { DAY, HOUR, costBucket, costResult, usageBucket, usageResult } from './pageBuilders.js';

const PROJECTS = 10_000;
const DAYS = 31;
const DEC = Date.UTC(2026, 11, 1);
const NOW = Date.UTC(2026, 11, 31, 12, 30);
/** Loose: the fold takes a few hundred ms on a small CI machine; quadratic work would take minutes. */
const BOUND_MS = 8_000;

describe('folding a large organization', () => {
  it(`folds ${PROJECTS} projects × ${DAYS} days of costs and a day and a half of hourly usage within ${BOUND_MS} ms`, () => {
    const ids = Array.from({ length: PROJECTS }, (_, i) => `proj_${String(i).padStart(5, '0')}`);
    // Costs through the 30th, 7 days to a page as the API pages them; every project spends $1.23 (as a string) a day.
    const costPages: CostPageJson[] = [];
    for (let first = 0; first < DAYS - 1; first += 7) {
      const buckets = [];
      for (let day = first; day < Math.min(first + 7, DAYS - 1); day += 1) {
        buckets.push(costBucket(DEC + day * DAY, ids.map((id) => costResult(id, '1.23'))));
      }
      costPages.push({ data: buckets });
    }
    // Usage since the start of the 30th: 1,000 output tokens of gpt-4o (1 cent) per project per hour.
    const usagePages: CompletionsUsagePageJson[] = [];
    for (let hour = DEC + 29 * DAY; hour < NOW - HOUR; hour += HOUR) {
      usagePages.push({ data: [usageBucket(hour, ids.map((id) => usageResult(id, `key_${id}`, 'gpt-4o', { output: 1_000 })))] });
    }

    const started = performance.now();
    const acc = startMonthSpend(NOW);
    for (const page of costPages) expect(addCostPage(acc, page).ok).toBe(true);
    for (const page of usagePages) expect(addUsagePage(acc, page).ok).toBe(true);
    const snapshot = finishMonthSpend(acc);
    const elapsed = performance.now() - started;

    expect(snapshot.projects.size).toBe(PROJECTS);
    const hoursOn31st = 12;
    const last = snapshot.projects.get(ids[PROJECTS - 1] ?? '');
    expect(last?.costCents).toBe(30 * 123);
    // The 30th is billed at 123 cents, more than its 24 cents of usage; the 31st is all estimate.
    expect(last?.estimateCents).toBe(hoursOn31st);
    expect(last?.daily).toHaveLength(DAYS);
    let total = 0;
    for (const spend of snapshot.projects.values()) total += spend.costCents + spend.estimateCents;
    expect(total).toBe(PROJECTS * (30 * 123 + hoursOn31st));
    expect(elapsed).toBeLessThan(BOUND_MS);
  });
});
