/** The limits the time panel suggests: the alert story has to work from whatever this month's spend is. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BURST_DEFAULT_USD, spendAmountProblem, suggestLimits, tryLimitsFor, typicalDayCents } from '../../src/sandbox/demoSpend.js';
import { cents, type Cents } from '../../src/platform/domain/money.js';
import type { StoredLimits } from '../../src/limits/limitStore.js';

const c = (values: number[]): Cents[] => values.map(cents);

describe('suggestLimits', () => {
  it('suggests round limits a day cannot reach, one burst reaches the soft, a second the hard', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 50_000, noNaN: true }),
        fc.double({ min: 0, max: BURST_DEFAULT_USD / 4, noNaN: true }),
        (monthToDateUsd, dailyUsd) => {
          const { softUsd, hardUsd } = suggestLimits({ projectName: 'P', monthToDateUsd, dailyUsd });
          expect(softUsd % 100).toBe(0);
          expect(hardUsd % 100).toBe(0);
          expect(softUsd).toBeGreaterThan(monthToDateUsd + dailyUsd);
          expect(monthToDateUsd + BURST_DEFAULT_USD).toBeGreaterThan(softUsd);
          expect(hardUsd).toBeGreaterThan(monthToDateUsd + dailyUsd + BURST_DEFAULT_USD);
          expect(monthToDateUsd + 2 * BURST_DEFAULT_USD).toBeGreaterThan(hardUsd);
        },
      ),
    );
  });

  it('keeps one burst between the limits when the typical day is larger than a quarter burst', () => {
    const { softUsd, hardUsd } = suggestLimits({ projectName: 'P', monthToDateUsd: 1_000, dailyUsd: 400 });
    expect([softUsd, hardUsd]).toEqual([1_100, 1_400]);
  });

  it('writes the command an admin types, with the project name quoted', () => {
    expect(suggestLimits({ projectName: 'Support Bot', monthToDateUsd: 496.06, dailyUsd: 22.87 })).toMatchObject({
      softUsd: 600,
      hardUsd: 800,
      command: '/openai-key limit "Support Bot" soft 600 hard 800',
    });
    expect(suggestLimits({ projectName: 'New', monthToDateUsd: 0, dailyUsd: 20, burstUsd: 100 })).toMatchObject({ softUsd: 50, hardUsd: 150 });
  });
});

describe('typicalDayCents', () => {
  it('is the median of the whole days before today, so one burst day does not move it', () => {
    const quiet = c([2_000, 2_100, 1_900, 2_050, 1_950]);
    expect(typicalDayCents(quiet, 5)).toBe(2_000);
    expect(typicalDayCents(c([2_000, 2_100, 1_900, 60_000, 1_950]), 5)).toBe(2_000);
    // an even count: the mean of the middle two
    expect(typicalDayCents(c([1_000, 3_000]), 2)).toBe(2_000);
  });

  it('leaves today (still filling, perhaps with a burst) out, and falls back on the first day of a month', () => {
    expect(typicalDayCents(c([2_000, 2_000, 90_000]), 2)).toBe(2_000);
    expect(typicalDayCents(c([90_000]), 0, cents(2_000))).toBe(2_000);
  });
});

describe('tryLimitsFor', () => {
  const limits = (over: Partial<StoredLimits>): StoredLimits => ({
    projectId: 'proj_1',
    softCents: cents(60_000),
    hardCents: cents(80_000),
    thresholds: [50, 80, 100],
    channelId: null,
    version: 1,
    updatedAt: 0,
    updatedBy: 'U0ADRIAN',
    hardAtOpenAI: cents(80_000),
    ...over,
  });
  const input = { projectName: 'Support Bot', monthToDateCents: cents(49_606), dailyCents: cents(2_287) };

  it('suggests limits where none are set, and new ones once every alert of the month has fired', () => {
    expect(tryLimitsFor({ ...input, monthToDateCents: cents(90_000), limits: limits({}) })).toMatchObject({
      kind: 'suggest',
      softUsd: 1_000,
      text: 'Every alert of the limits set (soft $600.00 (alerts at 50, 80, 100%), hard cap $800.00) has been reached this month. To try again, raise them:',
    });
    expect(tryLimitsFor({ ...input, limits: null })).toMatchObject({ kind: 'suggest', softUsd: 600, hardUsd: 800 });
  });

  it('once limits are set, names them and the next alert instead of suggesting them again', () => {
    expect(tryLimitsFor({ ...input, limits: limits({}) })).toEqual({
      kind: 'set',
      command: null,
      text: 'Limits are set: soft $600.00 (alerts at 50, 80, 100%), hard cap $800.00. The next alert comes at $600.00 (100% of the soft limit): add $103.94 or more, then Run a poll now.',
    });
  });
});

describe('spendAmountProblem', () => {
  it('takes whole cents from $0.01 to $1,000,000 and says what to enter otherwise', () => {
    expect(spendAmountProblem(0.01)).toBeNull();
    expect(spendAmountProblem(250)).toBeNull();
    expect(spendAmountProblem(0.001)).toBe('Enter at least $0.01: OpenAI counts spend in cents, so $0.001 would add nothing.');
    expect(spendAmountProblem(0)).toBe('Enter at least $0.01: OpenAI counts spend in cents, so that would add nothing.');
    expect(spendAmountProblem(1_000_000.01)).toBe('Enter at most $1,000,000.');
    expect(spendAmountProblem(Number.NaN)).toBe('Enter the amount in dollars, e.g. 250 or 12.50.');
  });
});
