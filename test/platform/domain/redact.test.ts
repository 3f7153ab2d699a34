import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { redactSecret } from '../../../src/platform/domain/redact.js';

describe('redactSecret', () => {
  it('keeps the public kind prefix and the last 4 characters', () => {
    expect(redactSecret('sk-svcacct-9xQ2LmNoPqRsTuVwXyZ0123456789abcdefAbCd')).toBe('sk-svcacct-…AbCd');
    expect(redactSecret('sk-proj-abcdefghijklmnopqrstuvwxWXYZ')).toBe('sk-proj-…WXYZ');
    expect(redactSecret('sk-admin-1234abcd5678efgh')).toBe('sk-admin-…efgh');
    expect(redactSecret('sk-abcdefghijklmnop123')).toBe('sk-…p123');
  });

  it('shows no prefix for values of an unknown kind', () => {
    expect(redactSecret('ghp_abcdefghijklmnopqrstuvwxyz12')).toBe('…yz12');
    expect(redactSecret('sk-AbCdEfGh-rest-of-the-secret-value')).toBe('sk-…alue');
  });

  it('reveals at most a quarter of a short secret', () => {
    expect(redactSecret('abcdefgh')).toBe('…gh');
    expect(redactSecret('abcdefghijkl')).toBe('…jkl');
    expect(redactSecret('abc')).toBe('…');
    expect(redactSecret('sk-svcacct-abcd')).toBe('sk-svcacct-…d');
    expect(redactSecret('sk-svcacct-')).toBe('sk-svcacct-…');
    expect(redactSecret('')).toBe('…');
  });

  it('counts characters, not UTF-16 units', () => {
    expect(redactSecret('🔑🔑🔑🔑🔑🔑🔑🔒')).toBe('…🔑🔒');
  });

  it('never shows more than 4 trailing characters nor more than a quarter of the secret', () => {
    fc.assert(
      fc.property(fc.constantFrom('', 'sk-', 'sk-proj-', 'sk-svcacct-', 'sk-admin-'), fc.string({ maxLength: 80 }), (prefix, secret) => {
        const redacted = redactSecret(prefix + secret);
        const [shownPrefix = '', tail = ''] = redacted.split('…');
        expect(prefix.startsWith(shownPrefix) || (prefix + secret).startsWith(shownPrefix)).toBe(true);
        const revealed = [...(prefix + secret)].length - [...shownPrefix].length;
        const tailLength = [...tail].length;
        expect(tailLength).toBeLessThanOrEqual(4);
        expect(tailLength).toBeLessThanOrEqual(Math.floor(revealed / 4));
        expect((prefix + secret).endsWith(tail)).toBe(true);
      }),
      { numRuns: 5_000 },
    );
  });
});
