/**
 * keywarden's date-sensitive domain and render code at month boundaries: the last and first day of a month, 28 Feb →
 * 1 Mar in a common year (2027) and a leap year (2028), 31 Dec → 1 Jan, and the last hour of a month (UTC). Every
 * figure is worked out here from the calendar, not taken from a snapshot of the code's own output.
 */
import { describe, expect, it } from 'vitest';
import { dayIndexOf, monthOf, monthProgress, utcMonthOf } from '../../src/platform/domain/month.js';
import { forecastCrossing, forecastMonthEnd } from '../../src/spend/domain/forecast.js';
import { alertIdentity, evaluate } from '../../src/spend/domain/alerts.js';
import { addCostPage, finishMonthSpend, monthSpendOf, startMonthSpend, totalSpendCents, type CostPageJson, type MonthSpend } from '../../src/spend/domain/aggregate.js';
import { cents } from '../../src/platform/domain/money.js';
import type { ProjectLimits } from '../../src/limits/domain/limits.js';
import { renderSpendStatus } from '../../src/spend/render/status.js';
import { dayMonthText } from '../../src/spend/render/figures.js';
import { utcDateText } from '../../src/platform/slack/render/mrkdwn.js';
import { BOUNDARIES, DAY_MS, HOUR_MS, at } from './boundaries.js';

const PROJECT = 'proj_dates';

/** A cost page with one day bucket per entry: [first ms of the UTC day, dollars]. */
function costPage(days: readonly (readonly [number, number])[]): CostPageJson {
  return {
    object: 'page',
    data: days.map(([dayStart, usd]) => ({
      object: 'bucket',
      start_time: dayStart / 1000,
      end_time: dayStart / 1000 + 86_400,
      results: [{ object: 'organization.costs.result', amount: { value: usd, currency: 'usd' }, project_id: PROJECT }],
    })),
    has_more: false,
    next_page: null,
  };
}

/** The project's month at `now`, folded by keywarden's aggregation from the given day buckets. */
function monthSpendAt(now: number, days: readonly (readonly [number, number])[]): MonthSpend {
  const folded = addCostPage(startMonthSpend(now), costPage(days));
  if (!folded.ok) throw new Error(folded.error.message);
  return monthSpendOf(finishMonthSpend(folded.value), PROJECT);
}

const dayStart = (ms: number): number => Math.floor(ms / DAY_MS) * DAY_MS;
/** `count` whole days of `usd` each, ending with the day before `ms`. */
const daysBefore = (ms: number, count: number, usd: number): [number, number][] =>
  Array.from({ length: count }, (_, i) => [dayStart(ms) - (count - i) * DAY_MS, usd] as [number, number]);

const limits = (over: Partial<ProjectLimits> = {}): ProjectLimits => ({
  projectId: PROJECT,
  softCents: cents(10_000),
  hardCents: cents(1_000_000),
  thresholds: [50, 80, 100],
  channelId: null,
  version: 3,
  updatedAt: 0,
  updatedBy: 'U0ADMIN',
  ...over,
});

/** The status message's "Month … passed (day N of D)" line, read back as numbers. */
function monthLineOf(spend: MonthSpend, now: number): { percent: number; day: number; days: number } {
  const rendered = renderSpendStatus({ project: { id: PROJECT, name: 'Dates' }, spend, limits: limits(), enforcement: null, now, keyLabels: new Map() });
  const match = /(\d+)% passed \(day (\d+) of (\d+)\)/.exec(JSON.stringify(rendered.blocks));
  if (!match) throw new Error('the status message has no month line');
  return { percent: Number(match[1]), day: Number(match[2]), days: Number(match[3]) };
}

describe.each(BOUNDARIES)('at $name', (b) => {
  it('names the month, its start, end and length on each side', () => {
    const before = utcMonthOf(b.lastInstant);
    const after = utcMonthOf(b.firstInstant);
    expect([before.month, before.days]).toEqual([b.before.month, b.before.days]);
    expect([after.month, after.days]).toEqual([b.after.month, b.after.days]);
    expect(monthOf(b.lastInstant)).toBe(b.before.month);
    expect(monthOf(b.firstInstant)).toBe(b.after.month);
    // the months meet exactly, with no gap or overlap
    expect(before.end).toBe(b.firstInstant);
    expect(after.start).toBe(b.firstInstant);
    expect(before.end - before.start).toBe(b.before.days * DAY_MS);
    expect(dayIndexOf(b.lastInstant, before.start)).toBe(b.before.days - 1);
    expect(dayIndexOf(b.firstInstant, after.start)).toBe(0);
  });

  it('has almost all of the month passed at its last instant and none at the next one’s first', () => {
    expect(monthProgress(b.lastInstant)).toBeCloseTo(1, 6);
    expect(monthProgress(b.lastInstant)).toBeLessThan(1);
    expect(monthProgress(b.firstInstant)).toBe(0);
    const lastHour = b.firstInstant - 30 * 60_000;
    expect(monthProgress(lastHour)).toBeCloseTo(1 - 0.5 / (b.before.days * 24), 9);
  });

  it('shows the status message’s month line as the last day, then the first', () => {
    const late = monthLineOf(monthSpendAt(b.lastInstant, daysBefore(b.lastInstant, 3, 10)), b.lastInstant);
    expect(late).toEqual({ percent: 99, day: b.before.days, days: b.before.days });
    const early = monthLineOf(monthSpendAt(b.firstInstant, []), b.firstInstant);
    expect(early).toEqual({ percent: 0, day: 1, days: b.after.days });
    const lastHour = b.firstInstant - HOUR_MS;
    expect(monthLineOf(monthSpendAt(lastHour, []), lastHour)).toEqual({ percent: 99, day: b.before.days, days: b.before.days });
  });

  it('counts the last day’s costs in the old month, and starts the new month at zero', () => {
    const lastDay = dayStart(b.lastInstant);
    const buckets: [number, number][] = [
      [lastDay - DAY_MS, 40],
      [lastDay, 25.5],
      [b.firstInstant, 7],
    ];
    const old = monthSpendAt(b.lastInstant, buckets);
    expect(old.month).toBe(b.before.month);
    expect(old.daily).toHaveLength(b.before.days);
    expect(old.daily[b.before.days - 1]).toBe(2_550);
    expect(totalSpendCents(old)).toBe(6_550);
    const fresh = monthSpendAt(b.firstInstant, buckets);
    expect(fresh.month).toBe(b.after.month);
    expect(fresh.daily).toHaveLength(b.after.days);
    expect(totalSpendCents(fresh)).toBe(700);
  });

  it('forecasts to the end of the month it is in, over its real number of days', () => {
    // 7 whole days at $10 and a last day started: 12 hours before the month ends, half a day remains
    const noonLastDay = b.firstInstant - 12 * HOUR_MS;
    const spend = monthSpendAt(noonLastDay, daysBefore(noonLastDay, 7, 10));
    const forecast = forecastMonthEnd(spend.daily, noonLastDay, spend.monthStart);
    expect(forecast).toMatchObject({ kind: 'projected', basisDays: 7, spentCents: 7_000, dailyAverageCents: 1_000, monthEnd: b.firstInstant });
    expect(forecast.kind === 'projected' && forecast.projectedCents).toBe(7_500);
    // on the new month's first day: too early at first, then a pace from the day so far
    const fresh = monthSpendAt(b.firstInstant + HOUR_MS, [[b.firstInstant, 3]]);
    expect(forecastMonthEnd(fresh.daily, b.firstInstant + HOUR_MS, fresh.monthStart).kind).toBe('too_early');
    const noonFirst = b.firstInstant + 12 * HOUR_MS;
    const firstDay = forecastMonthEnd(monthSpendAt(noonFirst, [[b.firstInstant, 5]]).daily, noonFirst, fresh.monthStart);
    expect(firstDay).toMatchObject({ kind: 'projected', basisDays: 0.5, dailyAverageCents: 1_000 });
    expect(firstDay.kind === 'projected' && firstDay.projectedCents).toBe(500 + 1_000 * (b.after.days - 0.5));
  });

  it('dates a cap crossing inside the month, and none past its end', () => {
    const noonLastDay = b.firstInstant - 12 * HOUR_MS;
    const spend = monthSpendAt(noonLastDay, daysBefore(noonLastDay, 7, 10));
    const forecast = forecastMonthEnd(spend.daily, noonLastDay, spend.monthStart);
    // $73 is reached 7.2 hours later, still on the last day; $76 only after the month ends
    const crossing = forecastCrossing(forecast, cents(7_300));
    expect(crossing).toBe(noonLastDay + 0.3 * DAY_MS);
    expect(dayMonthText(crossing!)).toBe(dayMonthText(b.lastInstant));
    expect(forecastCrossing(forecast, cents(7_600))).toBeNull();
  });

  it('re-arms every alert at the new month: same limits, new identities', () => {
    const over = (now: number, days: [number, number][]) =>
      evaluate({ spend: monthSpendAt(now, days), limits: limits(), enforcement: null, now }).map((a) => a.identity);
    const old = over(b.lastInstant, [[dayStart(b.lastInstant), 150]]);
    const fresh = over(b.firstInstant + 2 * HOUR_MS, [[b.firstInstant, 150]]);
    expect(old).toEqual([50, 80, 100].map((t) => alertIdentity({ projectId: PROJECT, month: b.before.month, limitsVersion: 3, kind: 'soft', threshold: t })));
    expect(fresh).toEqual([50, 80, 100].map((t) => alertIdentity({ projectId: PROJECT, month: b.after.month, limitsVersion: 3, kind: 'soft', threshold: t })));
    expect(fresh.filter((id) => old.includes(id))).toEqual([]);
    // and last month's spend does not carry over: nothing spent yet, nothing alerted
    expect(over(b.firstInstant, [[dayStart(b.lastInstant), 150]])).toEqual([]);
  });
});

describe('dates shown across month ends', () => {
  it('counts a leap day in key expiry and request dates, and skips it in a common year', () => {
    expect(utcDateText(at('2028-02-28T23:30:00Z') + DAY_MS)).toBe('2028-02-29 23:30 UTC');
    expect(utcDateText(at('2027-02-28T23:30:00Z') + DAY_MS)).toBe('2027-03-01 23:30 UTC');
    expect(utcDateText(at('2026-12-31T23:30:00Z') + DAY_MS)).toBe('2027-01-01 23:30 UTC');
    // a 30-day key issued on 31 January
    expect(utcDateText(at('2027-01-31T10:00:00Z') + 30 * DAY_MS)).toBe('2027-03-02 10:00 UTC');
    expect(utcDateText(at('2028-01-31T10:00:00Z') + 30 * DAY_MS)).toBe('2028-03-01 10:00 UTC');
  });

  it('shows billing days in UTC, whatever the hour', () => {
    expect(dayMonthText(at('2028-02-29T23:59:59.999Z'))).toBe('29 Feb');
    expect(dayMonthText(at('2028-03-01T00:00:00Z'))).toBe('1 Mar');
    expect(dayMonthText(at('2026-12-31T23:00:00Z'))).toBe('31 Dec');
  });

  it('refuses a month key that is not YYYY-MM', () => {
    expect(() => alertIdentity({ projectId: PROJECT, month: '2027-2', limitsVersion: 1, kind: 'soft', threshold: 50 })).toThrow(RangeError);
  });
});


