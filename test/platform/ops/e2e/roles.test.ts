/**
 * Two `web` and two `worker` processes on one Redis namespace: Slack requests reach either web process, and every
 * piece of work is done once however the clicks are spread between them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VIEW } from '../../../../src/platform/slack/ids.js';
import { APPROVAL_CHANNEL, APPROVE, REVEAL, USERS, actionIdsIn, waitUntil } from '../../../support/harness.js';
import { SpawnedProcesses, type KeywardenProcess } from '../../../support/processes.js';
import { startWorld, type World } from './world.js';

const processes = new SpawnedProcesses();
let world: World;
let webs: KeywardenProcess[];

beforeAll(async () => {
  world = await startWorld();
  const started = await Promise.all([
    processes.startKeywarden('web', world.env),
    processes.startKeywarden('web', world.env),
    processes.startKeywarden('worker', world.env),
    processes.startKeywarden('worker', world.env),
  ]);
  webs = started.slice(0, 2);
}, 60_000);

afterAll(async () => {
  if (process.env.DEBUG_E2E) for (const p of processes.all()) console.log(p.role, p.stdoutLines().join('\n'), p.stderrLines().join('\n'));
  if (process.env.DEBUG_E2E) console.log(JSON.stringify(world.slack.messages(APPROVAL_CHANNEL)).slice(0, 2000), world.slack.calls.map((c) => `${c.method} ${c.ok} ${c.error ?? ''}`).join('\n'));
  await processes.stopAll();
  await world?.close();
}, 30_000);

describe('two web and two worker processes on one Redis', () => {
  it('takes a request through web #1, races approvals through both, and reveals through web #2, doing nothing twice', async () => {
    const [web1, web2] = webs as [KeywardenProcess, KeywardenProcess];
    const drivers = [world.driverFor(web1), world.driverFor(web2)] as const;
    const { message, requestId } = await world.openRequest(drivers[0], 'request Support Bot draft replies to customer emails');
    expect(actionIdsIn(message)).toContain(APPROVE);

    // Six clicks at the same moment: two approvers, three each, alternating between the web processes.
    const clickers = [USERS.approver, USERS.groupApprover];
    const clicks = Array.from({ length: 6 }, (_, i) =>
      (drivers[i % 2] ?? drivers[0]).clickButton({ userId: clickers[Math.floor(i / 3)] ?? USERS.approver, actionId: APPROVE, value: requestId, channel: APPROVAL_CHANNEL, messageTs: message.ts }),
    );
    const answers = await Promise.all(clicks);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200]);

    const provisioned = await world.waitForState(requestId, 'awaiting_reveal', 30_000);
    expect(clickers).toContain(provisioned.decidedBy);

    // One decision in the audit log, one service account at OpenAI, one create call.
    const name = `keywarden-${requestId}`;
    expect(world.openai.serviceAccounts(world.projects.support).filter((sa) => sa.name === name)).toHaveLength(1);
    expect(world.openai.callsTo('POST', /service_accounts$/)).toHaveLength(1);
    const audit = async (action: string) =>
      (await world.redis().xrange(world.key('audit'), '-', '+'))
        .map(([, f]) => ({ action: f[f.indexOf('action') + 1], outcome: f[f.indexOf('outcome') + 1] }))
        .filter((e) => e.action === action)
        .map((e) => e.outcome);
    expect(await audit('request.approve')).toEqual(expect.arrayContaining(['approved']));
    expect((await audit('request.approve')).filter((o) => o === 'approved')).toHaveLength(1);
    // the losing clicks are answered after their ack, so their audit entries may still be on the way
    await waitUntil(async () => (await audit('request.approve')).filter((o) => o === 'refused:already_decided').length >= 5, 15_000, 'five refusals audited');
    expect((await audit('request.approve')).filter((o) => o === 'refused:already_decided')).toHaveLength(5);
    expect(await audit('key.create')).toEqual(['awaiting_reveal']);

    // The five losing clicks were each told the request is already decided (ephemerals through response_url).
    const refusals = await waitUntil(
      () => {
        const told = [USERS.approver, USERS.groupApprover].flatMap((u) => world.slack.ephemerals(u)).filter((e) => /already decided/.test(e.text ?? ''));
        return told.length >= 5 ? told : undefined;
      },
      15_000,
      'five "already decided" answers',
    );
    expect(refusals).toHaveLength(5);

    // The requester's DM with the Reveal button, and the thread's notes, each posted once.
    const dm = await world.slack.waitFor(() => world.dmsTo(USERS.requester).find((m) => actionIdsIn(m).includes(REVEAL)), 20_000);
    const thread = await world.slack.waitFor(() => {
      const notes = world.slack.thread(APPROVAL_CHANNEL, message.ts);
      return notes.some((m) => /Sent .* a DM/.test(m.text)) ? notes : undefined;
    }, 20_000);

    // Reveal through the other web process.
    await drivers[1].clickButton({ userId: USERS.requester, actionId: REVEAL, value: requestId, channel: dm.channel, messageTs: dm.ts });
    const modal = await world.slack.waitFor(() => world.slack.views(USERS.requester).find((v) => v.callback_id === VIEW.revealedKey), 10_000);
    const key = /sk-svcacct-[A-Za-z0-9_-]{20,}/.exec(JSON.stringify(modal.blocks))?.[0];
    expect(key).toBeTruthy();
    const active = await world.waitForState(requestId, 'active', 10_000);
    expect(active.redactedKey?.slice(-4)).toBe(key?.slice(-4));
    await world.slack.waitFor(() => world.slack.thread(APPROVAL_CHANNEL, message.ts).find((m) => /revealed the key/.test(m.text)), 20_000);

    // Let any duplicate a second worker might have produced arrive before counting.
    await new Promise((r) => setTimeout(r, 1_500));
    const notes = world.slack.thread(APPROVAL_CHANNEL, message.ts).map((m) => m.text);
    expect(notes.filter((t) => /Approved by/.test(t))).toHaveLength(1);
    expect(notes.filter((t) => /:key: Key .* created/.test(t))).toHaveLength(1);
    expect(notes.filter((t) => /Sent .* a DM/.test(t))).toHaveLength(1);
    expect(notes.filter((t) => /revealed the key/.test(t))).toHaveLength(1);
    expect(new Set(notes).size).toBe(notes.length);
    expect(thread.length).toBeLessThanOrEqual(notes.length);
    const dms = world.dmsTo(USERS.requester).map((m) => m.text);
    // One reveal DM, updated in place once the key was revealed: its button is gone, and no second one was posted.
    await world.slack.waitFor(() => (world.dmsTo(USERS.requester).some((m) => actionIdsIn(m).includes(REVEAL)) ? undefined : true), 10_000);
    expect(world.dmsTo(USERS.requester).filter((m) => m.ts === dm.ts)).toHaveLength(1);
    expect(new Set(dms).size).toBe(dms.length);
    // One request message (this world has made no other), updated in place rather than posted again.
    expect(world.slack.messages(APPROVAL_CHANNEL).map((m) => m.ts)).toEqual([message.ts]);
    expect(world.slack.views(USERS.requester).filter((v) => v.callback_id === VIEW.revealedKey)).toHaveLength(1);
    expect(await audit('key.reveal')).toEqual(['active']);

    // Both web processes really answered Slack: each logged the clicks it was sent.
    for (const web of [web1, web2]) expect(web.logs().filter((l) => l.msg === 'slack request' && l.kind === 'action').length).toBeGreaterThanOrEqual(3);
  }, 90_000);
});
