import { describe, expect, it } from 'vitest';
import { cents, type Cents } from '../../../src/platform/domain/money.js';
import { forecastCrossing, forecastMonthEnd, type MonthForecast } from '../../../src/spend/domain/forecast.js';

const HOUR = 3_600_000;
const NOV = Date.UTC(2026, 10, 1);
const DEC = Date.UTC(2026, 11, 1);

const novemberDaily = (amounts: Record<number, number>): Cents[] =>
  Array.from({ length: 30 }, (_, day) => cents(amounts[day] ?? 0));

const projected = (forecast: MonthForecast): Extract<MonthForecast, { kind: 'projected' }> => {
  if (forecast.kind !== 'projected') throw new Error('expected a projection');
  return forecast;
};

describe('forecastMonthEnd', () => {
  it('late in the month: the last 7 whole days set the pace, and today so far counts as spent', () => {
    const amounts: Record<number, number> = {};
    for (let day = 0; day < 14; day += 1) amounts[day] = 50_000; // a costly first fortnight does not count
    for (let day = 14; day < 21; day += 1) amounts[day] = 1_000;
    amounts[21] = 500; // the 22nd, so far
    const now = Date.UTC(2026, 10, 22, 16);
    const forecast = projected(forecastMonthEnd(novemberDaily(amounts), now));
    const spent = 14 * 50_000 + 7 * 1_000 + 500;
    expect(forecast).toMatchObject({ basisDays: 7, dailyAverageCents: 1_000, spentCents: spent, centsPerDay: 1_000 });
    // 8 days and 8 hours remain.
    expect(forecast.projectedCents).toBe(Math.round(spent + (8 + 8 / 24) * 1_000));
    expect(forecast.monthEnd).toBe(DEC);
  });

  it('early in the month: as many whole days as there are', () => {
    const forecast = projected(forecastMonthEnd(novemberDaily({ 0: 3_000, 1: 1_000, 2: 200 }), Date.UTC(2026, 10, 3, 6)));
    expect(forecast.basisDays).toBe(2);
    expect(forecast.dailyAverageCents).toBe(2_000);
    expect(forecast.projectedCents).toBe(4_200 + Math.round((27 + 18 / 24) * 2_000));
  });

  it('on the 1st: too early for the first hours, then the pace of today so far', () => {
    expect(forecastMonthEnd(novemberDaily({ 0: 900 }), NOV + 5 * HOUR).kind).toBe('too_early');
    const forecast = projected(forecastMonthEnd(novemberDaily({ 0: 500 }), NOV + 12 * HOUR));
    expect(forecast.basisDays).toBe(0.5);
    expect(forecast.dailyAverageCents).toBe(1_000);
    expect(forecast.projectedCents).toBe(500 + 29.5 * 1_000);
  });

  it('reads a poll that ends after midnight as the last instant of its month', () => {
    const daily = novemberDaily({ 28: 1_000, 29: 1_000 });
    const forecast = projected(forecastMonthEnd(daily, DEC + 2 * 60_000, NOV));
    expect(forecast.at).toBe(DEC);
    expect(forecast.projectedCents).toBe(2_000);
  });
});

describe('forecastCrossing', () => {
  const now = Date.UTC(2026, 10, 22, 16);
  const amounts: Record<number, number> = {};
  for (let day = 0; day < 21; day += 1) amounts[day] = 1_000;
  const forecast = forecastMonthEnd(novemberDaily(amounts), now);

  it('names when the pace passes a cap this month', () => {
    // 21,000 spent, 1,000 a day: 25,000 is reached 4 days later, on the 26th at 16:00.
    expect(forecastCrossing(forecast, cents(25_000))).toBe(Date.UTC(2026, 10, 26, 16));
    expect(new Date(forecastCrossing(forecast, cents(29_000)) ?? 0).getUTCDate()).toBe(30);
  });

  it('is null for a cap the pace does not reach this month, and now for one already passed', () => {
    expect(forecastCrossing(forecast, cents(40_000))).toBeNull();
    expect(forecastCrossing(forecast, cents(21_000))).toBe(now);
    expect(forecastCrossing(forecast, cents(5_000))).toBe(now);
  });

  it('is null with no pace to go by', () => {
    expect(forecastCrossing(forecastMonthEnd(novemberDaily({ 0: 100 }), NOV + HOUR), cents(1_000))).toBeNull();
    expect(forecastCrossing(forecastMonthEnd(novemberDaily({}), now), cents(1))).toBeNull();
  });
});
