/**
 * Where a project's month is heading at its current pace. The pace is the average of the last 7 whole days before
 * today (fewer early in the month); on the month's first day, today so far, once enough of it has passed.
 */
import { cents, type Cents } from '../../platform/domain/money.js';
import { DAY_MS, HOUR_MS, dayIndexOf, utcMonthOf } from '../../platform/domain/month.js';

/** On the 1st, a pace from less than this much of the day would swing with every burst of traffic. */
export const FORECAST_MIN_FIRST_DAY_MS = 6 * HOUR_MS;
export const FORECAST_MAX_BASIS_DAYS = 7;

export type MonthForecast =
  | {
      readonly kind: 'projected';
      /** whole days averaged (1..7), or the fraction of the 1st that has passed */
      readonly basisDays: number;
      readonly spentCents: Cents;
      /** the pace, rounded to the cent for showing */
      readonly dailyAverageCents: Cents;
      /** spend at the end of the month if the pace holds */
      readonly projectedCents: Cents;
      /** the pace exactly, for working out when a limit is passed */
      readonly centsPerDay: number;
      /** the instant the forecast is from */
      readonly at: number;
      readonly monthEnd: number;
    }
  | {
      readonly kind: 'too_early';
      readonly spentCents: Cents;
      readonly at: number;
      readonly monthEnd: number;
    };

const roundHalfUp = (value: number): Cents => cents(Math.floor(value + 0.5));

/**
 * `daily` has one entry per day of the month `now` falls in (as `MonthSpend.daily`). A `now` outside that month
 * (a poll that began just before midnight) is read as the month's last instant. `spentCents` is the month's exact
 * total (`totalSpendCents`); without it the days are added, which may be a few cents off, as each day is rounded.
 */
export const forecastMonthEnd = (daily: readonly Cents[], now: number, monthStart?: number, spentCents?: Cents): MonthForecast => {
  const month = utcMonthOf(monthStart ?? now);
  const at = Math.min(Math.max(now, month.start), month.end);
  let spent = 0;
  if (spentCents === undefined) for (const amount of daily) spent += amount;
  else spent = spentCents;
  const spentTotal = cents(spent);
  const today = Math.min(dayIndexOf(at, month.start), month.days);
  let centsPerDay: number;
  let basisDays: number;
  if (today >= 1) {
    basisDays = Math.min(FORECAST_MAX_BASIS_DAYS, today);
    let basis = 0;
    for (let day = today - basisDays; day < today; day += 1) basis += daily[day] ?? 0;
    centsPerDay = basis / basisDays;
  } else {
    const elapsed = at - month.start;
    if (elapsed < FORECAST_MIN_FIRST_DAY_MS) return { kind: 'too_early', spentCents: spentTotal, at, monthEnd: month.end };
    basisDays = elapsed / DAY_MS;
    centsPerDay = (daily[0] ?? 0) / basisDays;
  }
  const remainingDays = (month.end - at) / DAY_MS;
  return {
    kind: 'projected',
    basisDays,
    spentCents: spentTotal,
    dailyAverageCents: roundHalfUp(centsPerDay),
    projectedCents: roundHalfUp(spent + centsPerDay * remainingDays),
    centsPerDay,
    at,
    monthEnd: month.end,
  };
};

/**
 * When spend reaches `capCents` at the forecast's pace: `at` if it already has, null if it will not this month
 * (or there is no pace to go by). Renderers show it as a date, e.g. "27 Nov".
 */
export const forecastCrossing = (forecast: MonthForecast, capCents: Cents): number | null => {
  if (forecast.spentCents >= capCents) return forecast.at;
  if (forecast.kind === 'too_early' || forecast.centsPerDay <= 0) return null;
  const crossing = forecast.at + ((capCents - forecast.spentCents) / forecast.centsPerDay) * DAY_MS;
  return crossing < forecast.monthEnd ? Math.ceil(crossing) : null;
};
