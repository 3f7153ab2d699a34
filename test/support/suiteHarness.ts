/**
 * A keywarden per suite, for e2e files whose suites each need a world of their own (their own projects' limits,
 * their own fixed clock): the harness starts before the suite's first test and stops after its last.
 */
import { afterAll, beforeAll } from 'vitest';
import { startHarness, type Harness, type HarnessOptions } from './harness.js';

/**
 * A fixed clock for one suite: it reads `base` (ms since the epoch) when the suite's keywarden starts, then runs
 * at real speed; setting `offset` (ms) moves it on, e.g. into the next month.
 */
export interface SuiteClock {
  readonly now: () => number;
  offset: number;
  /** counts real time from now on (the suite's keywarden calls this as it starts) */
  restart(): void;
}

/** A clock that reads `base` when restarted (see SuiteClock). */
export function suiteClock(base: number): SuiteClock {
  let started = Date.now();
  const clock: SuiteClock = {
    now: () => base + (Date.now() - started) + clock.offset,
    offset: 0,
    restart: () => {
      started = Date.now();
      clock.offset = 0;
    },
  };
  return clock;
}

/**
 * Starts keywarden (startHarness) for the tests of the enclosing `describe`, or of the file at top level, and stops
 * it after them. `started` receives the harness: test files keep it in the variable their helpers read. With a
 * `clock`, keywarden and the OpenAI emulator run on it, restarted at `base` as the harness starts.
 */
export function keywardenForSuite(started: (h: Harness) => void, options: HarnessOptions & { readonly clock?: SuiteClock } = {}): void {
  let h: Harness | undefined;
  beforeAll(async () => {
    const { clock, ...rest } = options;
    clock?.restart();
    h = await startHarness({ ...rest, ...(clock ? { now: clock.now } : {}) });
    started(h);
  });
  afterAll(async () => {
    if (process.env.DEBUG_E2E && h) console.log(h.logLines.filter((l) => /"level":(40|50)/.test(l)).join(''));
    await h?.stop();
  });
}
