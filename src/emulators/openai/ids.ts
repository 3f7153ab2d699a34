import { randomBytes, randomInt } from 'node:crypto';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** `pickBelow(n)` returns an integer in [0, n); the seeded demo passes its own PRNG so its ids repeat run after run. */
export type PickBelow = (n: number) => number;

export const cryptoPickBelow: PickBelow = (n) => randomInt(n);

export function alphanumeric(length: number, pickBelow: PickBelow = cryptoPickBelow): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHANUMERIC[pickBelow(ALPHANUMERIC.length)];
  return out;
}

export const projectId = (pickBelow?: PickBelow): string => `proj_${alphanumeric(24, pickBelow)}`;
export const serviceAccountId = (pickBelow?: PickBelow): string => `svc_acct_${alphanumeric(24, pickBelow)}`;
export const apiKeyId = (pickBelow?: PickBelow): string => `key_${alphanumeric(16, pickBelow)}`;
export const userId = (pickBelow?: PickBelow): string => `user-${alphanumeric(24, pickBelow)}`;
export const requestId = (): string => `req_${randomBytes(16).toString('hex')}`;

/** A service account key: `sk-svcacct-` and 48 url-safe characters, from the OS's CSPRNG. */
export function serviceAccountSecret(): string {
  return `sk-svcacct-${randomBytes(36).toString('base64url')}`;
}

export function userProjectSecret(): string {
  return `sk-proj-${randomBytes(36).toString('base64url')}`;
}

/** What OpenAI shows in place of a key after creation: the prefix and the last four characters. */
export function redactSecret(secret: string): string {
  const prefix = /^sk-(?:svcacct-|proj-)?/.exec(secret)?.[0] ?? '';
  return `${prefix}...${secret.slice(-4)}`;
}
