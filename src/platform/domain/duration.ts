/** Durations typed by people (`72h`, `1h30m`, `2d`) and durations written for people (`3 days`). */
import { err, ok, type Result } from './result.js';

export interface DurationError {
  readonly message: string;
}

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;

/** Units largest first: a duration lists each unit at most once, in this order. */
const UNITS = [
  { ms: WEEK, names: ['w', 'wk', 'wks', 'week', 'weeks'], singular: 'week', plural: 'weeks' },
  { ms: DAY, names: ['d', 'day', 'days'], singular: 'day', plural: 'days' },
  { ms: HOUR, names: ['h', 'hr', 'hrs', 'hour', 'hours'], singular: 'hour', plural: 'hours' },
  { ms: MINUTE, names: ['m', 'min', 'mins', 'minute', 'minutes'], singular: 'minute', plural: 'minutes' },
  { ms: SECOND, names: ['s', 'sec', 'secs', 'second', 'seconds'], singular: 'second', plural: 'seconds' },
] as const;

export const DEFAULT_MAX_DURATION_MS = 365 * DAY;

const FORMS = 'Write it like 90s, 30m, 72h, 1h30m, 2d or 1w.';
const PART = /(\d+)\s*([a-z]+)/gy;

/**
 * Parses `72h`, `30m`, `2d`, `1h30m`, `90s`, `1w` (also `1h 30m`, `2 days`) into milliseconds.
 * Units go largest first, each at most once; the total must be more than zero and at most `maxMs` (default 1 year).
 */
export const parseDuration = (
  text: string,
  options: { readonly maxMs?: number } = {},
): Result<number, DurationError> => {
  const maxMs = options.maxMs ?? DEFAULT_MAX_DURATION_MS;
  const input = text.trim().toLowerCase().replace(/\s+/g, ' ');
  if (input === '') return err({ message: `Give a duration. ${FORMS}` });
  if (/^\d+$/.test(input)) return err({ message: `"${input}" needs a unit. ${FORMS}` });

  let total = 0;
  let lastUnit = -1;
  let position = 0;
  while (position < input.length) {
    if (input[position] === ' ') {
      position += 1;
      continue;
    }
    PART.lastIndex = position;
    const part = PART.exec(input);
    if (!part) return err({ message: `"${text.trim()}" is not a duration. ${FORMS}` });
    const [, amountText = '', unitText = ''] = part;
    const unitIndex = UNITS.findIndex((unit) => (unit.names as readonly string[]).includes(unitText));
    if (unitIndex === -1) {
      return err({ message: `"${unitText}" is not a unit of time; use w, d, h, m or s. ${FORMS}` });
    }
    if (unitIndex <= lastUnit) {
      return err({ message: `"${text.trim()}" repeats a unit or lists them out of order; go largest first, like 1d12h or 1h30m.` });
    }
    lastUnit = unitIndex;
    // Digits alone could exceed a safe integer; anything that long is far past any maximum.
    if (amountText.length > 9) return err({ message: `"${text.trim()}" is too long a duration; the most is ${formatDuration(maxMs)}.` });
    total += Number(amountText) * (UNITS[unitIndex]?.ms ?? 0);
    position = PART.lastIndex;
  }
  if (total === 0) return err({ message: `A duration must be more than zero. ${FORMS}` });
  if (total > maxMs) return err({ message: `"${text.trim()}" is too long; the most is ${formatDuration(maxMs)}.` });
  return ok(total);
};

const countOf = (count: number, unit: (typeof UNITS)[number]): string =>
  `${count} ${count === 1 ? unit.singular : unit.plural}`;

/**
 * `3 days`, `2 hours`, `1 hour 30 minutes`: the largest unit from days down to seconds, then the next smaller unit
 * when it is not zero, rounded down (weeks read as days, which people count more easily: "14 days").
 * Below a second: `less than a second`; zero or negative: `0 seconds`.
 */
export const formatDuration = (ms: number): string => {
  if (!Number.isFinite(ms) || ms <= 0) return '0 seconds';
  if (ms < SECOND) return 'less than a second';
  const parts: string[] = [];
  let rest = ms;
  for (const unit of UNITS.slice(1)) {
    const count = Math.floor(rest / unit.ms);
    rest -= count * unit.ms;
    if (count > 0) parts.push(countOf(count, unit));
    else if (parts.length > 0) break;
    if (parts.length === 2) break;
  }
  return parts.join(' ');
};
