import { describe, expect, it } from 'vitest';
import { limitRequestIdOf } from '../../../src/limits/domain/limitRequest.js';

describe('limitRequestIdOf', () => {
  it('makes `lim_` and ten lower-case letters and digits from 8 bytes', () => {
    expect(limitRequestIdOf(Uint8Array.from([0x00, 0x10, 0x83, 0x10, 0x51, 0x87, 0x20, 0x92]))).toBe('lim_abcdefghij');
    expect(limitRequestIdOf(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]))).toMatch(/^lim_[a-z0-9]{10}$/);
  });

  it('pads with `x` when dropping `-` and `_` leaves fewer than ten', () => {
    expect(limitRequestIdOf(new Uint8Array(8).fill(0xff))).toBe('lim_8xxxxxxxxx');
  });
});
