/** The approval policy in words, for `/openai-key policy`. */
import { describe, expect, it } from 'vitest';
import { policyLines, renderPolicy } from '../../../src/approvals/render/policy.js';
import { effectivePolicy, policyFromDocument, type EnvironmentPolicy } from '../../../src/approvals/domain/policy.js';

const env: EnvironmentPolicy = { approvers: ['U0ENVAPPR'], admins: ['U0ADMIN'], requestTtlMs: 72 * 3_600_000 };
const project = { id: 'proj_research', name: 'Research' };

const policyOf = (yaml: object) => {
  const parsed = policyFromDocument(yaml, env.admins);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.error));
  return parsed.value;
};

describe('the policy in words', () => {
  it('says who approves, how many, how long, reminders and the auto-approve rule', () => {
    const policy = policyOf({
      projects: { Research: { approvers: ['S0LEADS', 'U0ALICE'], approvals: 2, remind_after: '4h', escalate_after: '1d', auto_approve: { max_days: 7, requesters: ['S0RESEARCH'] } } },
    });
    const lines = policyLines(effectivePolicy(policy, env, project, 'key')).join('\n');
    expect(lines).toContain('Approvers: <!subteam^S0LEADS> and <@U0ALICE>; admins (<@U0ADMIN>) may always decide.');
    expect(lines).toContain('Approvals needed: 2 different approvers');
    expect(lines).toContain('Time to decide: 3 days');
    expect(lines).toContain('Reminder: after 4 hours');
    expect(lines).toContain('Escalation: after 1 day, to the admins');
    expect(lines).toContain('Auto-approve: keys of at most 7 days, requested by <!subteam^S0RESEARCH> (rule `projects.Research.auto_approve`)');
  });

  it('falls back to the environment, with no reminder and no auto-approval, and says where the policy came from', () => {
    const policy = policyOf({});
    const effective = effectivePolicy(policy, env, project, 'limit');
    expect(policyLines(effective).join('\n')).toMatch(/Approvers: <@U0ENVAPPR>.*\n.*one approver[\s\S]*Reminder: none[\s\S]*Escalation: none[\s\S]*Auto-approve: never/);
    const message = renderPolicy([{ projectName: null, byKind: [{ kind: 'limit', policy: effective }] }], { fromFile: false });
    const text = JSON.stringify(message.blocks);
    expect(text).toContain('*Defaults*');
    expect(text).toContain('Spend limit changes');
    expect(text).toContain('No policy file is set');
    expect(text).not.toMatch(/undefined|null|NaN/);
  });
});
