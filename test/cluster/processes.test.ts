/**
 * keywarden as two `web` and two `worker` processes on a real Redis Cluster: the key, limit and spend flows, then a
 * failover (SIGKILL of the primary serving keywarden's `{kw}` slot) while requests, provisioning and alert posting
 * are in flight. Nothing may be lost or done twice, and every command must be answered within 3 s.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { VIEW } from '../../src/platform/slack/ids.js';
import type { SlackDriver, SlackMessage } from '../../src/emulators/slack/index.js';
import { APPROVAL_CHANNEL, GENERAL_CHANNEL, SPEND_CHANNEL, USERS } from '../support/workspace.js';
import { APPROVE, REVEAL, actionIdsIn, waitUntil } from '../support/harness.js';
import { SpawnedProcesses, type KeywardenProcess } from '../support/processes.js';
import { startLocalRedisCluster, type LocalRedisCluster } from '../support/redisCluster.js';
import { startClusterWorld, type ClusterWorld } from './clusterWorld.js';

const NODE_TIMEOUT_MS = 2_000;
let cluster: LocalRedisCluster;
let world: ClusterWorld;
const spawned = new SpawnedProcesses();
let webs: KeywardenProcess[] = [];
let workers: KeywardenProcess[] = [];
let drivers: SlackDriver[] = [];

beforeAll(async () => {
  cluster = await startLocalRedisCluster({ nodeTimeoutMs: NODE_TIMEOUT_MS });
  // Workers tick every 2 s (6-field cron), so alerts are polled and posted by the processes themselves.
  world = await startClusterWorld(cluster, { KEYWARDEN_JOB_LOCK_MS: '2000', KEYWARDEN_POLL_CRON: '*/2 * * * * *' });
  [webs, workers] = await Promise.all([
    Promise.all([spawned.startKeywarden('web', world.env), spawned.startKeywarden('web', world.env)]),
    Promise.all([spawned.startKeywarden('worker', world.env), spawned.startKeywarden('worker', world.env)]),
  ]);
  drivers = webs.map((w) => world.driverFor(w.url('/slack/events')));
}, 90_000);
afterAll(async () => {
  if (process.env.DEBUG_E2E) for (const p of spawned.all()) console.log(p.role, p.stdoutLines().filter((l) => /"level":[45]0/.test(l)).slice(-15).join("\n"), p.stderrLines().slice(-5).join("\n"));
  await spawned.stopAll();
  await world?.close();
  await cluster?.stop();
}, 60_000);

const nameOf = (m: SlackMessage) => (m.metadata as { event_payload?: { name?: string } } | undefined)?.event_payload?.name ?? '';
const today = () => Math.floor(Date.now() / 1000);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function auditEntries(): Promise<Record<string, string>[]> {
  const raw = await cluster.client().xrange(world.key('audit'), '-', '+');
  return raw.map(([, fields]) => {
    const entry: Record<string, string> = {};
    for (let i = 0; i < fields.length; i += 2) entry[fields[i]!] = fields[i + 1]!;
    return entry;
  });
}

/** For a failure message: every request of these requesters without a posted message, with its job's state. */
async function diagnoseUnposted(requesterIds: readonly string[]): Promise<string> {
  const client = cluster.client();
  const ids = (await Promise.all(requesterIds.map((u) => client.zrange(world.key('user', u, 'requests'), '0', '-1')))).flat();
  const queue = new Queue('slack', { connection: client, prefix: `${world.namespace}:{kw}` });
  const out: string[] = [];
  for (const id of ids) {
    const r = await world.request(id);
    if (r?.messageTs) continue;
    const job = await queue.getJob(`msg.${id}`);
    out.push(`${id} ${r?.state ?? 'missing'} (${r?.purpose}) job ${job ? `${await job.getState()} attempts ${job.attemptsMade} ${job.failedReason ?? ''}` : 'missing'}`);
  }
  // Which node each worker's connections are on, and what they are doing (a worker blocks in BZPOPMIN on its queue's marker).
  const lists = await cluster.clientLists();
  const connections = Object.entries(lists).flatMap(([port, lines]) =>
    lines.filter((l) => /name=\S+/.test(l) && !/name= /.test(l)).map((l) => `:${port} ${['name', 'age', 'idle', 'flags', 'cmd'].map((f) => l.match(new RegExp(`\\b${f}=(\\S*)`))?.[0] ?? '').join(' ')}`),
  );
  return `${out.join('; ')}; named connections: ${connections.join(' | ')}`;
}

async function setLimits(driver: SlackDriver, text: string, projectId: string): Promise<void> {
  const res = await driver.slashCommand({ userId: USERS.admin, text, channelId: GENERAL_CHANNEL });
  expect(res.status).toBe(200);
  await waitUntil(async () => (await cluster.client().exists(world.key('limits', projectId))) === 1, 20_000, 'limits stored').catch((error: Error) => {
    throw new Error(`${error.message}; ack: ${res.body.slice(0, 300)}; answers: ${JSON.stringify(world.slack.responseUrlPosts.filter((p) => p.url === res.responseUrl).map((p) => p.body)).slice(0, 600)}`);
  });
}

describe('two web and two worker processes on a Redis Cluster', () => {
  it('run a key request across both webs, a limit change and a spend alert', async () => {
    // requested through one web, approved and revealed through the other
    const { message, requestId } = await world.openRequest(drivers[0]!, 'request Support Bot two webs on a cluster');
    await drivers[1]!.clickButton({ userId: USERS.approver, actionId: APPROVE, value: requestId, channel: APPROVAL_CHANNEL, messageTs: message.ts });
    await world.waitForState(requestId, 'awaiting_reveal');
    const dm = await world.slack.waitFor(() => world.slack.messages(world.slack.dmChannelOf(USERS.requester)).find((m) => actionIdsIn(m).includes(REVEAL) && JSON.stringify(m).includes(requestId)), 20_000);
    await drivers[0]!.clickButton({ userId: USERS.requester, actionId: REVEAL, value: requestId, channel: dm.channel, messageTs: dm.ts });
    await world.slack.waitFor(() => world.slack.views(USERS.requester).find((v) => v.callback_id === VIEW.revealedKey), 20_000);
    await world.waitForState(requestId, 'active');
    expect(world.openai.serviceAccounts(world.projects.support).filter((sa) => sa.name === `keywarden-${requestId}`)).toHaveLength(1);

    await setLimits(drivers[1]!, 'limit "Support Bot" soft 100 at 50', world.projects.support);
    world.openai.addCost({ projectId: world.projects.support, day: today(), usd: 60 });
    const status = await world.slack.waitFor(() => world.slack.messages(SPEND_CHANNEL).find((m) => nameOf(m).startsWith(`status.${world.projects.support}.`)), 30_000);
    await world.slack.waitFor(() => world.slack.thread(SPEND_CHANNEL, status.ts).find((m) => /\.soft\.50$/.test(nameOf(m))), 30_000);
    await sleep(4_000); // two more ticks: nothing may be posted again
    expect(world.slack.thread(SPEND_CHANNEL, status.ts).filter((m) => /\.soft\.50$/.test(nameOf(m)))).toHaveLength(1);
  }, 120_000);

  it('survive the SIGKILL of the primary serving {kw}: nothing lost, nothing twice, every command answered within 3 s', async () => {
    await setLimits(drivers[0]!, 'limit "Research Assistant" soft 100 at 10,20,30,40,50', world.projects.research);
    const announced = await world.slack.waitFor(() => world.slack.messages(SPEND_CHANNEL).find((m) => JSON.stringify(m).includes('Research Assistant')), 20_000);
    expect(announced).toBeTruthy();

    interface Sent { n: number; sentAt: number; ackMs: number; status: number; responseUrl: string; purpose: string }
    const requesterOf = (n: number) => `U0FAILOVER${String(n).padStart(3, '0')}`;
    const requesters: string[] = [];
    const sent: Sent[] = [];
    const clicks: { ackMs: number; status: number }[] = [];
    let loading = true;
    const commandLoop = (async () => {
      for (let n = 0; loading; n += 1) {
        const purpose = `failover load ${n} zq${n}x`;
        // each command from its own person: a second waiting request by the same person would be asked to confirm
        const requester = requesterOf(n);
        world.slack.addUser({ id: requester, name: `failover${n}` });
        requesters.push(requester);
        const sentAt = Date.now();
        const res = await drivers[n % 2]!.slashCommand({ userId: requester, text: `request Support Bot ${purpose}`, channelId: GENERAL_CHANNEL });
        sent.push({ n, sentAt, ackMs: res.ms, status: res.status, responseUrl: res.responseUrl, purpose });
        // About one request a second: each is 3-4 posts in the approval channel, which keywarden paces at 1/s.
        await sleep(700);
      }
    })();
    const approved = new Set<string>();
    // A request message's id is read while it still has its buttons (the decided message no longer carries it).
    const idByTs = new Map<string, string>();
    const noteIds = () => {
      for (const m of world.slack.messages(APPROVAL_CHANNEL)) if (actionIdsIn(m).includes(APPROVE) && !idByTs.has(m.ts)) idByTs.set(m.ts, world.requestIdOf(m));
    };
    const approverLoop = (async () => {
      for (let i = 0; loading; i += 1) {
        noteIds();
        for (const m of world.slack.messages(APPROVAL_CHANNEL)) {
          if (!actionIdsIn(m).includes(APPROVE) || !JSON.stringify(m.blocks ?? []).includes('failover load')) continue;
          const id = world.requestIdOf(m);
          if (approved.has(id)) continue;
          const res = await drivers[i % 2]!.clickButton({ userId: USERS.approver, actionId: APPROVE, value: id, channel: APPROVAL_CHANNEL, messageTs: m.ts });
          clicks.push({ ackMs: res.ms, status: res.status });
          const state = (await world.request(id).catch(() => null))?.state;
          if (state && state !== 'pending') approved.add(id);
        }
        await sleep(250);
      }
    })();
    const costLoop = (async () => {
      while (loading) {
        world.openai.addCost({ projectId: world.projects.research, day: today(), usd: 9 });
        await sleep(1_000);
      }
    })();

    await sleep(3_000);
    const killed = await cluster.killPrimaryOf(world.key('request', 'x'));
    const promoted = await cluster.waitForNewPrimary(killed.slot, killed.port, 30_000);
    await sleep(6_000);
    loading = false;
    await Promise.all([commandLoop, approverLoop, costLoop]);

    const opened = () => world.slack.messages(APPROVAL_CHANNEL).filter((m) => JSON.stringify(m.blocks ?? []).includes('failover load'));
    // Every request the requester was told about gets its message in the approval channel (posted by a worker job).
    const toldOpened = () => sent.filter((s) => world.slack.responseUrlPosts.some((p) => p.url === s.responseUrl && /waiting for an approver/.test(JSON.stringify(p.body))));
    await waitUntil(() => toldOpened().every((s) => opened().some((m) => JSON.stringify(m.blocks ?? []).includes(s.purpose))) || undefined, 90_000, 'a request message for every request opened', ).catch(async (error: Error) => {
      const missing = toldOpened().filter((s) => !opened().some((m) => JSON.stringify(m.blocks ?? []).includes(s.purpose)));
      const diagnosis = await diagnoseUnposted(requesters);
      throw new Error(`${error.message}: missing for commands ${missing.map((s) => s.n).join(', ')}; ${diagnosis}`);
    });

    // Settle: every request that was opened gets decided (a click refused during the failover is clicked again).
    await waitUntil(async () => {
      noteIds();
      for (const m of opened()) {
        const id = idByTs.get(m.ts);
        if (!id) throw new Error(`request message ${m.ts} lost its buttons before its id was read`);
        const r = await world.request(id);
        if (r?.state === 'pending') {
          await drivers[0]!.clickButton({ userId: USERS.approver, actionId: APPROVE, value: id, channel: APPROVAL_CHANNEL, messageTs: m.ts });
          return false;
        }
        if (r?.state !== 'awaiting_reveal') return false;
      }
      return true;
    }, 90_000, 'every opened request approved and provisioned');

    // Every command was answered: acked within 3 s, then a request message or a short answer in its response URL.
    const answers = sent.map((s) => {
      const posts = world.slack.responseUrlPosts.filter((p) => p.url === s.responseUrl);
      const message = opened().find((m) => JSON.stringify(m.blocks ?? []).includes(s.purpose));
      const text = JSON.stringify(posts.map((p) => p.body));
      const kind = /waiting for an approver/.test(text) ? 'opened' : /cannot reach its store/.test(text) ? 'store unavailable' : posts.length > 0 ? `other: ${text.slice(0, 200)}` : message ? 'opened, no reply' : 'no answer';
      const answeredMs = posts.length > 0 ? Math.min(...posts.map((p) => p.at)) - s.sentAt : null;
      return { ...s, kind, answeredMs, hasMessage: message !== undefined };
    });
    await waitUntil(() => answers.every((a) => a.kind !== 'no answer') || undefined, 1).catch(() => undefined);
    const during = answers.filter((a) => a.sentAt >= killed.killedAt && a.sentAt <= promoted.at);
    const byKind = (list: typeof answers) => Object.entries(list.reduce<Record<string, number>>((acc, a) => ({ ...acc, [a.kind]: (acc[a.kind] ?? 0) + 1 }), {})).map(([k, v]) => `${v} ${k}`).join(', ');
    console.log(`[measured] time without a primary for the {kw} slot: ${promoted.at - killed.killedAt} ms (cluster-node-timeout ${NODE_TIMEOUT_MS} ms; killed :${killed.port}, promoted :${promoted.port})`);
    console.log(`[measured] commands: ${answers.length} sent (${byKind(answers)}); during the failover ${during.length} (${byKind(during)})`);
    console.log(`[measured] command ack: max ${Math.max(...answers.map((a) => a.ackMs))} ms; answer in the response URL: max ${Math.max(...answers.map((a) => a.answeredMs ?? 0))} ms, during the failover max ${Math.max(0, ...during.map((a) => a.answeredMs ?? 0))} ms`);
    console.log(`[measured] approve clicks: ${clicks.length}, ack max ${Math.max(0, ...clicks.map((c) => c.ackMs))} ms`);

    for (const a of answers) {
      expect(a.status, `command ${a.n}`).toBe(200);
      expect(a.ackMs, `command ${a.n} ack`).toBeLessThan(3_000);
      expect(['opened', 'store unavailable'], `command ${a.n}: ${a.kind}`).toContain(a.kind);
      expect(a.answeredMs, `command ${a.n} answer`).not.toBeNull();
      expect(a.answeredMs!, `command ${a.n} answer`).toBeLessThan(3_000);
      // an "opened" answer has its request message; a store-unavailable one has none
      expect(a.hasMessage, `command ${a.n} (${a.kind}) and its request message`).toBe(a.kind === 'opened');
    }
    for (const c of clicks) expect(c.ackMs).toBeLessThan(3_000);

    // Nothing twice: one request message per purpose, one decision, one service account and one Reveal DM per request.
    const audit = await auditEntries();
    const ids = opened().map((m) => idByTs.get(m.ts)!);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(answers.filter((a) => a.kind === 'opened').length);
    const revealDms = () => requesters.flatMap((u) => world.slack.messages(world.slack.dmChannelOf(u))).filter((m) => actionIdsIn(m).includes(REVEAL));
    await waitUntil(() => ids.every((id) => revealDms().some((m) => JSON.stringify(m).includes(id))) || undefined, 90_000, 'a Reveal DM for every approved request');
    await sleep(3_000); // a retried DM job would show by now
    const dms = revealDms();
    for (const id of ids) {
      expect(audit.filter((e) => e.target === id && e.action === 'request.approve' && !e.outcome?.startsWith('refused')), `decisions of ${id}`).toHaveLength(1);
      expect(world.openai.serviceAccounts(world.projects.support).filter((sa) => sa.name === `keywarden-${id}`), `service accounts of ${id}`).toHaveLength(1);
      expect(dms.filter((m) => JSON.stringify(m).includes(id)), `reveal DMs for ${id}`).toHaveLength(1);
    }

    // Alerts: every threshold the spend crossed is posted, each once, in one status message.
    const status = await world.slack.waitFor(() => world.slack.messages(SPEND_CHANNEL).find((m) => nameOf(m).startsWith(`status.${world.projects.research}.`)), 30_000);
    await sleep(5_000); // a few more ticks: retries or a second poll would show by now
    const replyMessages = world.slack.thread(SPEND_CHANNEL, status.ts).filter((m) => /\.soft\.\d+$/.test(nameOf(m)));
    const replies = replyMessages.map(nameOf);
    expect(new Set(replies).size).toBe(replies.length);
    // a poll that crosses several thresholds posts one reply, for the highest, naming the others it passed
    const told = new Set<string>();
    for (const m of replyMessages) {
      told.add(/\.soft\.(\d+)$/.exec(nameOf(m))![1]!);
      for (const t of (/also passed ([^.]*) of its soft limit/.exec(m.text)?.[1] ?? '').matchAll(/(\d+)%/g)) told.add(t[1]!);
    }
    expect(world.slack.messages(SPEND_CHANNEL).filter((m) => nameOf(m).startsWith(`status.${world.projects.research}.`))).toHaveLength(1);
    const ledger = (await Promise.all(cluster.client().nodes('master').map((n) => n.keys(world.key('ledger', `alert.${world.projects.research}.*`))))).flat().map((k) => k.split(':').at(-1)!);
    const softClaimed = ledger.filter((n) => /\.soft\.\d+$/.test(n));
    expect(softClaimed.length).toBeGreaterThanOrEqual(5);
    expect([...told].sort()).toEqual(softClaimed.map((n) => /\.soft\.(\d+)$/.exec(n)![1]!).sort());
    console.log(`[measured] alerts: ${softClaimed.length} soft thresholds claimed, all told once, in ${replies.length} replies`);
  }, 300_000);
});
