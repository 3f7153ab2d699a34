/**
 * The moment date-dependent sandbox tests run at: KEYWARDEN_SANDBOX_NOW when set (`npm run test:dates` sets it to
 * each month boundary), else a fixed late evening on the last day of a month, when this month's spend is at its
 * largest. Never today's date, so no test passes on some days and fails on others.
 */
import { clockStartingAt, parseSandboxNow, SANDBOX_NOW_ENV } from '../../src/sandbox/clock.js';

export const DEFAULT_SANDBOX_NOW = '2026-11-30T21:00:00Z';

/** The start of the test's sandbox clock, ms since the epoch. */
export function sandboxTestStart(): number {
  const parsed = parseSandboxNow(process.env[SANDBOX_NOW_ENV] ?? DEFAULT_SANDBOX_NOW);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.startMs ?? Date.parse(DEFAULT_SANDBOX_NOW);
}

/** A clock for one sandbox under test: starts at `sandboxTestStart()` and runs at real speed. */
export const sandboxTestClock = (): (() => number) => clockStartingAt(sandboxTestStart());
