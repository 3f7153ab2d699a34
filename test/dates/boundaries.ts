/**
 * The month boundaries keywarden's date code is tested at, as fixed instants (UTC). Each pair is the last instant of
 * one month and the first of the next; `lastHour` is 30 minutes before a month ends.
 */
const at = (iso: string): number => {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) throw new Error(`not an instant: ${iso}`);
  return ms;
};

export interface MonthBoundary {
  readonly name: string;
  /** the last millisecond of the earlier month */
  readonly lastInstant: number;
  /** the first millisecond of the later month */
  readonly firstInstant: number;
  readonly before: { readonly month: string; readonly days: number };
  readonly after: { readonly month: string; readonly days: number };
}

export const BOUNDARIES: readonly MonthBoundary[] = [
  {
    name: '30 Nov → 1 Dec 2026 (last and first day of a month)',
    lastInstant: at('2026-11-30T23:59:59.999Z'),
    firstInstant: at('2026-12-01T00:00:00.000Z'),
    before: { month: '2026-11', days: 30 },
    after: { month: '2026-12', days: 31 },
  },
  {
    name: '28 Feb → 1 Mar 2027 (common year)',
    lastInstant: at('2027-02-28T23:59:59.999Z'),
    firstInstant: at('2027-03-01T00:00:00.000Z'),
    before: { month: '2027-02', days: 28 },
    after: { month: '2027-03', days: 31 },
  },
  {
    name: '29 Feb → 1 Mar 2028 (leap year)',
    lastInstant: at('2028-02-29T23:59:59.999Z'),
    firstInstant: at('2028-03-01T00:00:00.000Z'),
    before: { month: '2028-02', days: 29 },
    after: { month: '2028-03', days: 31 },
  },
  {
    name: '31 Dec 2026 → 1 Jan 2027 (year end)',
    lastInstant: at('2026-12-31T23:59:59.999Z'),
    firstInstant: at('2027-01-01T00:00:00.000Z'),
    before: { month: '2026-12', days: 31 },
    after: { month: '2027-01', days: 31 },
  },
];

export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;
export { at };
