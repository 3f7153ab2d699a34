/** The engine's own words on a request: the quorum's progress, who approved, its thread notes and refusals. */
import { describe, expect, it } from 'vitest';
import { approvalNotices, approvalProgressLines, approvedByOf } from '../../../src/approvals/render/thread.js';
import type { ApprovalDocument } from '../../../src/approvals/domain/document.js';

const project = { id: 'proj_research', name: 'Research' };

const doc = (over: Partial<ApprovalDocument> = {}): ApprovalDocument => ({
  id: 'req_abcdefghij',
  kind: 'key',
  state: 'pending',
  requesterId: 'U0REQ',
  projectId: project.id,
  projectName: project.name,
  createdAt: 0,
  decideBy: 3_600_000,
  version: 1,
  ...over,
});

describe('the quorum on the request message', () => {
  it('shows the approvals so far while more are needed, and nothing for a single approver with no votes', () => {
    expect(approvalProgressLines(doc())).toEqual([]);
    expect(approvalProgressLines(doc({ approvalsNeeded: 2 }))[0]).toContain('0 of 2 so far');
    const voted = doc({ approvalsNeeded: 2, votes: [{ userId: 'U0ALICE', at: 1 }] });
    expect(approvalProgressLines(voted)[0]).toBe('*Approvals*\n1 of 2 so far: <@U0ALICE>.');
  });

  it('names every approver who counted, or the rule that approved it, never keywarden as a mention', () => {
    expect(approvedByOf(doc({ decidedBy: 'U0BOB', votes: [{ userId: 'U0ALICE', at: 1 }, { userId: 'U0BOB', at: 2 }] }))).toBe('<@U0ALICE> and <@U0BOB>');
    expect(approvedByOf(doc({ decidedBy: 'U0BOB' }))).toBe('<@U0BOB>');
    const auto = approvedByOf(doc({ decidedBy: 'keywarden', autoApprovedBy: 'projects.Research.auto_approve', autoApprovedRule: { maxDays: 7, source: 'projects.Research.auto_approve' } }));
    expect(auto).toContain('`projects.Research.auto_approve`');
    expect(auto).toContain('keys of at most 7 days');
    expect(auto).not.toContain('<@keywarden>');
  });
});

describe('the engine’s thread notes and refusals', () => {
  it('tells a vote, a reminder to those still to decide and an escalation to the admins', () => {
    const note = (event: Parameters<typeof approvalNotices.threadNote>[1]) => approvalNotices.threadNote(doc(), event).text;
    expect(note({ kind: 'vote', by: 'U0ALICE', approvers: ['U0ALICE'], needed: 2 })).toContain('1 of 2 approvals: <@U0ALICE>. It needs 1 more.');
    expect(note({ kind: 'reminder', approvers: ['U0BOB', 'S0LEADS'], decideBy: 3_600_000 })).toMatch(/^:bell: Reminder for <@U0BOB> and <!subteam\^S0LEADS>/);
    expect(note({ kind: 'escalation', admins: ['U0ADMIN'], decideBy: 3_600_000 })).toMatch(/<@U0ADMIN>: nobody has decided this request yet/);
    expect(approvalNotices.dm(doc(), { kind: 'vote', by: 'U0ALICE', approvers: ['U0ALICE'], needed: 2 }, 'key request')).toBeNull();
  });

  it('refuses in plain words: another project’s approver, a second approval by the same person, a missing request', () => {
    const wording = { stateInWords: (s: string) => s, askAgainCommand: '`/openai-key request`' };
    const other = approvalNotices.refusalInWords('U0BOB', { kind: 'not_approver', projectName: 'Research', approvers: ['S0LEADS'], projectScoped: true }, wording);
    expect(other).toBe("<@U0BOB>, you are not an approver of project *Research*, so you can't decide this request: its approvers (<!subteam^S0LEADS>) or an admin can.");
    const twice = approvalNotices.refusalInWords('U0ALICE', { kind: 'already_voted', approvers: ['U0ALICE'], needed: 2 }, wording);
    expect(twice).toContain('you already approved this request, and one person counts once: 1 of 2 approvals so far');
    expect(approvalNotices.refusalInWords('U0ALICE', { kind: 'not_found' }, wording)).toBe('That request no longer exists.');
  });
});
