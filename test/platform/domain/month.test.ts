/** The UTC calendar month spend, limits and alerts are counted in: its name, and how much of it has passed. */
import { describe, expect, it } from 'vitest';
import { monthOf, monthProgress } from '../../../src/platform/domain/month.js';

const DAY = 24 * 3_600_000;
const NOV = Date.UTC(2026, 10, 1);

describe('months', () => {
  it('names the UTC month', () => {
    expect(monthOf(Date.UTC(2026, 10, 30, 23, 59))).toBe('2026-11');
    expect(monthOf(Date.UTC(2026, 11, 1))).toBe('2026-12');
    expect(monthOf(Date.UTC(2027, 0, 1) - 1)).toBe('2026-12');
  });

  it('tells how much of the month has passed', () => {
    expect(monthProgress(NOV)).toBe(0);
    expect(monthProgress(NOV + 15 * DAY)).toBe(0.5);
    expect(monthProgress(Date.UTC(2026, 1, 15))).toBe(0.5); // February 2026 has 28 days
  });

});
