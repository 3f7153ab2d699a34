import { describe, expect, it } from 'vitest';
import type { ProjectLimits } from '../../../src/limits/domain/limits.js';
import { cents, type Cents } from '../../../src/platform/domain/money.js';
import type { MonthSpend } from '../../../src/spend/domain/aggregate.js';
import {
  alertIdentity,
  evaluate,
  hardCapReached,
  percentOf,
  thresholdRank,
  type Alert,
  type AlertIdentityParts,
} from '../../../src/spend/domain/alerts.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOV = Date.UTC(2026, 10, 1);
const NOW = Date.UTC(2026, 10, 22, 16);

const limits = (overrides: Partial<ProjectLimits> = {}): ProjectLimits => ({
  projectId: 'proj_x',
  softCents: cents(100_000),
  hardCents: cents(200_000),
  thresholds: [50, 80, 100],
  channelId: 'C0SPEND',
  version: 3,
  updatedAt: NOV,
  updatedBy: 'U0ADMIN',
  ...overrides,
});

/** Spend spread over the whole days before the 22nd, so the pace is `total / 21` a day. */
const spendOf = (total: number, overrides: Partial<MonthSpend> = {}): MonthSpend => {
  const daily = Array.from({ length: 30 }, () => cents(0));
  for (let day = 0; day < 21; day += 1) daily[day] = cents(Math.floor(total / 21) + (day < total % 21 ? 1 : 0));
  return {
    projectId: 'proj_x',
    month: '2026-11',
    monthStart: NOV,
    costCents: cents(total),
    costsCoverUntil: NOV + 21 * DAY,
    estimateCents: cents(0),
    daily,
    byKey: [],
    byModel: [],
    unpricedModels: [],
    usageFrom: null,
    estimateMissing: false,
    ...overrides,
  };
};

const summary = (alerts: Alert[]): string[] => alerts.map((alert) => `${alert.kind}.${alert.threshold}`);

describe('alertIdentity', () => {
  const parts: AlertIdentityParts = { projectId: 'proj_x', month: '2026-11', limitsVersion: 3, kind: 'soft', threshold: 80 };

  it('is stable and readable', () => {
    expect(alertIdentity(parts)).toBe('alert.proj_x.2026-11.v3.soft.80');
    expect(alertIdentity({ ...parts })).toBe(alertIdentity(parts));
  });

  it('re-arms with a new month or a new limits version, and tells kinds and thresholds apart', () => {
    const identities = new Set([
      alertIdentity(parts),
      alertIdentity({ ...parts, month: '2026-12' }),
      alertIdentity({ ...parts, limitsVersion: 4 }),
      alertIdentity({ ...parts, threshold: 50 }),
      alertIdentity({ ...parts, kind: 'hard', threshold: 100 }),
      alertIdentity({ ...parts, kind: 'forecast', threshold: 100 }),
      alertIdentity({ ...parts, projectId: 'proj_y' }),
    ]);
    expect(identities.size).toBe(7);
  });

  it('never holds a colon (BullMQ job ids may not), and a project id cannot fake another identity', () => {
    const odd = alertIdentity({ ...parts, projectId: 'proj:a.2026-11.v9' });
    expect(odd).toBe('alert.proj%3Aa%2E2026-11%2Ev9.2026-11.v3.soft.80');
    expect(odd).not.toContain(':');
    expect(odd.split('.')).toHaveLength(6);
  });

  it('refuses parts that would make an ambiguous identity', () => {
    expect(() => alertIdentity({ ...parts, month: '2026-1' })).toThrow(RangeError);
    expect(() => alertIdentity({ ...parts, limitsVersion: 1.5 })).toThrow(RangeError);
    expect(() => alertIdentity({ ...parts, threshold: -1 })).toThrow(RangeError);
  });
});

describe('evaluate', () => {
  const at = (total: number, overrides: { limits?: Partial<ProjectLimits>; spend?: Partial<MonthSpend>; enforcement?: 'inactive' | 'enforcing' | null; now?: number } = {}) =>
    evaluate({
      spend: spendOf(total, overrides.spend),
      limits: limits(overrides.limits),
      enforcement: overrides.enforcement ?? 'inactive',
      now: overrides.now ?? NOW,
    });
  // With a far hard cap, the forecast stays out of the way of the soft-limit cases.
  const farCap = { hardCents: cents(10_000_000) };

  it.each([
    [49_999, []],
    [50_000, ['soft.50']],
    [79_999, ['soft.50']],
    [80_000, ['soft.50', 'soft.80']],
    [100_000, ['soft.50', 'soft.80', 'soft.100']],
  ])('at %d cents of a $1,000 soft limit: %j', (total, expected) => {
    expect(summary(at(total, { limits: farCap }))).toEqual(expected);
  });

  it('posts nothing on the first poll of a month when nothing is crossed', () => {
    expect(at(0, { now: NOV + 10 * 60_000, spend: { daily: Array.from({ length: 30 }, () => cents(0)) } })).toEqual([]);
  });

  it('carries identity, month, version and amounts on each alert', () => {
    const [alert] = at(80_000, { limits: { ...farCap, thresholds: [80] }, spend: { costCents: cents(75_000), estimateCents: cents(5_000) } });
    expect(alert).toEqual({
      identity: 'alert.proj_x.2026-11.v3.soft.80',
      kind: 'soft',
      threshold: 80,
      projectId: 'proj_x',
      month: '2026-11',
      limitsVersion: 3,
      spendCents: 80_000,
      estimateCents: 5_000,
      estimateMissing: false,
      limitCents: 100_000,
    });
  });

  it('counts the estimate towards the thresholds', () => {
    expect(summary(at(0, { limits: farCap, spend: { costCents: cents(70_000), estimateCents: cents(10_000) } }))).toEqual(['soft.50', 'soft.80']);
  });

  it('gives the hard-cap notice once spend reaches the cap, with every soft threshold', () => {
    const alerts = at(200_000);
    expect(summary(alerts)).toEqual(['soft.50', 'soft.80', 'soft.100', 'hard.100']);
    expect(alerts[3]).toMatchObject({ kind: 'hard', reason: 'reached', limitCents: 200_000, identity: 'alert.proj_x.2026-11.v3.hard.100' });
  });

  it('gives the hard-cap notice when OpenAI enforces the cap, even below it by keywarden’s count', () => {
    expect(at(10_000, { enforcement: 'enforcing' }).at(-1)).toMatchObject({ kind: 'hard', reason: 'enforcing', limitCents: 200_000 });
    expect(at(10_000, { enforcement: 'enforcing', limits: { hardCents: null } }).at(-1)).toMatchObject({ kind: 'hard', limitCents: null });
    expect(summary(at(10_000, { enforcement: null, limits: { hardCents: null } }))).toEqual([]);
  });

  it('warns of the forecast when the pace passes the hard cap this month, naming the day', () => {
    // $1,470 over 21 days is $70 a day: $2,000 is reached 7.57 days after the 22nd at 16:00, on the 30th.
    const alerts = at(147_000, { limits: { softCents: null } });
    expect(summary(alerts)).toEqual(['forecast.100']);
    const forecast = alerts[0];
    if (forecast?.kind !== 'forecast') throw new Error('expected a forecast alert');
    expect(new Date(forecast.expectedAt).getUTCDate()).toBe(30);
    expect(forecast.projectedCents).toBeGreaterThan(200_000);
    expect(forecast).toMatchObject({ dailyAverageCents: 7_000, basisDays: 7, identity: 'alert.proj_x.2026-11.v3.forecast.100' });
  });

  it('stays quiet about the forecast when the pace stays under the cap, when over it, and when enforcing', () => {
    expect(summary(at(120_000, { limits: { softCents: null } }))).toEqual([]);
    expect(summary(at(210_000, { limits: { softCents: null } }))).toEqual(['hard.100']);
    expect(summary(at(147_000, { limits: { softCents: null }, enforcement: 'enforcing' }))).toEqual(['hard.100']);
  });

  it('does not forecast in the first hours of a month', () => {
    const daily = Array.from({ length: 30 }, (_, day) => cents(day === 0 ? 150_000 : 0));
    expect(summary(at(150_000, { limits: { softCents: null }, now: NOV + 2 * HOUR, spend: { daily } }))).toEqual([]);
  });

  it('keeps the month of the spend when the poll runs past midnight', () => {
    const [alert] = at(60_000, { limits: farCap, now: Date.UTC(2026, 11, 1, 0, 1) });
    expect(alert?.identity).toBe('alert.proj_x.2026-11.v3.soft.50');
  });

  it('records what OpenAI reported about enforcing the cap on the hard-cap alert (it enforces with a lag)', () => {
    const pending = at(200_000, { enforcement: 'inactive' }).find((alert) => alert.kind === 'hard');
    expect(pending).toMatchObject({ reason: 'reached', enforcement: 'inactive' });
    expect(at(200_000, { enforcement: 'enforcing' }).find((alert) => alert.kind === 'hard')).toMatchObject({ enforcement: 'enforcing' });
  });

  it('ranks thresholds for one alert per poll: soft by percentage, the hard cap above them, forecasts apart', () => {
    const alerts = at(200_000);
    expect(alerts.map((alert) => thresholdRank(alert))).toEqual([50, 80, 100, Number.MAX_SAFE_INTEGER]);
    const forecast = at(150_000, { now: Date.UTC(2026, 10, 22, 16) }).find((alert) => alert.kind === 'forecast');
    if (forecast) expect(thresholdRank(forecast)).toBeNull();
  });

  it('knows the cap is reached at or over it, or when OpenAI enforces it', () => {
    expect(hardCapReached(cents(200_000), cents(200_000), 'inactive')).toBe(true);
    expect(hardCapReached(cents(199_999), cents(200_000), null)).toBe(false);
    expect(hardCapReached(cents(10), null, 'enforcing')).toBe(true);
    expect(hardCapReached(cents(10), null, null)).toBe(false);
  });

  it('refuses limits of another project', () => {
    expect(() => evaluate({ spend: spendOf(1), limits: limits({ projectId: 'proj_y' }), enforcement: null, now: NOW })).toThrow();
  });
});

describe('percentages', () => {
  it('rounds percentages down, so 100% means reached', () => {
    const pct = (spend: number, limit: number): number => percentOf(cents(spend) as Cents, cents(limit));
    expect(pct(99_999, 100_000)).toBe(99);
    expect(pct(100_000, 100_000)).toBe(100);
    expect(pct(130_000, 100_000)).toBe(130);
    expect(pct(-5, 100)).toBe(0);
  });
});
