/**
 * The ids of key requests and of held-back drafts, and the name of a request's service account at OpenAI. Pure:
 * the caller brings the random bytes.
 */

/** `req_` and ten base32 characters, from 7 random bytes (e.g. `req_k3m9x2abqp`). */
export const requestIdOf = (random: Uint8Array): string => `req_${base32(random).slice(0, 10)}`;

/** `draft_` and the base32 of 10 random bytes: the value of a "Send another request" button. */
export const draftIdOf = (random: Uint8Array): string => `draft_${base32(random)}`;

/** The service account a request's key belongs to: found again by this name after a crash. */
export const serviceAccountName = (requestId: string): string => `keywarden-${requestId}`;

/** Lower-case RFC 4648 base32 without padding. */
function base32(bytes: Uint8Array): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}
