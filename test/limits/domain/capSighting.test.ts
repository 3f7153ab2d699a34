import { describe, expect, it } from 'vitest';
import { capSightingInWords, compareCapWithOpenAI, limitsTakenFromOpenAI } from '../../../src/limits/domain/capSighting.js';
import type { StoredLimits } from '../../../src/limits/domain/storedLimits.js';
import { cents } from '../../../src/platform/domain/money.js';

const NOW = Date.UTC(2026, 2, 10, 12);
const stored = (fields: Partial<StoredLimits>): StoredLimits => ({
  projectId: 'proj_1',
  softCents: cents(20_000),
  hardCents: cents(50_000),
  thresholds: [25, 75],
  channelId: 'C_SPEND',
  version: 3,
  updatedAt: NOW - 86_400_000,
  updatedBy: 'U_ADMIN',
  hardAtOpenAI: cents(50_000),
  capKnown: true,
  ...fields,
});

describe('compareCapWithOpenAI', () => {
  it('holds nothing when keywarden has no limits and OpenAI no cap', () => {
    expect(compareCapWithOpenAI(null, null)).toEqual({ kind: 'nothing-held' });
  });

  it('is in step when OpenAI has the cap keywarden knows, and marks a first "no cap" as seen', () => {
    expect(compareCapWithOpenAI(stored({}), cents(50_000))).toEqual({ kind: 'in-step' });
    const uncapped = stored({ hardCents: null, hardAtOpenAI: null, capKnown: undefined });
    expect(compareCapWithOpenAI(uncapped, null)).toEqual({ kind: 'in-step-first-seen', stored: uncapped });
    // a record from before `capKnown` that holds a cap counts as knowing it
    expect(compareCapWithOpenAI(stored({ capKnown: undefined }), cents(50_000))).toEqual({ kind: 'in-step' });
  });

  it('adopts a cap keywarden never knew, and calls any other difference a change or a removal', () => {
    expect(compareCapWithOpenAI(null, cents(10_000))).toEqual({ kind: 'differs', sighting: 'adopted' });
    expect(compareCapWithOpenAI(stored({ hardCents: null, hardAtOpenAI: null, capKnown: false }), cents(10_000))).toEqual({ kind: 'differs', sighting: 'adopted' });
    expect(compareCapWithOpenAI(stored({}), cents(80_000))).toEqual({ kind: 'differs', sighting: 'changed' });
    expect(compareCapWithOpenAI(stored({}), null)).toEqual({ kind: 'differs', sighting: 'removed' });
  });
});

describe('limitsTakenFromOpenAI', () => {
  it('takes OpenAI’s cap with a new version and keeps the rest', () => {
    const before = stored({ projectName: 'Old name' });
    expect(limitsTakenFromOpenAI(before, { id: 'proj_1', name: 'One' }, cents(80_000), { now: NOW, alertChannel: 'C_DEFAULT' })).toEqual({
      projectId: 'proj_1',
      softCents: cents(20_000),
      hardCents: cents(80_000),
      thresholds: [25, 75],
      channelId: 'C_SPEND',
      version: 4,
      updatedAt: NOW,
      updatedBy: 'openai',
      hardAtOpenAI: cents(80_000),
      capKnown: true,
      projectName: 'One',
    });
  });

  it('starts an adopted project with the default thresholds and alert channel', () => {
    const adopted = limitsTakenFromOpenAI(null, { id: 'proj_2', name: 'Two' }, cents(10_000), { now: NOW, alertChannel: 'C_DEFAULT' });
    expect(adopted).toMatchObject({ softCents: null, hardCents: cents(10_000), thresholds: [50, 80, 100], channelId: 'C_DEFAULT', version: 1 });
  });

  it('carries a raise and an ended raise along', () => {
    const raise = { previousCents: cents(50_000), raisedCents: cents(90_000), endsAt: NOW + 3_600_000, version: 3, by: 'U_ADMIN' };
    const endedRaise = { ...raise, version: 2, outcome: 'restored' as const, endedAt: NOW - 1_000, limitsVersion: 2 };
    const next = limitsTakenFromOpenAI(stored({ raise, endedRaise }), { id: 'proj_1', name: 'One' }, null, { now: NOW, alertChannel: 'C_DEFAULT' });
    expect(next.raise).toEqual(raise);
    expect(next.endedRaise).toEqual(endedRaise);
  });
});

describe('capSightingInWords', () => {
  it('names the adopted cap, or both caps of a change', () => {
    expect(capSightingInWords('adopted', null, cents(10_000))).toBe('Hard limit: $100.00');
    expect(capSightingInWords('changed', cents(50_000), cents(80_000))).toBe('Hard limit: $500.00 → $800.00');
    expect(capSightingInWords('removed', cents(50_000), null)).toBe('Hard limit: $500.00 → off');
  });
});
