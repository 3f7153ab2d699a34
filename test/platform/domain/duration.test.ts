import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_DURATION_MS, formatDuration, parseDuration } from '../../../src/platform/domain/duration.js';

const S = 1_000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

const rejection = (text: string, maxMs?: number): string => {
  const result = parseDuration(text, maxMs === undefined ? {} : { maxMs });
  if (result.ok) throw new Error(`expected ${text} to be rejected, got ${result.value}`);
  return result.error.message;
};

describe('parseDuration', () => {
  it.each([
    ['72h', 72 * H],
    ['30m', 30 * M],
    ['2d', 2 * D],
    ['1h30m', H + 30 * M],
    ['90s', 90 * S],
    ['1w', 7 * D],
    ['1h 30m', H + 30 * M],
    ['2 days', 2 * D],
    ['1 hour 15 minutes', H + 15 * M],
    ['1D12H', D + 12 * H],
    ['  3  hrs ', 3 * H],
    ['1w2d3h4m5s', 9 * D + 3 * H + 4 * M + 5 * S],
  ])('reads %s', (text, expected) => {
    expect(parseDuration(text)).toEqual({ ok: true, value: expected });
  });

  it('asks for a duration when given nothing', () => {
    expect(rejection('  ')).toBe('Give a duration. Write it like 90s, 30m, 72h, 1h30m, 2d or 1w.');
  });

  it('asks for a unit when given a bare number', () => {
    expect(rejection('72')).toBe('"72" needs a unit. Write it like 90s, 30m, 72h, 1h30m, 2d or 1w.');
  });

  it('names an unknown unit', () => {
    expect(rejection('3y')).toBe('"y" is not a unit of time; use w, d, h, m or s. Write it like 90s, 30m, 72h, 1h30m, 2d or 1w.');
  });

  it.each(['1h2h', '30m1h'])('rejects repeated or out-of-order units in %s', (text) => {
    expect(rejection(text)).toContain('repeats a unit or lists them out of order; go largest first, like 1d12h or 1h30m.');
  });

  it.each(['h', '1.5h', '-2h', 'soon', '2h!', '1h30', '１h'])('rejects %s as not a duration', (text) => {
    expect(rejection(text)).toMatch(/is not a duration|needs a unit|is not a unit/);
  });

  it('rejects zero', () => {
    expect(rejection('0h')).toBe('A duration must be more than zero. Write it like 90s, 30m, 72h, 1h30m, 2d or 1w.');
  });

  it('rejects durations over the maximum, one year unless told', () => {
    expect(rejection('53w')).toBe('"53w" is too long; the most is 365 days.');
    expect(parseDuration('52w').ok).toBe(true);
    expect(rejection('3h', 2 * H)).toBe('"3h" is too long; the most is 2 hours.');
    expect(rejection('99999999999999999999s')).toContain('too long');
    expect(DEFAULT_MAX_DURATION_MS).toBe(365 * D);
  });
});

describe('formatDuration', () => {
  it.each([
    [3 * D, '3 days'],
    [2 * H, '2 hours'],
    [H, '1 hour'],
    [H + 30 * M, '1 hour 30 minutes'],
    [D + 6 * H + 59 * M, '1 day 6 hours'],
    [D + 30 * M, '1 day'],
    [14 * D, '14 days'],
    [90 * S, '1 minute 30 seconds'],
    [S, '1 second'],
    [59 * S + 999, '59 seconds'],
    [500, 'less than a second'],
    [0, '0 seconds'],
    [-5 * H, '0 seconds'],
    [Number.NaN, '0 seconds'],
  ])('formats %i ms as %s', (ms, expected) => {
    expect(formatDuration(ms)).toBe(expected);
  });

  it('describes every parsed duration in the same amount of time, when it fits two units', () => {
    for (const text of ['72h', '30m', '2d', '1h30m', '90s', '1w']) {
      const parsed = parseDuration(text);
      if (!parsed.ok) throw new Error(parsed.error.message);
      const words = formatDuration(parsed.value).replace(/ (days?|hours?|minutes?|seconds?)/g, (_, unit: string) => unit[0] ?? '');
      expect(parseDuration(words.replace(/ /g, ''))).toEqual(parsed);
    }
  });
});
