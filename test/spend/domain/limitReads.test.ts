import { describe, expect, it } from 'vitest';
import { cents, type Cents } from '../../../src/platform/domain/money.js';
import type { MonthSpend } from '../../../src/spend/domain/aggregate.js';
import {
  planSpendLimitReads,
  rotationShare,
  spendLimitReadNeed,
  type CapAsKnown,
  type SpendLimitReadCandidate,
  type SpendLimitReadState,
} from '../../../src/spend/domain/limitReads.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const NOV = Date.UTC(2026, 10, 1);
const NOW = Date.UTC(2026, 10, 22, 16);

/** `total` cents spread evenly over the 21 whole days before the 22nd, or `daily` as given. */
const spendOf = (projectId: string, total: number, daily?: number[]): MonthSpend => {
  const days = daily ?? Array.from({ length: 21 }, (_, d) => Math.floor(total / 21) + (d < total % 21 ? 1 : 0));
  return {
    projectId,
    month: '2026-11',
    monthStart: NOV,
    costCents: cents(total),
    costsCoverUntil: NOV + 21 * DAY,
    estimateCents: cents(0),
    daily: Array.from({ length: 30 }, (_, d) => cents(days[d] ?? 0)),
    byKey: [],
    byModel: [],
    unpricedModels: [],
    usageFrom: null,
    estimateMissing: false,
  };
};
const capOf = (hard: number | null, overrides: Partial<CapAsKnown> = {}): CapAsKnown => ({ hardCents: hard as Cents | null, hardAtOpenAI: hard as Cents | null, version: 2, ...overrides });
const readAt = (at: number, overrides: Partial<SpendLimitReadState> = {}): SpendLimitReadState => ({ readAt: at, failedAt: null, version: 2, status: 'inactive', ...overrides });
const candidate = (projectId: string, spent: number, cap: CapAsKnown, state: SpendLimitReadState | null): SpendLimitReadCandidate => ({ projectId, limits: cap, spend: spendOf(projectId, spent), state });

describe('spendLimitReadNeed', () => {
  const read = readAt(NOW - 10 * MINUTE);
  it('reads every poll from 80% of the cap on, not below', () => {
    expect(spendLimitReadNeed(candidate('p', 7_999, capOf(10_000), read))).toBeNull();
    expect(spendLimitReadNeed(candidate('p', 8_000, capOf(10_000), read))).toBe('near-cap');
    expect(spendLimitReadNeed(candidate('p', 12_000, capOf(10_000), read))).toBe('near-cap');
  });

  it('reads every poll a cap OpenAI reported enforcing this month, not one it enforced last month', () => {
    expect(spendLimitReadNeed(candidate('p', 100, capOf(10_000), readAt(NOW - HOUR, { status: 'enforcing' })))).toBe('enforcing');
    expect(spendLimitReadNeed(candidate('p', 100, capOf(10_000), readAt(NOV - HOUR, { status: 'enforcing' })))).toBeNull();
  });

  it('reads every poll a cap keywarden has not seen at OpenAI, or changed since the last read', () => {
    expect(spendLimitReadNeed(candidate('p', 0, capOf(null), null))).toBe('cap-unknown');
    expect(spendLimitReadNeed(candidate('p', 0, capOf(null, { capKnown: true }), null))).toBeNull();
    expect(spendLimitReadNeed(candidate('p', 0, capOf(10_000, { hardAtOpenAI: cents(5_000) }), read))).toBe('cap-change-pending');
    expect(spendLimitReadNeed(candidate('p', 0, capOf(10_000, { version: 3 }), read))).toBe('cap-change-pending');
    expect(spendLimitReadNeed(candidate('p', 0, capOf(10_000, { version: 3 }), null))).toBeNull(); // never read: first in the rotation
  });
});

describe('rotationShare', () => {
  it('is ceil(others / 12) at 5-minute ticks, whatever seconds the tick ran late', () => {
    expect(rotationShare(12, 5 * MINUTE)).toBe(1);
    expect(rotationShare(24, 5 * MINUTE + 59_999)).toBe(2);
    expect(rotationShare(100, 5 * MINUTE)).toBe(9);
    expect(rotationShare(11, null)).toBe(1);
    expect(rotationShare(24, 0)).toBe(2);
    expect(rotationShare(0, 5 * MINUTE)).toBe(0);
  });

  it('grows with the time since the last poll, to all of them after an hour', () => {
    expect(rotationShare(24, 15 * MINUTE)).toBe(6);
    expect(rotationShare(24, 3 * HOUR)).toBe(24);
  });
});

describe('planSpendLimitReads', () => {
  it('orders failed first, then never read, then needed, then the rotation; the rotation takes the longest unread', () => {
    const plan = planSpendLimitReads(
      [
        candidate('near', 9_000, capOf(10_000), readAt(NOW - 5 * MINUTE)),
        candidate('stale', 100, capOf(10_000), readAt(NOW - 50 * MINUTE)),
        candidate('fresh', 100, capOf(10_000), readAt(NOW - 5 * MINUTE)),
        candidate('failed', 100, capOf(10_000), readAt(NOW - 55 * MINUTE, { failedAt: NOW - 5 * MINUTE })),
        candidate('new', 100, capOf(10_000), null),
        ...Array.from({ length: 19 }, (_, i) => candidate(`other${i}`, 100, capOf(10_000), readAt(NOW - 20 * MINUTE))),
      ],
      5 * MINUTE,
    );
    expect(plan).toMatchObject({ needed: 1, others: 23, rotationShare: 2 });
    expect(plan.reads).toEqual([
      { projectId: 'failed', reason: 'failed-before' },
      { projectId: 'new', reason: 'rotation' },
      { projectId: 'near', reason: 'near-cap' },
    ]);
  });

  it('reads each of 100 far projects in 12 polls at 5-minute ticks, never more than ceil(100/12) a poll', () => {
    const states = new Map<string, SpendLimitReadState>();
    const reads = new Map<string, number>();
    for (let poll = 0; poll < 12; poll += 1) {
      const at = NOW + poll * 5 * MINUTE;
      const plan = planSpendLimitReads(
        Array.from({ length: 100 }, (_, i) => candidate(`p${i}`, 100, capOf(10_000), states.get(`p${i}`) ?? null)),
        poll === 0 ? null : 5 * MINUTE,
      );
      expect(plan.reads.length).toBeLessThanOrEqual(9);
      for (const { projectId } of plan.reads) {
        states.set(projectId, readAt(at));
        reads.set(projectId, (reads.get(projectId) ?? 0) + 1);
      }
    }
    expect(reads.size).toBe(100);
    expect([...reads.values()].every((n) => n <= 2)).toBe(true);
  });

  it('starves nobody when OpenAI answers fewer reads than the needed ones: a read put off goes first next time', () => {
    // 10 projects over their cap and 90 far from it; OpenAI answers 7 reads a poll, the rest are put off
    const states = new Map<string, SpendLimitReadState>();
    const lastRead = new Map<string, number>();
    let longestWait = 0;
    for (let poll = 0; poll < 40; poll += 1) {
      const at = NOW + poll * 5 * MINUTE;
      const plan = planSpendLimitReads(
        Array.from({ length: 100 }, (_, i) => candidate(`p${i}`, i < 10 ? 20_000 : 100, capOf(10_000), states.get(`p${i}`) ?? null)),
        poll === 0 ? null : 5 * MINUTE,
      );
      expect(plan).toMatchObject({ needed: 10, others: 90, rotationShare: 8 });
      plan.reads.forEach(({ projectId }, i) => {
        const before = states.get(projectId) ?? { readAt: null, failedAt: null, version: null, status: null };
        if (i < 7) {
          states.set(projectId, readAt(at));
          longestWait = Math.max(longestWait, at - (lastRead.get(projectId) ?? NOW));
          lastRead.set(projectId, at);
        } else states.set(projectId, { ...before, failedAt: before.failedAt ?? at });
      });
    }
    expect(lastRead.size).toBe(100);
    // 7 answers a poll for 10 needed every poll and 90 hourly: slower than hourly (about 2 hours here), but every
    // project keeps its turn
    expect(longestWait).toBeLessThanOrEqual(130 * MINUTE);
  });
});
