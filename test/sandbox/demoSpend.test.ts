/** The limits the time panel suggests: the alert story has to work from whatever this month's spend is. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BURST_DEFAULT_USD, suggestLimits } from '../../src/sandbox/demoSpend.js';

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
    expect(suggestLimits({ projectName: 'Support Bot', monthToDateUsd: 496.06, dailyUsd: 22.87 })).toEqual({
      softUsd: 600,
      hardUsd: 800,
      command: '/openai-key limit "Support Bot" soft 600 hard 800',
    });
    expect(suggestLimits({ projectName: 'New', monthToDateUsd: 0, dailyUsd: 20, burstUsd: 100 })).toMatchObject({ softUsd: 50, hardUsd: 150 });
  });
});
