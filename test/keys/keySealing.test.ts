/** AES-256-GCM sealing of a key waiting to be revealed. */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openSecret, sealSecret } from '../../src/keys/keySealing.js';

const KEY = randomBytes(32);
const OTHER_KEY = randomBytes(32);
const PLAINTEXT = `sk-svcacct-${randomBytes(24).toString('base64url')}`;
const REQUEST_ID = 'req_abcdefghij';

/** Flips one bit of one base64url segment of a sealed blob (0 version, 1 iv, 2 tag, 3 body). */
function tamper(sealed: string, segment: number): string {
  const parts = sealed.split('.');
  const bytes = Buffer.from(parts[segment]!, 'base64url');
  bytes[0] = bytes[0]! ^ 0x01;
  parts[segment] = bytes.toString('base64url');
  return parts.join('.');
}

describe('sealSecret and openSecret', () => {
  it('round-trips with the same key and associated data', () => {
    const sealed = sealSecret(KEY, PLAINTEXT, REQUEST_ID);
    expect(openSecret(KEY, sealed, REQUEST_ID)).toBe(PLAINTEXT);
    expect(openSecret(KEY, sealSecret(KEY, 'ünïcödé 🚀', REQUEST_ID), REQUEST_ID)).toBe('ünïcödé 🚀');
    expect(openSecret(KEY, sealSecret(KEY, '', REQUEST_ID), REQUEST_ID)).toBe('');
  });

  it('never shows the plaintext in the sealed form', () => {
    const sealed = sealSecret(KEY, PLAINTEXT, REQUEST_ID);
    expect(sealed).not.toContain(PLAINTEXT);
    expect(sealed).not.toContain(PLAINTEXT.slice(11));
    expect(sealed.split('.')).toHaveLength(4);
    expect(sealed.startsWith('v1.')).toBe(true);
  });

  it('seals the same text differently every time', () => {
    const a = sealSecret(KEY, PLAINTEXT, REQUEST_ID);
    const b = sealSecret(KEY, PLAINTEXT, REQUEST_ID);
    expect(a).not.toBe(b);
    expect(a.split('.')[1]).not.toBe(b.split('.')[1]);
    expect(openSecret(KEY, b, REQUEST_ID)).toBe(PLAINTEXT);
  });

  it('opens nothing with the wrong key', () => {
    expect(openSecret(OTHER_KEY, sealSecret(KEY, PLAINTEXT, REQUEST_ID), REQUEST_ID)).toBeNull();
  });

  it('opens nothing for another request (wrong associated data)', () => {
    const sealed = sealSecret(KEY, PLAINTEXT, REQUEST_ID);
    expect(openSecret(KEY, sealed, 'req_otherother')).toBeNull();
    expect(openSecret(KEY, sealed, '')).toBeNull();
  });

  it.each([
    ['iv', 1],
    ['tag', 2],
    ['body', 3],
  ])('opens nothing when the %s was tampered with', (_name, segment) => {
    expect(openSecret(KEY, tamper(sealSecret(KEY, PLAINTEXT, REQUEST_ID), segment), REQUEST_ID)).toBeNull();
  });

  it('opens nothing from malformed blobs', () => {
    const sealed = sealSecret(KEY, PLAINTEXT, REQUEST_ID);
    const [, iv, tag, body] = sealed.split('.');
    for (const blob of ['', 'v1', `v1.${iv}`, `v1.${iv}.${tag}`, `v2.${iv}.${tag}.${body}`, `v1.${iv}.${tag}.${body!.slice(0, -2)}`, `v1.${iv}..${body}`, 'not.a.sealed.blob']) {
      expect(openSecret(KEY, blob, REQUEST_ID), blob).toBeNull();
    }
  });

  it.each([4, 8, 12, 15])('opens nothing with the tag cut to %i bytes (a shorter tag is easier to forge)', (bytes) => {
    const [version, iv, tag, body] = sealSecret(KEY, PLAINTEXT, REQUEST_ID).split('.');
    const short = Buffer.from(tag!, 'base64url').subarray(0, bytes).toString('base64url');
    expect(openSecret(KEY, [version, iv, short, body].join('.'), REQUEST_ID)).toBeNull();
  });
});
