import { describe, expect, it } from 'vitest';
import { openKeyRequest, type KeyRequest } from '../../../src/keys/domain/keyRequest.js';
import { RECONCILE_GRACE_MS, reconcileSteps } from '../../../src/keys/domain/reconcilePlan.js';

const NOW = Date.UTC(2026, 2, 10, 12);
const LONG_AGO = NOW - RECONCILE_GRACE_MS - 1;
const base = openKeyRequest({ id: 'req_aaaaaaaaaa', requesterId: 'U1', projectId: 'proj_1', projectName: 'One', purpose: 'a purpose long enough', lifetimeDays: 30 }, LONG_AGO, 3_600_000);
const request = (fields: Partial<KeyRequest>): KeyRequest => ({ ...base, messageTs: '1.2', ...fields });
const kinds = (r: KeyRequest) => reconcileSteps(r, NOW).map((s) => s.kind);

describe('reconcileSteps', () => {
  it('posts a message that was never posted, once the request has been quiet for the grace period', () => {
    expect(kinds(request({ messageTs: undefined }))).toEqual(['post-message', 'queue-request-expiry']);
    expect(kinds(request({ messageTs: undefined, createdAt: NOW - 1_000 }))).toEqual([]);
    expect(kinds(request({ messageTs: undefined, messageUnpostable: true }))).toEqual(['queue-request-expiry']);
  });

  it('queues the expiry of a pending request with the time left, and expires one past its deadline', () => {
    expect(reconcileSteps(request({ messageTs: undefined }), NOW).at(-1)).toEqual({ kind: 'queue-request-expiry', delayMs: base.decideBy - NOW });
    expect(kinds(request({ decideBy: NOW }))).toEqual(['expire-request']);
    expect(kinds(request({}))).toEqual([]);
  });

  it('queues provisioning for an approved request left quiet, and waits on one still provisioning', () => {
    expect(kinds(request({ state: 'approved', decidedAt: LONG_AGO }))).toEqual(['queue-provision']);
    expect(kinds(request({ state: 'approved', decidedAt: NOW - 1_000 }))).toEqual([]);
    expect(kinds(request({ state: 'provisioning' }))).toEqual([]);
  });

  it('revokes a key not revealed in time, and otherwise redoes the follow-ups of a key stored a while ago', () => {
    expect(kinds(request({ state: 'awaiting_reveal', revealBy: NOW, keyCreatedAt: LONG_AGO }))).toEqual(['expire-reveal']);
    expect(kinds(request({ state: 'awaiting_reveal', revealBy: NOW + 1, keyCreatedAt: LONG_AGO }))).toEqual(['finish-key-follow-ups']);
    expect(kinds(request({ state: 'awaiting_reveal', revealBy: NOW + 1, keyCreatedAt: NOW - 1_000 }))).toEqual([]);
  });

  it('ends a key past its lifetime only', () => {
    expect(kinds(request({ state: 'active', keyExpiresAt: NOW }))).toEqual(['expire-key']);
    expect(kinds(request({ state: 'active', keyExpiresAt: NOW + 1 }))).toEqual([]);
  });

  it('queues a deletion not yet confirmed, sweeps by name when no account is known after approval, then settles', () => {
    expect(kinds(request({ state: 'revoked', serviceAccountId: 'sa_1' }))).toEqual(['queue-deletion']);
    expect(kinds(request({ state: 'revoked', serviceAccountId: 'sa_1', serviceAccountDeletedAt: NOW }))).toEqual(['settle']);
    expect(kinds(request({ state: 'failed', decidedBy: 'U2' }))).toEqual(['sweep-by-name', 'settle']);
    expect(kinds(request({ state: 'expired', decidedBy: 'U2' }))).toEqual(['settle']);
    expect(kinds(request({ state: 'denied', messageTs: undefined }))).toEqual(['settle']);
    expect(kinds(request({ state: 'cancelled' }))).toEqual(['settle']);
  });
});
