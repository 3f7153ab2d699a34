/**
 * The UTC calendar month that spend, limits and alerts are counted in. OpenAI's spend limits and its costs'
 * day buckets both follow UTC, so keywarden does too, whatever the readers' time zones.
 */

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

export interface UtcMonth {
  /** `2026-11` */
  readonly month: string;
  /** ms since epoch of the first instant of the month */
  readonly start: number;
  /** ms since epoch of the first instant of the next month */
  readonly end: number;
  readonly days: number;
}

/** The UTC month that contains `ms`. */
export const utcMonthOf = (ms: number): UtcMonth => {
  if (!Number.isFinite(ms)) throw new RangeError(`a time must be finite ms since epoch, got ${ms}`);
  const date = new Date(ms);
  const year = date.getUTCFullYear();
  const monthIndex = date.getUTCMonth();
  const start = Date.UTC(year, monthIndex, 1);
  const end = Date.UTC(year, monthIndex + 1, 1);
  return {
    month: `${String(year).padStart(4, '0')}-${String(monthIndex + 1).padStart(2, '0')}`,
    start,
    end,
    days: Math.round((end - start) / DAY_MS),
  };
};

/** `2026-11` for any instant in November 2026 (UTC). */
export const monthOf = (now: number): string => utcMonthOf(now).month;

/** How much of the UTC month has passed at `now`, from 0 (its first instant) towards 1. */
export const monthProgress = (now: number): number => {
  const { start, end } = utcMonthOf(now);
  return (now - start) / (end - start);
};

/** The 0-based day of the month `ms` falls on, counted from `monthStart` (may be outside 0..days-1). */
export const dayIndexOf = (ms: number, monthStart: number): number => Math.floor((ms - monthStart) / DAY_MS);
