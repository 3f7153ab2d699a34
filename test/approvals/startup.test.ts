/**
 * The policy file at start and on SIGHUP, with keywarden as a real child process (`node --import tsx src/main.ts`):
 * a bad file stops start-up with exit code 2 and every problem named; an id Slack does not know is a warning; SIGHUP
 * re-reads the file, and a bad one is refused with its problems logged while the old policy stays in force.
 */
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENERAL_CHANNEL, USERS } from '../support/workspace.js';
import { writePolicyFile } from '../support/harness.js';
import { SpawnedProcesses, type KeywardenProcess } from '../support/processes.js';
import { startWorld, type World } from '../platform/ops/e2e/world.js';

const processes = new SpawnedProcesses();
let world: World;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => {
  await processes.stopAll();
  await world?.close();
});

/** What the policy command answers `userId` (the newest ephemeral after the command), as text and blocks. */
async function policyAnswer(keywarden: KeywardenProcess, text: string): Promise<string> {
  const before = world.slack.ephemerals(USERS.outsider).length;
  await world.driverFor(keywarden).slashCommand({ userId: USERS.outsider, text, channelId: GENERAL_CHANNEL });
  const reply = await world.slack.waitFor(() => world.slack.ephemerals(USERS.outsider).slice(before).at(-1), 15_000);
  return `${reply.text ?? ''} ${JSON.stringify(reply.blocks ?? [])}`;
}

describe('a bad policy file at start', () => {
  it('stops start-up with exit code 2 and names every problem', async () => {
    const file = writePolicyFile(
      ['defaults:', '  approvals: 0', '  remind_after: soon', 'projects:', '  research:', '    approvers: [alice]', 'kinds:', '  rotation: {}', ''].join('\n'),
    );
    const keywarden = processes.startKeywarden('all', { ...world.env, KEYWARDEN_POLICY_FILE: file }, { startTimeoutMs: 20_000 }).catch((error: Error) => error);
    const failed = await keywarden;
    expect(failed).toBeInstanceOf(Error);
    const exited = await waitForExit(processes);
    expect(exited.code).toBe(2);
    const stderr = exited.stderr;
    expect(stderr).toMatch(/keywarden cannot start: \d+ problems in the policy file/);
    for (const path of ['defaults.approvals', 'defaults.remind_after', 'projects.research.approvers.0', 'kinds']) {
      expect(stderr).toContain(`(${file}) ${path}: `);
    }
    expect(stderr).toContain('"alice" is not a Slack user id');
  });
});

describe('the policy file while running', () => {
  it('warns about an id Slack does not know, re-reads the file on SIGHUP, and keeps the old policy when the new one is bad', async () => {
    const file = writePolicyFile(`projects:\n  Support Bot:\n    approvers: [${USERS.approver}, U0NOBODY01]\n    approvals: 1\n`);
    const keywarden = await processes.startKeywarden('all', { ...world.env, KEYWARDEN_POLICY_FILE: file });
    const warning = await keywarden.waitForLog((l) => typeof l.msg === 'string' && l.msg.includes('Slack does not know'), 15_000, 'the unknown-id warning');
    expect(warning.msg).toContain('U0NOBODY01');
    expect(warning.msg).not.toContain(USERS.approver);

    expect(await policyAnswer(keywarden, 'policy Support Bot')).toMatch(/Approvals needed: one approver/);

    writeFileSync(file, `projects:\n  Support Bot:\n    approvers: [${USERS.approver}, ${USERS.groupApprover}]\n    approvals: 2\n`);
    keywarden.child.kill('SIGHUP');
    await keywarden.waitForLog((l) => l.msg === 'the policy file was re-read; its policy is in force now', 15_000, 'the reload');
    expect(await policyAnswer(keywarden, 'policy Support Bot')).toMatch(/Approvals needed: 2 different approvers/);

    writeFileSync(file, 'projects:\n  Support Bot:\n    approvals: lots\n');
    keywarden.child.kill('SIGHUP');
    const refused = await keywarden.waitForLog((l) => l.msg === 'the policy file was refused; the policy in force is kept', 15_000, 'the refusal');
    expect(JSON.stringify(refused.problems)).toContain('projects.Support Bot.approvals');
    expect(keywarden.child.exitCode).toBeNull();
    expect(await policyAnswer(keywarden, 'policy Support Bot')).toMatch(/Approvals needed: 2 different approvers/);
  });
});

/** The exit of the newest keywarden child that failed to start, with its stderr. */
async function waitForExit(spawned: SpawnedProcesses): Promise<{ code: number | null; stderr: string }> {
  const last = spawned.all().at(-1);
  if (!last) throw new Error('no keywarden process was started');
  const exit = await last.exited;
  return { code: exit.code, stderr: last.stderrLines().join('\n') };
}
