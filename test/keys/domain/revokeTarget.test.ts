import { describe, expect, it } from 'vitest';
import { openKeyRequest, type KeyRequest, type RequestState } from '../../../src/keys/domain/keyRequest.js';
import { chooseByMaskedKey, revokeTargetKind } from '../../../src/keys/domain/revokeTarget.js';

const request = (id: string, state: RequestState, createdAt: number): KeyRequest => ({
  ...openKeyRequest({ id, requesterId: 'U1', projectId: 'proj_1', projectName: 'One', purpose: 'a purpose long enough', lifetimeDays: 30 }, createdAt, 3_600_000),
  state,
});

describe('revokeTargetKind', () => {
  it('tells a request id, a masked key value and a key id apart by their shape', () => {
    expect(revokeTargetKind('req_k3m9x2abqp')).toBe('request');
    expect(revokeTargetKind('sk-svcacct-…nUAA')).toBe('masked');
    expect(revokeTargetKind('key_abc123')).toBe('key');
  });
});

describe('chooseByMaskedKey', () => {
  it('finds nothing among no matches', () => {
    expect(chooseByMaskedKey([])).toEqual({ kind: 'none' });
  });

  it('prefers the one live key over ended ones', () => {
    const live = request('req_live', 'active', 1);
    expect(chooseByMaskedKey([request('req_old', 'revoked', 2), live])).toEqual({ kind: 'one', request: live });
  });

  it('counts a key being made after approval as live, but not a pending request', () => {
    const making = request('req_making', 'provisioning', 1);
    expect(chooseByMaskedKey([request('req_pending', 'pending', 2), making])).toEqual({ kind: 'one', request: making });
  });

  it('calls several live keys ambiguous, newest first, and falls back to ended ones when none is live', () => {
    const [a, b] = [request('req_a', 'active', 1), request('req_b', 'awaiting_reveal', 2)];
    expect(chooseByMaskedKey([a, b])).toEqual({ kind: 'ambiguous', candidates: [b, a] });
    const [c, d] = [request('req_c', 'revoked', 3), request('req_d', 'expired', 4)];
    expect(chooseByMaskedKey([c, d])).toEqual({ kind: 'ambiguous', candidates: [d, c] });
  });
});
