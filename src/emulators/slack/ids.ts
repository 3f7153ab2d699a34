import { randomBytes, randomInt } from 'node:crypto';

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const HASH_ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

function randomString(alphabet: string, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/** An id in Slack's style: a type letter and upper-case alphanumerics, e.g. V0A1B2C3D4E. */
export function slackId(prefix: string, length = 10): string {
  return prefix + randomString(ID_ALPHABET, length);
}

/** A view hash like Slack's: '1763800000.AbCd1234'. */
export function viewHash(nowMs: number): string {
  return `${Math.floor(nowMs / 1000)}.${randomString(HASH_ALPHABET, 8)}`;
}

/** A trigger id like Slack's: '<seconds>.<digits>.<32 hex>'. */
export function triggerId(nowMs: number): string {
  return `${Math.floor(nowMs / 1000)}.${randomInt(1e9, 1e10)}.${randomBytes(16).toString('hex')}`;
}

export function randomToken(bytes = 16): string {
  return randomBytes(bytes).toString('hex');
}

export function formatTs(micros: number): string {
  return `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, '0')}`;
}

/**
 * Message timestamps: unique and strictly increasing even when the clock stands still
 * (an injected `now`), stepping 100 µs like '1763800000.000100', '1763800000.000200'.
 */
export function createTsClock(now: () => number): () => string {
  let lastMicros = 0;
  return () => {
    const micros = Math.max(Math.floor(now() * 1000), lastMicros + 100);
    lastMicros = micros;
    return formatTs(micros);
  };
}

/** Slack's permalink form of a ts: 'p' and the ts without its dot. */
export function permalinkPart(ts: string): string {
  return `p${ts.replace('.', '')}`;
}
