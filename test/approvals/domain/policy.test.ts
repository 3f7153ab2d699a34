import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  autoApprovalRule,
  describeAutoApproveRule,
  effectivePolicy,
  mayDecide,
  policyFromDocument,
  policyFromEnvironment,
  tally,
  type Policy,
} from '../../../src/approvals/domain/policy.js';

const HOUR = 3_600_000;
const env = { approvers: ['U0ENVAPPR'], admins: ['U0ADMIN'], requestTtlMs: 72 * HOUR };
const research = { id: 'proj_research', name: 'Research' };
const billing = { id: 'proj_billing', name: 'Billing' };

const ISSUE_EXAMPLE = `
defaults:
  approvers: [S0KEYAPPR, U0ALICE]
  approvals: 1
  request_ttl: 72h
  remind_after: 4h
  escalate_after: 24h
projects:
  research:
    approvers: [S0RESEARCHLEADS]
    approvals: 2
    auto_approve:
      max_days: 7
      requesters: [S0RESEARCH]
kinds:
  limit:
    approvals: 2
`;

function load(text: string): Policy {
  const policy = policyFromDocument(parse(text), env.admins);
  if (!policy.ok) throw new Error(JSON.stringify(policy.error));
  return policy.value;
}

describe('policy file', () => {
  it('reads the documented example', () => {
    const policy = load(ISSUE_EXAMPLE);
    expect(policy.defaults).toEqual({ approvers: ['S0KEYAPPR', 'U0ALICE'], approvals: 1, requestTtlMs: 72 * HOUR, remindAfterMs: 4 * HOUR, escalateAfterMs: 24 * HOUR });
    expect(policy.projects.research?.autoApprove).toEqual({ maxDays: 7, requesters: ['S0RESEARCH'], source: 'projects.research.auto_approve' });
    expect(policy.kinds.limit).toEqual({ approvals: 2 });
  });

  it('names every problem with its path and what was expected', () => {
    const result = policyFromDocument(
      parse(`
defaults:
  approvals: 0
  request_ttl: soon
  approver: [U1]
projects:
  research:
    approvers: [alice]
    auto_approve: {}
kinds:
  rotation: { approvals: 1 }
`),
      [],
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const paths = result.error.map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining(['defaults.approvals', 'defaults.request_ttl', 'projects.research.approvers.0', 'projects.research.auto_approve']));
    expect(result.error.find((p) => p.path === 'defaults.request_ttl')?.message).toMatch(/duration like 90s, 15m, 4h or 2d/);
    expect(result.error.find((p) => p.path === 'projects.research.approvers.0')?.message).toMatch(/"alice" is not a Slack user id/);
    // unknown keys are named too: a typo must not silently fall back to a laxer policy
    expect(result.error.some((p) => p.path.startsWith('defaults') && /approver/.test(p.message + p.path))).toBe(true);
    expect(result.error.some((p) => p.path.startsWith('kinds') && /rotation|kind/.test(p.message + p.path))).toBe(true);
  });

  it('takes an empty file as no overrides', () => {
    const policy = policyFromDocument(parse(''), ['U0ADMIN']);
    expect(policy.ok && effectivePolicy(policy.value, env, billing, 'key')).toMatchObject({ approvers: ['U0ENVAPPR'], approvals: 1, requestTtlMs: 72 * HOUR });
  });

  it('accepts s, m, h and d durations and off for reminders', () => {
    const policy = load(`defaults: { request_ttl: 90s, remind_after: 15m, escalate_after: 2d }\nprojects: { Billing: { remind_after: off } }`);
    expect(policy.defaults).toMatchObject({ requestTtlMs: 90_000, remindAfterMs: 15 * 60_000, escalateAfterMs: 48 * HOUR });
    expect(effectivePolicy(policy, env, billing, 'key').remindAfterMs).toBeNull();
    expect(effectivePolicy(policy, env, research, 'key').remindAfterMs).toBe(15 * 60_000);
  });
});

describe('precedence: kind > project > defaults > environment', () => {
  const policy = load(ISSUE_EXAMPLE);

  it('a project overrides the defaults field by field', () => {
    const p = effectivePolicy(policy, env, research, 'key');
    expect(p).toMatchObject({ approvers: ['S0RESEARCHLEADS'], approvals: 2, requestTtlMs: 72 * HOUR, remindAfterMs: 4 * HOUR, projectKey: 'research' });
  });

  it('finds a project by name regardless of case, and by id first', () => {
    expect(effectivePolicy(policy, env, { id: 'proj_x', name: 'RESEARCH' }, 'key').projectKey).toBe('research');
    const byId = load(`projects: { proj_research: { approvals: 3 }, Research: { approvals: 2 } }`);
    expect(effectivePolicy(byId, env, research, 'key').approvals).toBe(3);
  });

  it('a kind override wins over the project', () => {
    const both = load(`projects: { research: { approvals: 3 } }\nkinds: { limit: { approvals: 2 } }`);
    expect(effectivePolicy(both, env, research, 'limit').approvals).toBe(2);
    expect(effectivePolicy(both, env, research, 'key').approvals).toBe(3);
  });

  it('what the file leaves unset comes from the environment', () => {
    const p = effectivePolicy(load(`defaults: { approvals: 1 }`), env, billing, 'limit');
    expect(p).toMatchObject({ approvers: ['U0ENVAPPR'], requestTtlMs: 72 * HOUR, remindAfterMs: null, escalateAfterMs: null, autoApprove: null, projectKey: null });
  });

  it('without a file the policy is the environment', () => {
    expect(effectivePolicy(policyFromEnvironment(env), env, research, 'key')).toMatchObject({ approvers: ['U0ENVAPPR'], admins: ['U0ADMIN'], approvals: 1, requestTtlMs: 72 * HOUR });
  });
});

describe('who may decide', () => {
  const p = effectivePolicy(load(ISSUE_EXAMPLE), env, research, 'key');

  it('approvers by id or group, admins always', () => {
    expect(mayDecide(p, 'U0LEAD', ['S0RESEARCHLEADS'])).toBe(true);
    expect(mayDecide(p, 'U0ADMIN', [])).toBe(true);
    expect(mayDecide(p, 'U0ALICE', [])).toBe(false); // a defaults approver, but research names its own
    expect(mayDecide(p, 'U0OTHER', ['S0KEYAPPR'])).toBe(false);
  });
});

describe('quorum', () => {
  it('counts distinct approvers other than the requester', () => {
    const votes = [
      { userId: 'U1', at: 1 },
      { userId: 'U1', at: 2 },
      { userId: 'UREQ', at: 3 },
    ];
    expect(tally(votes, 'UREQ', 2)).toEqual({ approvers: ['U1'], needed: 2, met: false });
    expect(tally([...votes, { userId: 'U2', at: 4 }], 'UREQ', 2)).toEqual({ approvers: ['U1', 'U2'], needed: 2, met: true });
  });

  it('one approval meets a quorum of one', () => {
    expect(tally([{ userId: 'U1', at: 1 }], 'UREQ', 1).met).toBe(true);
    expect(tally([], 'UREQ', 1).met).toBe(false);
  });
});

describe('auto-approve', () => {
  const p = effectivePolicy(load(ISSUE_EXAMPLE), env, research, 'key');

  it('matches only when every condition holds', () => {
    expect(autoApprovalRule(p, { requesterId: 'U9', requesterGroupIds: ['S0RESEARCH'], lifetimeDays: 7 })?.source).toBe('projects.research.auto_approve');
    expect(autoApprovalRule(p, { requesterId: 'U9', requesterGroupIds: ['S0RESEARCH'], lifetimeDays: 8 })).toBeNull();
    expect(autoApprovalRule(p, { requesterId: 'U9', requesterGroupIds: [], lifetimeDays: 3 })).toBeNull();
  });

  it('a lifetime condition fails a kind without a lifetime', () => {
    expect(autoApprovalRule(p, { requesterId: 'U9', requesterGroupIds: ['S0RESEARCH'] })).toBeNull();
  });

  it('is described in words', () => {
    const rule = autoApprovalRule(p, { requesterId: 'U9', requesterGroupIds: ['S0RESEARCH'], lifetimeDays: 1 });
    expect(rule && describeAutoApproveRule(rule, (id) => `<!subteam^${id}>`)).toBe('keys of at most 7 days, requested by <!subteam^S0RESEARCH>');
  });
});
