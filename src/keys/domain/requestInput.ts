/**
 * What a key request asks for, as a person types it in the form or after `/openai-key request`: a purpose (what the
 * key is for, read by approvers) and a lifetime in days. Pure: the limits on the lifetime come from the caller
 * (settings), the purpose's from here, so the form (keys/render/modals.ts) and these checks agree.
 */
import { secretLeftIn } from '../../platform/domain/redact.js';
import { err, ok, type Result } from '../../platform/domain/result.js';

export interface PurposeError {
  readonly kind: 'too_short' | 'too_long' | 'holds_secret';
  readonly message: string;
}

export interface LifetimeError {
  readonly message: string;
}

/** the fewest characters (code points, once trimmed) a purpose may have */
export const PURPOSE_MIN_CHARS = 10;
/** the most characters (code points, once trimmed) a purpose may have */
export const PURPOSE_MAX_CHARS = 500;

/**
 * A purpose is PURPOSE_MIN_CHARS (10) to PURPOSE_MAX_CHARS (500) characters once trimmed, with no OpenAI key or Slack
 * token in it (approvers read it, and it is kept with the request); returns it trimmed.
 */
export const validatePurpose = (text: string): Result<string, PurposeError> => {
  const purpose = text.trim();
  const length = [...purpose].length;
  if (length < PURPOSE_MIN_CHARS) {
    return err({
      kind: 'too_short',
      message: `Say in at least ${PURPOSE_MIN_CHARS} characters what the key is for (you wrote ${length}), like "answer support tickets faster".`,
    });
  }
  if (length > PURPOSE_MAX_CHARS) {
    return err({
      kind: 'too_long',
      message: `Keep the purpose to ${PURPOSE_MAX_CHARS} characters or fewer (you wrote ${length}); a sentence or two is enough.`,
    });
  }
  const secret = secretLeftIn(purpose, 'purpose');
  if (secret !== null) return err({ kind: 'holds_secret', message: secret });
  return ok(purpose);
};

/**
 * A key's lifetime in whole days: `30`, `30d`, `30 days`, `2w`; empty (or null) means `defaultDays`. From 1 to
 * `maxDays`; anything else (a negative number, a fraction, another unit, too many days) is refused with the words
 * to show the person.
 */
export const parseLifetimeDays = (
  input: string | number | null | undefined,
  limits: { readonly defaultDays: number; readonly maxDays: number },
): Result<number, LifetimeError> => {
  const forms = `Give a whole number of days from 1 to ${limits.maxDays}, like 30 or 30d.`;
  if (input === null || input === undefined) return ok(limits.defaultDays);
  const text = String(input).trim().toLowerCase().replace(/\s+/g, ' ');
  if (text === '') return ok(limits.defaultDays);
  if (/^[-−]\s*\d/.test(text)) return err({ message: `A key's lifetime must be a positive whole number of days; "${String(input).trim()}" is negative. ${forms}` });
  const match = /^(\d{1,6})(?: ?(d|days?|w|weeks?))?$/.exec(text);
  if (!match) return err({ message: `"${String(input).trim()}" is not a number of days. ${forms}` });
  const days = Number(match[1]) * (match[2]?.startsWith('w') ? 7 : 1);
  if (days < 1) return err({ message: `A key must live at least 1 day. ${forms}` });
  if (days > limits.maxDays) {
    return err({ message: `Keys can live at most ${limits.maxDays} days; you asked for ${days}. ${forms}` });
  }
  return ok(days);
};
