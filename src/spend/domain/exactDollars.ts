/**
 * Exact sums of OpenAI's decimal dollars. Costs arrive per day and project as decimal dollars (`amount.value`, a JSON
 * number or a string such as "12.50" or "0.0049999"); rounding each to cents before adding makes the same spend
 * split across more days or buckets come out a cent or more apart. So amounts are read as integer micro-cents
 * (millionths of a cent, 10^-8 US dollars: the unit usage prices use too, see prices.ts), added as integers, and
 * rounded half-up to cents once: when a total is shown or compared with a limit.
 *
 * The sandbox page calls `dollarsToMicroCents` / `sumDollarsToMicroCents` and `roundMicroCentsToCents` so that its
 * totals and keywarden's alerts show the same cents.
 */
import { cents, dollarsToScaledInteger, type Cents, type MoneyError } from '../../platform/domain/money.js';
import { err, ok, type Result } from '../../platform/domain/result.js';

/** Micro-cents per US dollar: an amount in micro-cents is exact to 8 decimals of a dollar. */
export const MICRO_CENTS_PER_DOLLAR = 100_000_000;
const MICRO_CENTS_PER_CENT = 1_000_000;
/** Decimal places of a dollar that micro-cents hold exactly. */
const DOLLAR_DECIMALS = 8;

/**
 * OpenAI's decimal dollars (a number, read through its shortest decimal form, which is what the JSON carried; or a
 * decimal string, exponent allowed; negative for credits) as integer micro-cents (10^-8 USD). Digits beyond the 8th
 * decimal are rounded half away from zero: a float such as 0.30000000000000004 reads as 0.3 exactly.
 * Errors: not a decimal number, not finite, or more than about $90 million in one amount (past 2^53 micro-cents).
 */
export const dollarsToMicroCents = (value: number | string): Result<number, MoneyError> => dollarsToScaledInteger(value, DOLLAR_DECIMALS);

/**
 * Adds integer micro-cents; a RangeError if the sum leaves the safe integers (about ±$90 million), where adding
 * numbers would stop being exact.
 */
export const addMicroCents = (a: number, b: number): number => {
  const sum = a + b;
  if (!Number.isSafeInteger(sum)) throw new RangeError(`a spend total of ${a} + ${b} micro-cents is too large to count exactly`);
  return sum;
};

/**
 * Integer micro-cents (signed) to cents, rounded half-up: half away from zero, so a credit rounds like the charge it
 * offsets, as `dollarsToCents` does. Call it once per total, never per row.
 */
export const roundMicroCentsToCents = (microCents: number): Cents => {
  if (!Number.isSafeInteger(microCents)) throw new RangeError(`micro-cents must be a safe integer, got ${microCents}`);
  const magnitude = Math.abs(microCents);
  const whole = Math.floor(magnitude / MICRO_CENTS_PER_CENT);
  const rest = magnitude - whole * MICRO_CENTS_PER_CENT;
  const rounded = rest * 2 >= MICRO_CENTS_PER_CENT ? whole + 1 : whole;
  return cents(microCents < 0 ? -rounded : rounded);
};

/** The exact sum of many decimal-dollar amounts, in micro-cents; the first unreadable amount is the error. */
export const sumDollarsToMicroCents = (values: Iterable<number | string>): Result<number, MoneyError> => {
  let total = 0;
  for (const value of values) {
    const micro = dollarsToMicroCents(value);
    if (!micro.ok) return micro;
    const sum = total + micro.value;
    if (!Number.isSafeInteger(sum)) return err({ message: 'The costs add up to more than keywarden can count exactly (about $90 million).' });
    total = sum;
  }
  return ok(total);
};

/**
 * The total of many decimal-dollar amounts in cents: summed exactly, rounded half-up once. The same spend split
 * any way across days, buckets or pages gives the same cents. E.g. ["0.004", "0.004"] → 1 cent (not 0 + 0).
 */
export const totalCentsOfDollars = (values: Iterable<number | string>): Result<Cents, MoneyError> => {
  const total = sumDollarsToMicroCents(values);
  return total.ok ? ok(roundMicroCentsToCents(total.value)) : total;
};
