import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cents, dollarsToCents, formatCents, MAX_AMOUNT_CENTS, parseAmount, type Cents } from '../../../src/platform/domain/money.js';

const RUNS = { numRuns: 5_000 };

const parsed = (text: string): number => {
  const result = parseAmount(text);
  if (!result.ok) throw new Error(`expected ${text} to parse, got: ${result.error.message}`);
  return result.value;
};

const rejection = (text: string): string => {
  const result = parseAmount(text);
  if (result.ok) throw new Error(`expected ${text} to be rejected, got ${result.value}`);
  return result.error.message;
};

const converted = (value: number | string): number => {
  const result = dollarsToCents(value);
  if (!result.ok) throw new Error(`expected ${value} to convert, got: ${result.error.message}`);
  return result.value;
};

/** Exact decimal half-up (away from zero) by BigInt arithmetic: the reference dollarsToCents must agree with. */
const referenceCents = (sign: '' | '-', whole: string, fraction: string): number => {
  const scaled = BigInt(whole + fraction);
  const places = fraction.length;
  let magnitude: bigint;
  if (places <= 2) magnitude = scaled * 10n ** BigInt(2 - places);
  else {
    const divisor = 10n ** BigInt(places - 2);
    magnitude = (scaled * 2n + divisor) / (2n * divisor);
  }
  return sign === '-' && magnitude !== 0n ? -Number(magnitude) : Number(magnitude);
};

describe('parseAmount', () => {
  it.each([
    ['$1,250.50', 125_050],
    ['1250.5', 125_050],
    ['1250', 125_000],
    ['2k', 200_000],
    ['2.5k', 250_000],
    ['$2k', 200_000],
    ['2K', 200_000],
    ['1.25k', 125_000],
    ['1.255k', 125_500],
    ['0.01', 1],
    ['.50', 50],
    ['5.', 500],
    ['$ 40', 4_000],
    ['  $1,000,000  ', 100_000_000],
    ['1,000k', 100_000_000],
    ['007', 700],
  ])('reads %s as %i cents', (text, expected) => {
    expect(parsed(text)).toBe(expected);
  });

  it('rejects an empty amount and shows the accepted forms', () => {
    expect(rejection('')).toBe('Give an amount. Use dollars like 500, $1,250.50 or 2.5k.');
    expect(rejection('$')).toContain('Give an amount.');
  });

  it.each(['-5', '$-5', '-$5', '(5)'])('rejects the negative amount %s', (text) => {
    expect(rejection(text)).toMatch(/^The amount must be positive; ".*" is not\. Use dollars like 500, \$1,250\.50 or 2\.5k\.$/);
  });

  it('rejects zero', () => {
    expect(rejection('0')).toBe('The amount must be more than $0.00. Use dollars like 500, $1,250.50 or 2.5k.');
    expect(rejection('$0.00')).toContain('more than $0.00');
    expect(rejection('0k')).toContain('more than $0.00');
  });

  it.each(['12,50', '1,2500', ',100', '1,,000', '1,000,00', '0,100', '1,'])(
    'rejects %s with a comma out of place',
    (text) => {
      expect(rejection(text)).toContain('has a comma out of place: commas go between groups of three digits, like 1,250 or 1,000,000.');
    },
  );

  it('rejects more than 2 decimals, and more than 3 with k', () => {
    expect(rejection('1.005')).toBe('"1.005" has more than 2 decimals; amounts go to the cent, like 1,250.50.');
    expect(rejection('1.2345k')).toBe('"1.2345k" has more than 3 decimals; with k, write whole dollars, like 2.5k or 1.25k.');
  });

  it('rejects amounts over $1,000,000', () => {
    expect(rejection('1,000,000.01')).toBe('"1,000,000.01" is too large: the most is $1,000,000.00.');
    expect(rejection('1001k')).toContain('too large');
    expect(rejection('99999999999999999999999999')).toContain('too large');
  });

  it.each(['abc', '12 50', '1e3', '$$5', '5 dollars', '１２３', '5kk', 'k', '2m', '€5', '5$'])(
    'rejects %s as not an amount',
    (text) => {
      expect(rejection(text)).toMatch(/is not an amount\. Use dollars like 500, \$1,250\.50 or 2\.5k\.$/);
    },
  );

  it('shortens very long input in its message', () => {
    const message = rejection('x'.repeat(500));
    expect(message.length).toBeLessThan(120);
    expect(message).toContain('…');
  });

  it('round-trips every formatted amount from 1 cent to $1,000,000', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: MAX_AMOUNT_CENTS }), (value) => {
        expect(parsed(formatCents(value as Cents))).toBe(value);
      }),
      RUNS,
    );
  });

  it('round-trips plain dollars-and-cents text for every amount up to $1,000,000', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: MAX_AMOUNT_CENTS }), (value) => {
        const text = `${Math.trunc(value / 100)}.${String(value % 100).padStart(2, '0')}`;
        expect(parsed(text)).toBe(value);
      }),
      RUNS,
    );
  });

  it('never throws on garbage, and anything it accepts is whole cents in range', () => {
    const alphabet = fc.constantFrom(...'0123456789$,.kK- e+()'.split(''));
    const garbage = fc.oneof(fc.string(), fc.string({ unit: alphabet, maxLength: 16 }), fc.string({ unit: 'grapheme' }));
    fc.assert(
      fc.property(garbage, (text) => {
        const result = parseAmount(text);
        if (result.ok) {
          expect(Number.isSafeInteger(result.value)).toBe(true);
          expect(result.value).toBeGreaterThan(0);
          expect(result.value).toBeLessThanOrEqual(MAX_AMOUNT_CENTS);
        } else {
          expect(result.error.message.length).toBeGreaterThan(0);
        }
      }),
      RUNS,
    );
  });
});

describe('formatCents', () => {
  it.each([
    [125_050, '$1,250.50'],
    [0, '$0.00'],
    [5, '$0.05'],
    [100, '$1.00'],
    [99_999, '$999.99'],
    [100_000_000, '$1,000,000.00'],
    [-1_250, '-$12.50'],
    [Number.MAX_SAFE_INTEGER, '$90,071,992,547,409.91'],
  ])('formats %i cents as %s', (value, expected) => {
    expect(formatCents(value as Cents)).toBe(expected);
  });
});

describe('cents', () => {
  it('brands safe integers and refuses anything else', () => {
    expect(cents(42)).toBe(42);
    expect(Object.is(cents(-0), 0)).toBe(true);
    expect(() => cents(1.5)).toThrow(RangeError);
    expect(() => cents(Number.NaN)).toThrow(RangeError);
    expect(() => cents(2 ** 60)).toThrow(RangeError);
  });
});

describe('dollarsToCents', () => {
  it.each([
    ['12.50', 1_250],
    ['0.000123', 0],
    ['0.005', 1],
    ['0.00499999', 0],
    ['1.005', 101],
    ['2.675', 268],
    ['-2.675', -268],
    ['-0.004', 0],
    ['100', 10_000],
    ['  3.1 ', 310],
    ['+7', 700],
    ['.5', 50],
    ['1e2', 10_000],
    ['1.5E-2', 2],
    ['5e-3', 1],
    ['4.9e-3', 0],
  ] as const)('converts the string %s to %i cents', (text, expected) => {
    expect(converted(text)).toBe(expected);
  });

  it.each([
    [1.005, 101],
    [0.125, 13],
    [12.5, 1_250],
    [-0.125, -13],
    [1e-7, 0],
    [0.07, 7],
    [1234.565, 123_457],
    [0, 0],
  ])('converts the number %d through its decimal form to %i cents', (value, expected) => {
    expect(converted(value)).toBe(expected);
  });

  it('never gives minus zero', () => {
    expect(Object.is(converted('-0.001'), 0)).toBe(true);
    expect(Object.is(converted(-0), 0)).toBe(true);
  });

  it.each(['', 'abc', '1.2.3', '--1', '1,000.00', 'NaN', 'Infinity', '.', 'e5', '$5'])('rejects the string "%s"', (text) => {
    const result = dollarsToCents(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toMatch(/^OpenAI sent a cost that is not a decimal number: ".*"\.$/);
  });

  it('rejects numbers that are not finite and amounts too large to count', () => {
    for (const value of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      const result = dollarsToCents(value);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error.message).toContain('not a number');
    }
    for (const value of ['1e300', 1e21, '99999999999999999999']) {
      const result = dollarsToCents(value);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error.message).toContain('too large to count');
    }
  });

  it('agrees with exact decimal half-up on random decimal strings', () => {
    const digits = (min: number, max: number) =>
      fc.string({ unit: fc.constantFrom(...'0123456789'.split('')), minLength: min, maxLength: max });
    fc.assert(
      fc.property(fc.constantFrom('' as const, '-' as const), digits(1, 12), digits(0, 12), (sign, whole, fraction) => {
        const text = `${sign}${whole}${fraction === '' ? '' : `.${fraction}`}`;
        expect(converted(text)).toBe(referenceCents(sign, whole, fraction));
      }),
      RUNS,
    );
  });

  it('agrees with exact decimal half-up on random JSON numbers', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e9, max: 1e9, noNaN: true }), (value) => {
        const [mantissa = '', exponentText] = String(value).split('e');
        const exponent = Number(exponentText ?? 0);
        const sign = mantissa.startsWith('-') ? '-' : '';
        const [whole = '0', fraction = ''] = mantissa.replace('-', '').split('.');
        // Shift the decimal point by hand to get the plain decimal the reference expects.
        const allDigits = whole + fraction;
        const point = whole.length + exponent;
        const plainWhole = point <= 0 ? '0' : allDigits.slice(0, point).padEnd(point, '0');
        const plainFraction = point <= 0 ? '0'.repeat(-point) + allDigits : allDigits.slice(Math.max(point, 0));
        expect(converted(value)).toBe(referenceCents(sign, plainWhole, plainFraction));
      }),
      RUNS,
    );
  });

  it('never throws on garbage strings', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const result = dollarsToCents(text);
        if (result.ok) expect(Number.isSafeInteger(result.value)).toBe(true);
      }),
      RUNS,
    );
  });
});
