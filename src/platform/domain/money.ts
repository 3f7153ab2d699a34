/**
 * Money as integer cents. Floats never touch an amount: text is parsed digit by digit (BigInt where a value could
 * be large), and OpenAI's decimal dollars are rounded on their decimal string, not by multiplying a float.
 */
import { err, ok, type Result } from './result.js';

/** A safe integer number of US cents. */
export type Cents = number & { readonly __brand: 'cents' };

export interface MoneyError {
  readonly message: string;
}

/** The largest amount a person may set: $1,000,000.00. */
export const MAX_AMOUNT_CENTS = 100_000_000 as Cents;

/**
 * Brands a number that is already integer cents (a stored value, a sum of Cents). Text from people goes through
 * `parseAmount`, and OpenAI's dollars through `dollarsToCents`; a non-integer here is a programming error.
 */
export const cents = (value: number): Cents => {
  if (!Number.isSafeInteger(value)) throw new RangeError(`cents must be a safe integer, got ${value}`);
  return (Object.is(value, -0) ? 0 : value) as Cents;
};

const ACCEPTED_FORMS = 'Use dollars like 500, $1,250.50 or 2.5k.';
const AMOUNT_SHAPE = /^\$?(?<int>[\d,]+)?(?:\.(?<frac>\d*))?(?<thousands>k)?$/i;
const THOUSANDS_GROUPS = /^[1-9]\d{0,2}(?:,\d{3})+$/;

const quoteInput = (text: string): string => {
  const chars = [...text];
  return `"${chars.length > 40 ? `${chars.slice(0, 40).join('')}…` : text}"`;
};

/**
 * Parses an amount of dollars typed by a person: `$1,250.50`, `1250.5`, `1250`, `2k`, `2.5k`, `$2k`.
 * Positive, at most 2 decimals (3 with `k`, i.e. whole dollars), at most $1,000,000.
 */
export const parseAmount = (text: string): Result<Cents, MoneyError> => {
  const input = text.trim().replace(/^\$\s+/, '$');
  if (input === '' || input === '$') return err({ message: `Give an amount. ${ACCEPTED_FORMS}` });
  if (/^-|^\$-|^\(/.test(input)) {
    return err({ message: `The amount must be positive; ${quoteInput(input)} is not. ${ACCEPTED_FORMS}` });
  }
  const match = AMOUNT_SHAPE.exec(input);
  const intText = match?.groups?.int;
  const fracText = match?.groups?.frac;
  if (!match || (intText === undefined && !fracText)) {
    return err({ message: `${quoteInput(input)} is not an amount. ${ACCEPTED_FORMS}` });
  }
  if (intText !== undefined && intText.includes(',') && !THOUSANDS_GROUPS.test(intText)) {
    return err({
      message: `${quoteInput(input)} has a comma out of place: commas go between groups of three digits, like 1,250 or 1,000,000. ${ACCEPTED_FORMS}`,
    });
  }
  const thousands = match.groups?.thousands !== undefined;
  const frac = fracText ?? '';
  if (!thousands && frac.length > 2) {
    return err({ message: `${quoteInput(input)} has more than 2 decimals; amounts go to the cent, like 1,250.50.` });
  }
  if (thousands && frac.length > 3) {
    return err({ message: `${quoteInput(input)} has more than 3 decimals; with k, write whole dollars, like 2.5k or 1.25k.` });
  }
  const scale = thousands ? 5 : 2;
  const wholeDollars = BigInt((intText ?? '0').replaceAll(',', ''));
  const total = wholeDollars * 10n ** BigInt(scale) + BigInt(frac.padEnd(scale, '0'));
  if (total === 0n) return err({ message: `The amount must be more than $0.00. ${ACCEPTED_FORMS}` });
  if (total > BigInt(MAX_AMOUNT_CENTS)) {
    return err({ message: `${quoteInput(input)} is too large: the most is ${formatCents(MAX_AMOUNT_CENTS)}.` });
  }
  return ok(Number(total) as Cents);
};

const groupThousands = (digits: string): string => digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/** `$1,250.50`; negative amounts (credits) as `-$12.50`. */
export const formatCents = (amount: Cents): string => {
  const magnitude = Math.abs(amount);
  const dollars = Math.trunc(magnitude / 100);
  const rest = magnitude % 100;
  return `${amount < 0 ? '-' : ''}$${groupThousands(String(dollars))}.${String(rest).padStart(2, '0')}`;
};

const DECIMAL_SHAPE = /^(?<sign>[+-])?(?<int>\d*)(?:\.(?<frac>\d*))?(?:e(?<exp>[+-]?\d{1,4}))?$/i;

/**
 * OpenAI's decimal dollars (a number, read through its shortest decimal form, which is the value OpenAI sent in its
 * JSON; or a decimal string such as "12.50" or "0.000123", exponent allowed; negative for credits) as an integer
 * count of 10^-`decimals` dollars, rounding the digits beyond half away from zero (so a credit rounds like the
 * charge it offsets). Errors: not a decimal number, not finite, or beyond 2^53 units.
 */
export const dollarsToScaledInteger = (value: number | string, decimals: number): Result<number, MoneyError> => {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    return err({ message: `OpenAI sent a cost that is not a number (${value}).` });
  }
  if (typeof value !== 'number' && typeof value !== 'string') {
    return err({ message: 'OpenAI sent a cost that is neither a number nor a decimal string.' });
  }
  const text = typeof value === 'number' ? String(value) : value.trim();
  const match = DECIMAL_SHAPE.exec(text);
  const intDigits = match?.groups?.int ?? '';
  const fracDigits = match?.groups?.frac ?? '';
  if (!match || intDigits.length + fracDigits.length === 0) {
    return err({ message: `OpenAI sent a cost that is not a decimal number: ${quoteInput(text)}.` });
  }
  const exponent = Number(match.groups?.exp ?? '0');
  const digits = intDigits + fracDigits;
  // Where the kept digits end in `digits` once the exponent moves the decimal point, `decimals` places past it.
  const end = intDigits.length + exponent + decimals;
  if (end > 40) return err({ message: `OpenAI sent a cost too large to count: ${quoteInput(text)}.` });
  let kept: string;
  let next: string;
  if (end <= 0) {
    kept = '0';
    next = end === 0 ? (digits[0] ?? '0') : '0';
  } else {
    kept = digits.slice(0, end).padEnd(end, '0');
    next = digits[end] ?? '0';
  }
  const magnitude = BigInt(kept) + (next >= '5' ? 1n : 0n);
  if (magnitude > BigInt(Number.MAX_SAFE_INTEGER)) {
    return err({ message: `OpenAI sent a cost too large to count: ${quoteInput(text)}.` });
  }
  const signed = match.groups?.sign === '-' ? -Number(magnitude) : Number(magnitude);
  return ok(Object.is(signed, -0) ? 0 : signed);
};

/** OpenAI's decimal dollars as cents, rounded half away from zero (see `dollarsToScaledInteger`). */
export const dollarsToCents = (value: number | string): Result<Cents, MoneyError> => {
  const scaled = dollarsToScaledInteger(value, 2);
  return scaled.ok ? ok(cents(scaled.value)) : scaled;
};
