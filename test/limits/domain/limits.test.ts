import { describe, expect, it } from 'vitest';
import {
  applyLimitChange,
  checkHigherCap,
  fieldOfLimitError,
  withoutUnchangedFields,
  DEFAULT_THRESHOLDS,
  describeLimitChange,
  endCapRaise,
  parseThresholds,
  raiseInForce,
  type LimitChange,
  type ProjectLimits,
} from '../../../src/limits/domain/limits.js';
import { cents } from '../../../src/platform/domain/money.js';

const NOW = Date.UTC(2025, 4, 1, 12);
const context = { projectId: 'proj_support', now: NOW, actor: 'U_ADMIN', defaultChannel: 'C_DEFAULT' };

const stored: ProjectLimits = {
  projectId: 'proj_support',
  softCents: cents(50_000),
  hardCents: cents(100_000),
  thresholds: [50, 80, 100],
  channelId: 'C_SPEND',
  version: 4,
  updatedAt: NOW - 86_400_000,
  updatedBy: 'U_OTHER',
};

const applied = (current: ProjectLimits | null, change: LimitChange): ProjectLimits => {
  const result = applyLimitChange(current, change, context);
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
};

const refusal = (current: ProjectLimits | null, change: LimitChange) => {
  const result = applyLimitChange(current, change, context);
  if (result.ok) throw new Error('expected a refusal');
  return result.error;
};

describe('parseThresholds', () => {
  it.each([
    ['50,80,100', [50, 80, 100]],
    ['50%, 80%, 100%', [50, 80, 100]],
    [' 75 ', [75]],
    ['1,2,3,4,100', [1, 2, 3, 4, 100]],
    ['25 %,90', [25, 90]],
  ])('reads %s', (text, expected) => {
    expect(parseThresholds(text)).toEqual({ ok: true, value: expected });
  });

  const FORMS = 'Give 1 to 5 percentages from 1 to 100, going up, like 50,80,100.';
  it.each([
    ['', `Give the alert thresholds. ${FORMS}`],
    ['80,50', `Thresholds must go up: 50% comes after 80%. ${FORMS}`],
    ['50,50', `50% is listed twice. ${FORMS}`],
    ['0,50', `0% is not a threshold: each is a whole percentage from 1 to 100. ${FORMS}`],
    ['50,150', `150% is not a threshold: each is a whole percentage from 1 to 100. ${FORMS}`],
    ['10,20,30,40,50,60', `That is 6 thresholds; the most is 5. ${FORMS}`],
    ['50,,80', `"50,,80" has an empty place between commas. ${FORMS}`],
    ['50.5', `"50.5" is not a whole percentage. ${FORMS}`],
    ['fifty', `"fifty" is not a whole percentage. ${FORMS}`],
    ['-10', `"-10" is not a whole percentage. ${FORMS}`],
    ['1000', `"1000" is not a whole percentage. ${FORMS}`],
  ])('refuses "%s"', (text, message) => {
    expect(parseThresholds(text)).toEqual({ ok: false, error: { message } });
  });
});

describe('applyLimitChange', () => {
  it('starts from the defaults when nothing is stored', () => {
    expect(applied(null, { hard: cents(200_000) })).toEqual({
      projectId: 'proj_support',
      softCents: null,
      hardCents: 200_000,
      thresholds: DEFAULT_THRESHOLDS,
      channelId: 'C_DEFAULT',
      version: 1,
      updatedAt: NOW,
      updatedBy: 'U_ADMIN',
    });
    expect(DEFAULT_THRESHOLDS).toEqual([50, 80, 100]);
  });

  it('changes only what is given, bumping the version and stamping who and when', () => {
    expect(applied(stored, { soft: cents(80_000) })).toEqual({
      ...stored,
      softCents: 80_000,
      version: 5,
      updatedAt: NOW,
      updatedBy: 'U_ADMIN',
    });
    expect(applied(stored, { thresholds: [25, 50, 75, 100], channelId: 'C_NEW' })).toMatchObject({
      softCents: 50_000,
      hardCents: 100_000,
      thresholds: [25, 50, 75, 100],
      channelId: 'C_NEW',
      version: 5,
    });
  });

  it('turns the hard limit off', () => {
    expect(applied(stored, { hard: 'off' })).toMatchObject({ softCents: 50_000, hardCents: null, version: 5 });
  });

  it('does not alias the thresholds it was given', () => {
    const thresholds = [10, 20];
    const result = applied(stored, { thresholds });
    thresholds.push(30);
    expect(result.thresholds).toEqual([10, 20]);
  });

  it('refuses a new soft limit above the stored hard limit', () => {
    expect(refusal(stored, { soft: cents(150_000) })).toEqual({
      kind: 'soft_above_hard',
      message:
        "The soft limit ($1,500.00) can't be above the current hard limit ($1,000.00). Lower the soft limit, or raise the hard limit too, like: soft $1,500.00 hard $1,500.00",
    });
  });

  it('refuses a new hard limit below the stored soft limit', () => {
    expect(refusal(stored, { hard: cents(40_000) })).toEqual({
      kind: 'soft_above_hard',
      message:
        "The current soft limit ($500.00) can't be above the hard limit ($400.00). Set a hard limit of at least $500.00, or lower the soft limit too, like: soft $400.00 hard $400.00",
    });
  });

  it('refuses a soft limit above a hard limit given with it', () => {
    expect(refusal(null, { soft: cents(300), hard: cents(200) })).toEqual({
      kind: 'soft_above_hard',
      message: "The soft limit ($3.00) can't be above the hard limit ($2.00). Make the soft limit no more than the hard limit.",
    });
  });

  it('allows soft equal to hard, and any soft once the hard limit is off', () => {
    expect(applied(stored, { soft: cents(100_000) }).softCents).toBe(100_000);
    expect(applied(stored, { soft: cents(900_000), hard: 'off' })).toMatchObject({ softCents: 900_000, hardCents: null });
  });

  it('refuses an empty change', () => {
    expect(refusal(stored, {})).toEqual({
      kind: 'no_change',
      message: 'Say what to change: soft <amount>, hard <amount> or hard off, at <thresholds>, or channel <#channel>.',
    });
  });

  it('refuses a change that changes nothing, since a new version would re-arm every alert', () => {
    expect(refusal(stored, { soft: cents(50_000), channelId: 'C_SPEND' })).toEqual({
      kind: 'no_change',
      message: 'Nothing would change: the limits are already soft $500.00, hard $1,000.00, alerts at 50%, 80%, 100%.',
    });
    expect(refusal(null, { hard: 'off' }).kind).toBe('no_change');
    expect(refusal(null, { thresholds: [50, 80, 100] }).kind).toBe('no_change');
  });

  it('checks thresholds and amounts however they arrive', () => {
    expect(refusal(stored, { thresholds: [80, 50] })).toEqual({
      kind: 'invalid_thresholds',
      message: 'Thresholds must go up: 50% comes after 80%. Give 1 to 5 percentages from 1 to 100, going up, like 50,80,100.',
    });
    expect(refusal(stored, { thresholds: [] }).kind).toBe('invalid_thresholds');
    expect(refusal(stored, { thresholds: [12.5] }).kind).toBe('invalid_thresholds');
    expect(refusal(stored, { soft: cents(0) })).toEqual({
      kind: 'invalid_amount',
      message: 'A limit must be more than $0.00; $0.00 is not.',
    });
  });

  it('refuses to apply one project\'s limits to another', () => {
    expect(() => applyLimitChange({ ...stored, projectId: 'proj_other' }, { soft: cents(1) }, context)).toThrow(/proj_other/);
  });
});

describe('describeLimitChange', () => {
  it('describes each changed field in one line', () => {
    const after = applied(stored, { soft: cents(80_000), hard: cents(120_000), thresholds: [25, 100], channelId: 'C_NEW' });
    expect(describeLimitChange(stored, after)).toEqual([
      'Soft limit: $500.00 → $800.00',
      'Hard limit: $1,000.00 → $1,200.00',
      'Alert thresholds: 50%, 80%, 100% → 25%, 100%',
      'Alert channel: <#C_SPEND> → <#C_NEW>',
    ]);
  });

  it('leaves out what did not change', () => {
    expect(describeLimitChange(stored, applied(stored, { soft: cents(60_000) }))).toEqual(['Soft limit: $500.00 → $600.00']);
  });

  it('says off when the hard limit is removed, and none for what was not set', () => {
    expect(describeLimitChange(stored, applied(stored, { hard: 'off' }))).toEqual(['Hard limit: $1,000.00 → off']);
    expect(describeLimitChange(null, applied(null, { soft: cents(1_000), hard: cents(2_000) }))).toEqual([
      'Soft limit: none → $10.00',
      'Hard limit: none → $20.00',
      'Alert channel: none → <#C_DEFAULT>',
    ]);
  });
});

describe('the higher-cap form rules', () => {
  it('refuses a cap below the current one, with both figures', () => {
    const checked = checkHigherCap(cents(10_000), cents(9_000), null);
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.error.message).toMatch(/above the current \$100\.00; \$90\.00 is lower/);
  });
  it('refuses a cap at or below the month’s spend, with both figures', () => {
    const checked = checkHigherCap(cents(10_000), cents(15_000), cents(15_000));
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.error.message).toMatch(/\$150\.00 is already spent this month, so a cap of \$150\.00/);
  });
  it('lets a cap above both, no cap at all, and no hard change through', () => {
    expect(checkHigherCap(cents(10_000), cents(20_000), cents(15_000)).ok).toBe(true);
    expect(checkHigherCap(cents(10_000), 'off', cents(15_000)).ok).toBe(true);
    expect(checkHigherCap(cents(10_000), undefined, cents(15_000)).ok).toBe(true);
    expect(checkHigherCap(null, cents(20_000), null).ok).toBe(true);
  });
  it('drops values left as they were filled in', () => {
    const current = { projectId: 'p', softCents: cents(100), hardCents: cents(200), thresholds: [50, 80, 100], channelId: 'C1', version: 1, updatedAt: 0, updatedBy: 'U1' };
    expect(withoutUnchangedFields({ soft: cents(100), hard: cents(300), thresholds: [50, 80, 100] }, current)).toEqual({ hard: 300 });
    expect(withoutUnchangedFields({ hard: 'off' }, { ...current, hardCents: null })).toEqual({});
  });
  it('blames the field the person typed', () => {
    expect(fieldOfLimitError({ kind: 'soft_above_hard', message: '' }, { soft: cents(500), hard: cents(200) })).toBe('soft');
    expect(fieldOfLimitError({ kind: 'soft_above_hard', message: '' }, { hard: cents(200) })).toBe('hard');
    expect(fieldOfLimitError({ kind: 'invalid_thresholds', message: '' }, { thresholds: [2, 1] })).toBe('thresholds');
  });
});

describe('a temporary raise of the hard cap', () => {
  const END = Date.UTC(2025, 4, 8, 18, 0);

  it('records the cap to come back to, when it ends, and who raised it, under the new version', () => {
    const raised = applied(stored, { hard: cents(200_000), until: END });
    expect(raised).toMatchObject({ hardCents: 200_000, version: 5 });
    expect(raised.raise).toEqual({ previousCents: 100_000, raisedCents: 200_000, endsAt: END, version: 5, by: 'U_ADMIN' });
    expect(describeLimitChange(stored, raised)).toEqual(['Hard limit: $1,000.00 → $2,000.00 until 2025-05-08 18:00 UTC, then back to $1,000.00']);
  });

  it('raises a project without a cap, to come back to none', () => {
    const raised = applied({ ...stored, hardCents: null }, { hard: cents(200_000), until: END });
    expect(raised.raise?.previousCents).toBeNull();
    expect(describeLimitChange({ ...stored, hardCents: null }, raised)).toEqual(['Hard limit: none → $2,000.00 until 2025-05-08 18:00 UTC, then back to no cap']);
  });

  it('moves the end of a raise in force, keeping the cap it returns to', () => {
    const raised = applied(stored, { hard: cents(200_000), until: END });
    const later = applied(raised, { hard: cents(200_000), until: END + 86_400_000 });
    expect(later.raise).toMatchObject({ previousCents: 100_000, endsAt: END + 86_400_000, version: 6 });
    expect(describeLimitChange(raised, later)).toEqual([
      'Raised hard limit $2,000.00: until 2025-05-08 18:00 UTC → until 2025-05-09 18:00 UTC, then back to $1,000.00',
    ]);
    expect(refusal(raised, { hard: cents(200_000), until: END }).kind).toBe('no_change');
  });

  it('carries the raise along changes of the soft limit, and keeps it (no longer in force) when the cap is set again', () => {
    const raised = applied(stored, { hard: cents(200_000), until: END });
    const soft = applied(raised, { soft: cents(60_000) });
    expect(soft.raise).toEqual(raised.raise);
    expect(raiseInForce(soft)).toEqual(raised.raise);
    const overtaken = applied(raised, { hard: cents(300_000) });
    expect(overtaken.raise).toEqual(raised.raise);
    expect(raiseInForce(overtaken)).toBeNull();
  });

  it('refuses a raise not above the cap it returns to, one that has ended, and a soft limit above the cap it returns to', () => {
    expect(refusal(stored, { hard: cents(90_000), until: END })).toMatchObject({ kind: 'invalid_raise' });
    expect(refusal(stored, { hard: cents(90_000), until: END }).message).toMatch(/above the cap it returns to \(\$1,000\.00\)/);
    expect(refusal(stored, { hard: cents(200_000), until: NOW - 60_000 }).message).toMatch(/already passed/);
    expect(refusal(stored, { hard: 'off', until: END }).kind).toBe('invalid_raise');
    const raised = applied(stored, { hard: cents(200_000), until: END });
    expect(refusal(raised, { soft: cents(150_000) }).message).toMatch(/can't be above the cap the raise returns to on 2025-05-08 18:00 UTC \(\$1,000\.00\)/);
    expect(fieldOfLimitError(refusal(stored, { hard: cents(90_000), until: END }), { hard: cents(90_000), until: END })).toBe('hard');
  });

  describe('its end', () => {
    const raised = applied(stored, { hard: cents(200_000), until: END });
    it('restores the previous cap under a new version (thresholds re-arm), recorded as keywarden', () => {
      const ending = endCapRaise(raised, 5, cents(200_000), { now: END, restoring: false });
      expect(ending.kind).toBe('restore');
      if (ending.kind !== 'restore') return;
      expect(ending.limits).toMatchObject({ hardCents: 100_000, version: 6, updatedAt: END, updatedBy: 'keywarden' });
      expect(ending.limits.raise).toBeUndefined();
      expect(describeLimitChange(raised, ending.limits)).toEqual(['Hard limit: $2,000.00 → $1,000.00']);
    });
    it('waits until it is due, and ignores a raise that is no longer held', () => {
      expect(endCapRaise(raised, 5, cents(200_000), { now: END - 1, restoring: false })).toEqual({ kind: 'not_due', endsAt: END });
      expect(endCapRaise(raised, 4, cents(200_000), { now: END, restoring: false })).toEqual({ kind: 'not_held' });
      expect(endCapRaise(stored, 5, cents(200_000), { now: END, restoring: false })).toEqual({ kind: 'not_held' });
    });
    it('finds the cap changed at OpenAI or through keywarden, with the amount it found', () => {
      expect(endCapRaise(raised, 5, cents(250_000), { now: END, restoring: false })).toMatchObject({ kind: 'changed', foundCents: 250_000 });
      expect(endCapRaise(raised, 5, null, { now: END, restoring: false })).toMatchObject({ kind: 'changed', foundCents: null });
      const overtaken = applied(raised, { hard: cents(300_000) });
      expect(endCapRaise(overtaken, 5, cents(300_000), { now: END, restoring: false })).toMatchObject({ kind: 'changed', foundCents: 300_000 });
    });
    it('after a cut-short restore, takes the previous cap at OpenAI as its own doing', () => {
      expect(endCapRaise(raised, 5, cents(100_000), { now: END, restoring: true }).kind).toBe('restore');
      expect(endCapRaise(raised, 5, cents(100_000), { now: END, restoring: false })).toMatchObject({ kind: 'changed', foundCents: 100_000 });
    });
  });
});
