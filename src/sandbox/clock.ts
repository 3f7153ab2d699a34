/**
 * The sandbox's "now": the real clock by default, or a clock that starts at a chosen moment and runs on at real speed
 * (so the demo can be tried, and tested, on the last day of a month, in a leap February, at a year's end).
 */

/** The environment variable `npm run sandbox` reads the starting moment from, e.g. `2027-02-28T23:30:00Z`. */
export const SANDBOX_NOW_ENV = 'KEYWARDEN_SANDBOX_NOW';

/** ISO 8601 with a date, a time and an explicit zone (`Z` or `±hh:mm`), so the moment means the same everywhere. */
const ISO_INSTANT = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d{1,3})?)?(Z|[+-]\d\d:\d\d)$/;

export type ParsedNow = { readonly ok: true; readonly startMs: number | null } | { readonly ok: false; readonly message: string };

/**
 * Reads KEYWARDEN_SANDBOX_NOW: unset or empty means the real clock (`startMs: null`).
 * @returns an error message naming the variable and the expected form when the value is not an ISO instant
 */
export function parseSandboxNow(value: string | undefined): ParsedNow {
  const text = value?.trim();
  if (!text) return { ok: true, startMs: null };
  const ms = ISO_INSTANT.test(text) ? Date.parse(text) : Number.NaN;
  if (!Number.isFinite(ms)) {
    return { ok: false, message: `${SANDBOX_NOW_ENV} must be a moment in ISO 8601 with its zone, e.g. 2027-02-28T23:30:00Z, not “${text}”.` };
  }
  return { ok: true, startMs: ms };
}

/**
 * A clock in ms since the epoch that reads `startMs` now and advances with `realNow` from here on.
 * @param startMs the moment the clock shows at this call; null for `realNow` itself
 */
export function clockStartingAt(startMs: number | null, realNow: () => number = Date.now): () => number {
  if (startMs === null) return realNow;
  const offset = startMs - realNow();
  return () => realNow() + offset;
}
