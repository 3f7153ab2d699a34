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

// The lookbehind keeps words such as "risk-assessment" intact; the `\\[nrtbf]` alternative still
// catches a token right after an escape like \n when scrubbing a serialized JSON line.
const TOKEN_START = String.raw`(?:(?<![A-Za-z0-9])|(?<=\\[nrtbf]))`;
/** What a secret looks like in text: OpenAI keys, Slack tokens and bearer tokens (global: use with `replace` or `search`). */
export const SECRET_PATTERNS: readonly RegExp[] = [
  // OpenAI: sk-..., sk-proj-..., sk-admin-..., sk-svcacct-... A hint such as `sk-svcacct-…AbCd`
  // (prefix, ellipsis, last characters; see redactSecret above) is meant to be shown, so it is kept.
  new RegExp(`${TOKEN_START}sk-(?!(?:svcacct|admin|proj)-\u2026)[A-Za-z0-9_-]{8,}`, 'g'),
  // Slack bot, user, app-level, configuration and rotated tokens.
  new RegExp(`${TOKEN_START}xox[abeposr](?:\\.xox[a-z])?-[A-Za-z0-9-]+`, 'g'),
  new RegExp(`${TOKEN_START}xapp-[A-Za-z0-9-]+`, 'g'),
  /\bBearer\s+[A-Za-z0-9._~+/=-]{8,}/g,
];

/**
 * For free text people type that keywarden shows to others and stores (a key request's purpose, a limit change's
 * reason): the words asking them to leave out a secret it holds (an OpenAI key, a Slack token), or null when there is none.
 */
export const secretLeftIn = (text: string, what: string): string | null =>
  SECRET_PATTERNS.some((pattern) => text.search(pattern) >= 0)
    ? `Leave the key or token out of the ${what}: approvers and the approval channel read it. Say in words what it is for instead.`
    : null;
