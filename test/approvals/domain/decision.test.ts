import { describe, expect, it } from 'vitest';
import { approversStillToDecide, cancel, decide, nextNudgeAt, nudgesDue, type ApprovalFacts } from '../../../src/approvals/domain/decision.js';

const T0 = Date.UTC(2027, 1, 28, 23, 0);
const HOUR = 3_600_000;
const pending = (over: Partial<ApprovalFacts & { createdAt: number }> = {}): ApprovalFacts & { createdAt: number } => ({
  state: 'pending',
  requesterId: 'UREQ',
  createdAt: T0,
  decideBy: T0 + 72 * HOUR,
  approvalsNeeded: 1,
  ...over,
});
const approver = (userId: string) => ({ userId, mayDecide: true });

describe('deciding', () => {
  it('one approval approves a request that needs one', () => {
    const result = decide(pending(), approver('U1'), { kind: 'approve' }, T0 + 1);
    expect(result.ok && result.value).toMatchObject({ kind: 'approved', patch: { state: 'approved', decidedBy: 'U1', decidedAt: T0 + 1 } });
  });

  it('with a quorum of 2, the first approval is recorded and the second distinct approver approves', () => {
    const first = decide(pending({ approvalsNeeded: 2 }), approver('U1'), { kind: 'approve' }, T0 + 1);
    expect(first.ok && first.value).toMatchObject({ kind: 'vote_recorded', tally: { approvers: ['U1'], needed: 2, met: false } });
    if (!first.ok || first.value.kind !== 'vote_recorded') return;
    const afterFirst = pending({ approvalsNeeded: 2, votes: first.value.patch.votes });
    const again = decide(afterFirst, approver('U1'), { kind: 'approve' }, T0 + 2);
    expect(again.ok ? again.value : again.error).toMatchObject({ kind: 'already_voted', tally: { approvers: ['U1'] } });
    const second = decide(afterFirst, approver('U2'), { kind: 'approve' }, T0 + 3);
    expect(second.ok && second.value).toMatchObject({ kind: 'approved', tally: { approvers: ['U1', 'U2'], met: true }, patch: { decidedBy: 'U2' } });
  });

  it('the requester never counts, even as an admin', () => {
    expect(decide(pending(), approver('UREQ'), { kind: 'approve' }, T0 + 1)).toEqual({ ok: false, error: { kind: 'self_decision' } });
  });

  it('one Deny denies, even after an approval towards the quorum', () => {
    const result = decide(pending({ approvalsNeeded: 2, votes: [{ userId: 'U1', at: T0 }] }), approver('U2'), { kind: 'deny', reason: ' not now ' }, T0 + 1);
    expect(result.ok && result.value).toEqual({ kind: 'denied', patch: { state: 'denied', decidedBy: 'U2', decidedAt: T0 + 1, denyReason: 'not now' } });
  });

  it('a deny needs a reason', () => {
    expect(decide(pending(), approver('U1'), { kind: 'deny', reason: '  ' }, T0)).toEqual({ ok: false, error: { kind: 'reason_required' } });
  });

  it('refuses non-approvers, decided and expired requests', () => {
    expect(decide(pending(), { userId: 'U1', mayDecide: false }, { kind: 'approve' }, T0).ok).toBe(false);
    expect(decide(pending({ state: 'denied', decidedBy: 'U7' }), approver('U1'), { kind: 'approve' }, T0)).toEqual({
      ok: false,
      error: { kind: 'already_decided', state: 'denied', decidedBy: 'U7' },
    });
    expect(decide(pending(), approver('U1'), { kind: 'approve' }, T0 + 72 * HOUR)).toEqual({ ok: false, error: { kind: 'expired' } });
  });
});

describe('cancelling', () => {
  it('the requester or an admin may cancel a pending request', () => {
    expect(cancel(pending(), { userId: 'UREQ', isAdmin: false }, T0 + 5)).toEqual({ ok: true, value: { state: 'cancelled', cancelledBy: 'UREQ', decidedAt: T0 + 5 } });
    expect(cancel(pending(), { userId: 'UADM', isAdmin: true }, T0 + 5).ok).toBe(true);
    expect(cancel(pending(), { userId: 'U1', isAdmin: false }, T0 + 5)).toEqual({ ok: false, error: { kind: 'not_allowed' } });
    expect(cancel(pending({ state: 'approved', decidedBy: 'U1' }), { userId: 'UREQ', isAdmin: false }, T0).ok).toBe(false);
  });
});

describe('reminders and escalation', () => {
  const policy = { remindAfterMs: 4 * HOUR, escalateAfterMs: 24 * HOUR };

  it('fall due once each, and not after a decision', () => {
    expect(nudgesDue(pending(), policy, T0 + 4 * HOUR - 1)).toEqual([]);
    expect(nudgesDue(pending(), policy, T0 + 4 * HOUR)).toEqual(['remind']);
    expect(nudgesDue(pending({ remindedAt: T0 + 4 * HOUR }), policy, T0 + 24 * HOUR)).toEqual(['escalate']);
    expect(nudgesDue(pending(), policy, T0 + 25 * HOUR)).toEqual(['remind', 'escalate']);
    expect(nudgesDue(pending({ remindedAt: 1, escalatedAt: 2 }), policy, T0 + 50 * HOUR)).toEqual([]);
    expect(nudgesDue(pending({ state: 'approved' }), policy, T0 + 25 * HOUR)).toEqual([]);
    expect(nudgesDue(pending(), policy, T0 + 72 * HOUR)).toEqual([]);
  });

  it('none without a policy for them; the next one is scheduled before the deadline only', () => {
    expect(nudgesDue(pending(), { remindAfterMs: null, escalateAfterMs: null }, T0 + 50 * HOUR)).toEqual([]);
    expect(nextNudgeAt(pending(), policy)).toBe(T0 + 4 * HOUR);
    expect(nextNudgeAt(pending({ remindedAt: 1 }), policy)).toBe(T0 + 24 * HOUR);
    expect(nextNudgeAt(pending({ decideBy: T0 + HOUR }), policy)).toBeNull();
  });

  it('the reminder mentions only the approvers still to decide', () => {
    expect(approversStillToDecide(pending({ approvalsNeeded: 2, votes: [{ userId: 'U1', at: T0 }] }), ['U1', 'U2', 'UREQ', 'S0GROUP'])).toEqual(['U2', 'S0GROUP']);
  });
});
