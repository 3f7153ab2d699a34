/**
 * A secret's value shown to people only as a hint: its public kind prefix and at most its last 4 characters.
 */

/** Public, non-secret prefixes of OpenAI keys, longest first. Nothing else before the `…` is ever shown. */
const KNOWN_PREFIXES = ['sk-svcacct-', 'sk-admin-', 'sk-proj-', 'sk-'] as const;

const TRAILING_SHOWN = 4;

/**
 * `sk-svcacct-…AbCd`. The trailing hint is at most 4 characters and at most a quarter of the secret part, so a
 * short value keeps most of itself hidden (`abcdefgh` → `…gh`, `abc` → `…`). Counts characters, not UTF-16 units.
 */
export const redactSecret = (value: string): string => {
  const prefix = KNOWN_PREFIXES.find((candidate) => value.startsWith(candidate)) ?? '';
  const secretPart = [...value.slice(prefix.length)];
  const shown = Math.min(TRAILING_SHOWN, Math.floor(secretPart.length / 4));
  return `${prefix}…${shown > 0 ? secretPart.slice(-shown).join('') : ''}`;
};
