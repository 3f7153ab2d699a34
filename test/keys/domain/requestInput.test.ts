import { describe, expect, it } from 'vitest';
import { parseLifetimeDays, validatePurpose } from '../../../src/keys/domain/requestInput.js';

describe('validatePurpose', () => {
  it('refuses a purpose with an OpenAI key or a Slack token in it, without quoting it, and keeps a masked key', () => {
    for (const pasted of ['sk-proj-PastedByMistake0123456789', 'xoxb-1234567890-PastedByMistake', 'Bearer PastedByMistake0123']) {
      const refused = validatePurpose(`testing the bot with ${pasted} for now`);
      expect(refused.ok, pasted).toBe(false);
      if (!refused.ok) {
        expect(refused.error.kind).toBe('holds_secret');
        expect(refused.error.message).toMatch(/^Leave the key or token out of the purpose/);
        expect(refused.error.message).not.toContain('PastedByMistake');
      }
    }
    expect(validatePurpose('rotate the key sk-proj-…AbCd before launch').ok).toBe(true);
    expect(validatePurpose('a risk-assessment of the new model').ok).toBe(true);
  });

  it('returns the purpose trimmed', () => {
    expect(validatePurpose('  answer tickets  ')).toEqual({ ok: true, value: 'answer tickets' });
  });

  it('accepts exactly 10 and exactly 500 characters, counting emoji as one', () => {
    expect(validatePurpose('a'.repeat(10)).ok).toBe(true);
    expect(validatePurpose('🧾'.repeat(10)).ok).toBe(true);
    expect(validatePurpose('a'.repeat(500)).ok).toBe(true);
  });

  it('refuses a purpose under 10 characters', () => {
    expect(validatePurpose('   tickets   ')).toEqual({
      ok: false,
      error: {
        kind: 'too_short',
        message: 'Say in at least 10 characters what the key is for (you wrote 7), like "answer support tickets faster".',
      },
    });
  });

  it('refuses a purpose over 500 characters', () => {
    expect(validatePurpose('a'.repeat(501))).toEqual({
      ok: false,
      error: {
        kind: 'too_long',
        message: 'Keep the purpose to 500 characters or fewer (you wrote 501); a sentence or two is enough.',
      },
    });
  });
});

describe('parseLifetimeDays', () => {
  const limits = { defaultDays: 30, maxDays: 90 };

  it.each([
    [undefined, 30],
    [null, 30],
    ['', 30],
    ['  ', 30],
    ['45', 45],
    [45, 45],
    ['45d', 45],
    ['45 days', 45],
    ['1 day', 1],
    ['2w', 14],
    ['90', 90],
  ] as const)('reads %s as %i days', (input, expected) => {
    expect(parseLifetimeDays(input, limits)).toEqual({ ok: true, value: expected });
  });

  it('refuses zero and more than the maximum', () => {
    expect(parseLifetimeDays('0', limits)).toEqual({
      ok: false,
      error: { message: 'A key must live at least 1 day. Give a whole number of days from 1 to 90, like 30 or 30d.' },
    });
    expect(parseLifetimeDays('91', limits)).toEqual({
      ok: false,
      error: { message: 'Keys can live at most 90 days; you asked for 91. Give a whole number of days from 1 to 90, like 30 or 30d.' },
    });
    expect(parseLifetimeDays('13w', limits).ok).toBe(false);
  });

  it.each(['1.5', 'a month', '30h', 1.5, '1e2'])('refuses %s as not a number of days', (input) => {
    const result = parseLifetimeDays(input, limits);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toMatch(/is not a number of days\. Give a whole number of days from 1 to 90, like 30 or 30d\.$/);
  });
});

describe('parseLifetimeDays: a negative number', () => {
  it('says the lifetime must be a positive whole number of days', () => {
    const result = parseLifetimeDays('-5', { defaultDays: 30, maxDays: 90 });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.message).toBe(
      'A key\'s lifetime must be a positive whole number of days; "-5" is negative. Give a whole number of days from 1 to 90, like 30 or 30d.',
    );
  });
});
