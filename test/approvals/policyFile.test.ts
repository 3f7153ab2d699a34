import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { effectivePolicy } from '../../src/approvals/domain/policy.js';
import { describePolicyProblems, loadPolicySource, readPolicyFile } from '../../src/approvals/policyFile.js';

const env = { approvers: ['U0ENV'], admins: ['U0ADMIN'], requestTtlMs: 3_600_000 };
const project = { id: 'proj_1', name: 'Research' };
let dir: string;
let file: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kw-policy-'));
  file = join(dir, 'policy.yml');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('reading the policy file', () => {
  it('names a missing file', async () => {
    const read = await readPolicyFile(join(dir, 'nope.yml'), []);
    expect(read.ok ? [] : read.error).toEqual([{ path: join(dir, 'nope.yml'), message: 'no such file' }]);
  });

  it('names a YAML syntax error by line and column', async () => {
    await writeFile(file, 'defaults:\n  approvals: 1\n  approvers: [U1\n');
    const read = await readPolicyFile(file, []);
    expect(read.ok).toBe(false);
    if (!read.ok) expect(read.error[0]?.path).toMatch(/^line \d+, column \d+$/);
  });

  it('refuses a key written twice', async () => {
    await writeFile(file, 'defaults:\n  approvals: 1\n  approvals: 2\n');
    expect((await readPolicyFile(file, [])).ok).toBe(false);
  });

  it('prints every problem with the variable and the path', async () => {
    await writeFile(file, 'defaults:\n  approvals: zero\n  request_ttl: 5 fortnights\n');
    const read = await readPolicyFile(file, []);
    expect(read.ok).toBe(false);
    if (read.ok) return;
    const lines = describePolicyProblems('policy.yml', read.error);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^KEYWARDEN_POLICY_FILE \(policy\.yml\) defaults\.approvals: /);
    expect(lines[1]).toMatch(/^KEYWARDEN_POLICY_FILE \(policy\.yml\) defaults\.request_ttl: /);
  });
});

describe('the policy in force', () => {
  it('without a file is the environment', async () => {
    const source = await loadPolicySource(undefined, env);
    expect(source.ok && effectivePolicy(source.value.current(), env, project, 'key').approvers).toEqual(['U0ENV']);
  });

  it('reload takes a good file and keeps the old policy on a bad one', async () => {
    await writeFile(file, 'defaults: { approvals: 2 }\n');
    const loaded = await loadPolicySource(file, env);
    if (!loaded.ok) throw new Error('expected the file to load');
    const source = loaded.value;
    expect(effectivePolicy(source.current(), env, project, 'key').approvals).toBe(2);

    await writeFile(file, 'defaults: { approvals: 3 }\nprojects: { Research: { approvers: [S0LEADS] } }\n');
    expect((await source.reload()).ok).toBe(true);
    expect(effectivePolicy(source.current(), env, project, 'key')).toMatchObject({ approvals: 3, approvers: ['S0LEADS'] });
    expect(source.namedIds().sort()).toEqual(['S0LEADS', 'U0ADMIN', 'U0ENV']);

    await writeFile(file, 'defaults: { approvals: -1 }\n');
    const bad = await source.reload();
    expect(bad.ok).toBe(false);
    expect(effectivePolicy(source.current(), env, project, 'key').approvals).toBe(3);
  });
});
