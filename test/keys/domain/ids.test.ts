import { describe, expect, it } from 'vitest';
import { draftIdOf, requestIdOf, serviceAccountName } from '../../../src/keys/domain/ids.js';

describe('key request ids', () => {
  it('makes `req_` and ten base32 characters from 7 bytes', () => {
    expect(requestIdOf(new Uint8Array(7))).toBe('req_aaaaaaaaaa');
    expect(requestIdOf(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]))).toBe('req_7777777777');
    expect(requestIdOf(Uint8Array.from([1, 2, 3, 4, 5, 6, 7]))).toMatch(/^req_[a-z2-7]{10}$/);
  });

  it('makes a draft id from the base32 of all its bytes', () => {
    expect(draftIdOf(new Uint8Array(10))).toBe(`draft_${'a'.repeat(16)}`);
  });

  it('names a request’s service account after the request', () => {
    expect(serviceAccountName('req_k3m9x2abqp')).toBe('keywarden-req_k3m9x2abqp');
  });
});
