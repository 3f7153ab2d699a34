/**
 * A worker process killed after OpenAI created the service account but before keywarden stored the sealed key:
 * another worker takes the job over, deletes the account the dead one made, and creates the one that is kept.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPROVAL_CHANNEL, APPROVE, GENERAL_CHANNEL, USERS, startHarness, waitUntil, type Harness } from '../../support/harness.js';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
let h: Harness;
const children: ChildProcess[] = [];

function startWorker(env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'worker'], {
    cwd: repoRoot,
    env: { ...process.env, ...env, KEYWARDEN_JOB_LOCK_MS: '2000', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  return child;
}

beforeAll(async () => {
  // This process only listens to Slack; the keys are provisioned by the worker processes below.
  h = await startHarness({ role: 'web' });
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await h?.stop();
});

describe('a worker killed mid-provision', () => {
  it('leaves no orphaned service account', async () => {
    const doomed = startWorker(h.env);
    // OpenAI creates the account but answers late: the window in which the worker dies.
    h.openai.inject({ method: 'POST', path: /service_accounts$/, status: 200, answerLateMs: 60_000, times: 1 });

    const before = h.slack.messages(APPROVAL_CHANNEL).length;
    await h.driver.slashCommand({ userId: USERS.requester, text: 'request Support Bot suggest answers from the knowledge base', channelId: GENERAL_CHANNEL });
    const message = await h.waitFor(() => (h.slack.messages(APPROVAL_CHANNEL).length > before ? h.slack.messages(APPROVAL_CHANNEL).at(-1) : undefined), 30_000);
    const requestId = h.requestIdOf(message);
    await h.driver.clickButton({ userId: USERS.approver, actionId: APPROVE, value: requestId, channel: APPROVAL_CHANNEL, messageTs: message.ts });

    const name = `keywarden-${requestId}`;
    const orphan = await waitUntil(() => h.openai.serviceAccounts(h.projects.support).find((sa) => sa.name === name), 30_000, 'the first service account');
    doomed.kill('SIGKILL');
    await new Promise((r) => doomed.once('exit', r));
    expect((await h.request(requestId))?.state).toBe('provisioning');

    startWorker(h.env);
    const done = await h.waitForState(requestId, 'awaiting_reveal', 45_000);
    const accounts = h.openai.serviceAccounts(h.projects.support).filter((sa) => sa.name === name);
    expect(accounts).toHaveLength(1);
    expect(accounts[0]?.id).toBe(done.serviceAccountId);
    expect(done.serviceAccountId).not.toBe(orphan.id);
    expect(h.openai.callsTo('DELETE', new RegExp(`service_accounts/${orphan.id}$`))).toHaveLength(1);
  }, 120_000);
});
