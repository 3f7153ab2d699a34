/**
 * Load: keywarden as two `web` and two `worker` processes (started as an operator starts them) on a local Redis
 * Cluster, the Slack and OpenAI emulators in this process (Slack enforcing 1 post per second per channel, short bursts
 * allowed). A driver sends a steady mix of 10 commands a second for the run — key requests, approvals (by button and
 * by thread reply, alternately), reveals, limit changes, `list`, `limits` — spread over many distinct requesters and
 * both web processes, while the workers poll spend every 5 s over 2,000 projects whose spend climbs through their
 * alert thresholds.
 *
 * At the end it approves and reveals what is left, waits for the queues to drain, and checks: every request reached
 * its final state (active), one service account (key) per approval, every alert told once (and every post name
 * accepted once), and no issued key in any log line, recorded Slack call or response_url post except the reveal
 * modal. Prints throughput, ack p50/p99 and the worst queue depth (BullMQ getJobCounts, sampled every second).
 *
 * keywarden runs as real child processes, so it keeps real time: costs are booked on today's date and the alerts
 * checked are this month's (a run across midnight UTC at a month's end would count the new month only).
 *
 *   npx tsx bench/load.ts [seconds=300] [commandsPerSecond=10]
 */
import { emulatorEnv } from '../test/support/workspace.js';
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { startSlackEmulator, createSlackDriver, type SlackDriver, type SlackMessage } from '../src/emulators/slack/index.js';
import { startOpenAIEmulator } from '../src/emulators/openai/index.js';
import type { Cents } from '../src/platform/domain/money.js';
import type { KeyRequest } from '../src/keys/domain/keyRequest.js';
import { ACTION, VIEW } from '../src/platform/slack/ids.js';
import { LimitsStore } from '../src/limits/limitStore.js';
import { SpendStore } from '../src/spend/spendStore.js';
import { deleteNamespace, redisKeys } from '../src/platform/redis/redis.js';
import { SpawnedProcesses } from '../test/support/processes.js';
import { startLocalRedisCluster } from '../test/support/redisCluster.js';
import { percentile, tallyPosts } from './support/fanoutCount.js';

const SECONDS = Number(process.argv[2] ?? 300);
const RATE = Number(process.argv[3] ?? 10);
const PROJECTS = 2_000;
/** projects with limits from the start, whose spend climbs through 50 % and 80 % during the run */
const LIMITED = 200;
const REQUESTERS = 400;
const ALERT_CHANNELS = 20;
const SIGNING_SECRET = 'bench-signing-secret-0123456789abcdef';
const APPROVALS = 'C0LDAPPRVL';
const GENERAL = 'C0LDGENERL';
const DEFAULT_ALERTS = 'C0LDALERTS';
const ADMIN = 'U0LDADMIN1';
const APPROVERS = ['U0LDAPPRV1', 'U0LDAPPRV2', 'U0LDAPPRV3'];
const requesterId = (i: number) => `U0LDREQ${String(i % REQUESTERS).padStart(4, '0')}`;
const alertChannel = (i: number) => `C0LDSPND${String(i % ALERT_CHANNELS).padStart(2, '0')}`;
const projectName = (i: number) => `Load ${String(i).padStart(4, '0')}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One cycle of 50 slots (5 s at 10/s): 1 request, 1 approval, 1 reveal, 6 limit changes, 20 `list`, 21 `limits`.
 * A request is about four posts in the one approval channel (message, then thread notes), which Slack takes at
 * about one a second: one request every 5 s keeps that channel near, not past, its limit.
 */
type Kind = 'request' | 'approve' | 'reveal' | 'limit' | 'list' | 'limits';
const CYCLE: readonly Kind[] = (() => {
  const slots: Kind[] = [];
  for (let i = 0; i < 50; i += 1) slots.push(i % 2 === 0 ? 'list' : 'limits');
  slots[0] = 'request';
  slots[17] = 'approve';
  slots[34] = 'reveal';
  for (const i of [5, 13, 21, 29, 37, 45]) slots[i] = 'limit';
  return slots;
})();

interface Sent {
  readonly kind: Kind | 'approve-click' | 'approve-reply';
  readonly at: number;
  readonly status: number;
  readonly ms: number;
}

const nameOf = (m: SlackMessage) => (m.metadata as { event_payload?: { name?: string } } | undefined)?.event_payload?.name ?? '';
const actionIdsIn = (m: SlackMessage): string[] =>
  ((m.blocks ?? []) as { type: string; elements?: { action_id?: string }[] }[]).flatMap((b) => (b.type === 'actions' ? (b.elements ?? []).map((e) => e.action_id ?? '') : []));

async function main(): Promise<void> {
  const setupStarted = Date.now();
  const cluster = await startLocalRedisCluster();
  const spawned = new SpawnedProcesses();
  const namespace = `ld${randomBytes(4).toString('hex')}`;
  const keys = redisKeys(namespace);
  const redis = cluster.client();
  const users = [
    { id: ADMIN, name: 'adrian' },
    ...APPROVERS.map((id, i) => ({ id, name: `approver${i}` })),
    ...Array.from({ length: REQUESTERS }, (_, i) => ({ id: requesterId(i), name: `requester${i}` })),
  ];
  const channels = [
    { id: APPROVALS, name: 'keywarden-approvals' },
    { id: GENERAL, name: 'general' },
    { id: DEFAULT_ALERTS, name: 'openai-spend' },
    ...Array.from({ length: ALERT_CHANNELS }, (_, i) => ({ id: alertChannel(i), name: `spend-${i}` })),
  ];
  const slack = await startSlackEmulator({ users, channels, channelRateLimit: { perSecond: 1, burst: 2 } });
  const openai = await startOpenAIEmulator({});
  const today = () => Math.floor(Date.now() / 1000);
  const projectIds: string[] = [];
  for (let i = 0; i < PROJECTS; i += 1) {
    const id = openai.addProject({ name: projectName(i) }).id;
    projectIds.push(id);
    openai.addCost({ projectId: id, day: today(), usd: i < LIMITED ? 47 : 1 + (i % 40) });
  }
  const limits = new LimitsStore(redis, keys);
  for (let i = 0; i < LIMITED; i += 1) {
    await limits.save(
      { projectId: projectIds[i] as string, projectName: projectName(i), softCents: 100_00 as Cents, hardCents: null, hardAtOpenAI: null, capKnown: true, thresholds: [50, 80, 100], channelId: alertChannel(i), version: 1, updatedAt: Date.now(), updatedBy: ADMIN },
      0,
    );
  }
  const env: Record<string, string> = {
    ...emulatorEnv(slack, openai, SIGNING_SECRET),
    REDIS_CLUSTER_NODES: cluster.seeds,
    KEYWARDEN_NAMESPACE: namespace,
    KEYWARDEN_APPROVAL_CHANNEL: APPROVALS,
    KEYWARDEN_ALERT_CHANNEL: DEFAULT_ALERTS,
    KEYWARDEN_APPROVERS: APPROVERS.join(','),
    KEYWARDEN_ADMINS: ADMIN,
    KEYWARDEN_SECRET: randomBytes(32).toString('base64'),
    KEYWARDEN_POLL_CRON: '*/5 * * * * *',
    OPENAI_TIMEOUT_MS: '10000',
    LOG_LEVEL: 'info',
  };
  const [webs, workers] = await Promise.all([
    Promise.all([spawned.startKeywarden('web', env, { startTimeoutMs: 60_000 }), spawned.startKeywarden('web', env, { startTimeoutMs: 60_000 })]),
    Promise.all([spawned.startKeywarden('worker', env, { startTimeoutMs: 60_000 }), spawned.startKeywarden('worker', env, { startTimeoutMs: 60_000 })]),
  ]);
  const drivers: SlackDriver[] = webs.map((w) => createSlackDriver({ emulator: slack, appUrl: w.url('/slack/events'), signingSecret: SIGNING_SECRET }));
  const queues = (['slack', 'openai', 'spend'] as const).map((name) => new Queue(name, { connection: redis, prefix: keys.prefix }));
  console.log(`setup: Redis Cluster (6 nodes), 2 web + 2 worker processes, ${PROJECTS} projects, ${REQUESTERS} requesters: ${((Date.now() - setupStarted) / 1000).toFixed(1)} s`);

  // Queue depth, every second: jobs ready or running (waiting + active + prioritized) per queue, plus the slack
  // queue's delayed jobs (posts held back by per-channel pacing). Other delayed jobs are expiries days ahead.
  const depthOf = async (): Promise<{ total: number; byQueue: Record<string, number> }> => {
    const byQueue: Record<string, number> = {};
    for (const q of queues) {
      const counts = await q.getJobCounts('waiting', 'active', 'prioritized', 'delayed').catch(() => ({}) as Record<string, number>);
      byQueue[q.name] = (counts.waiting ?? 0) + (counts.active ?? 0) + (counts.prioritized ?? 0) + (q.name === 'slack' ? (counts.delayed ?? 0) : 0);
    }
    return { total: Object.values(byQueue).reduce((a, b) => a + b, 0), byQueue };
  };
  let worstDepth = { total: 0, at: 0, byQueue: {} as Record<string, number> };
  let sampling = true;
  const samplerStarted = Date.now();
  const sampler = (async () => {
    while (sampling) {
      const depth = await depthOf();
      if (depth.total > worstDepth.total) worstDepth = { ...depth, at: Math.round((Date.now() - samplerStarted) / 1000) };
      await sleep(1_000);
    }
  })();

  // Spend climbs: every 5 s, $8 more for 20 of the limited projects in turn (so each passes 50 %, then 80 %).
  let loading = true;
  let climbTurn = 0;
  const climber = (async () => {
    while (loading) {
      for (let k = 0; k < 20; k += 1) openai.addCost({ projectId: projectIds[(climbTurn * 20 + k) % LIMITED] as string, day: today(), usd: 8 });
      climbTurn += 1;
      await sleep(5_000);
    }
  })();

  // What the driver can act on: request messages still offering Approve, and Reveal DMs not clicked yet.
  const approvedTs = new Set<string>();
  const requestIdByTs = new Map<string, string>();
  const revealed = new Set<string>();
  const requestersUsed = new Set<string>();
  const noteRequestIds = () => {
    for (const m of slack.messages(APPROVALS)) {
      if (requestIdByTs.has(m.ts) || !actionIdsIn(m).includes(ACTION.approveRequest)) continue;
      const id = /req_[a-z2-7]{10}/.exec(JSON.stringify(m.blocks ?? []))?.[0];
      if (id) requestIdByTs.set(m.ts, id);
    }
  };
  const nextApprovable = (): { ts: string; id: string } | null => {
    noteRequestIds();
    for (const m of slack.messages(APPROVALS)) {
      const id = requestIdByTs.get(m.ts);
      if (id && !approvedTs.has(m.ts) && actionIdsIn(m).includes(ACTION.approveRequest)) return { ts: m.ts, id };
    }
    return null;
  };
  const nextRevealable = (): { userId: string; channel: string; ts: string; id: string } | null => {
    for (const userId of requestersUsed) {
      for (const m of slack.messages(slack.dmChannelOf(userId))) {
        if (!actionIdsIn(m).includes(ACTION.revealKey)) continue;
        const id = /req_[a-z2-7]{10}/.exec(JSON.stringify(m.blocks ?? []))?.[0];
        if (id && !revealed.has(id)) return { userId, channel: m.channel, ts: m.ts, id };
      }
    }
    return null;
  };

  const sent: Sent[] = [];
  let n = 0;
  let approvals = 0;
  let limitTurn = 0;
  const send = async (kind: Kind, driver: SlackDriver): Promise<void> => {
    const at = Date.now();
    const record = (k: Sent['kind'], res: { status: number; ms: number }) => sent.push({ kind: k, at, status: res.status, ms: res.ms });
    switch (kind) {
      case 'request': {
        const user = requesterId(n);
        requestersUsed.add(user);
        const project = projectName(LIMITED + (n % (PROJECTS - LIMITED)));
        record(kind, await driver.slashCommand({ userId: user, channelId: GENERAL, text: `request "${project}" load run ${n}: summarise the support inbox every night` }));
        return;
      }
      case 'approve': {
        const target = nextApprovable();
        if (!target) return send('list', driver);
        approvedTs.add(target.ts);
        const approver = APPROVERS[approvals % APPROVERS.length] as string;
        approvals += 1;
        if (approvals % 2 === 0) {
          record('approve-reply', await driver.postMessage({ userId: approver, channel: APPROVALS, threadTs: target.ts, text: 'approve' }));
        } else {
          record('approve-click', await driver.clickButton({ userId: approver, actionId: ACTION.approveRequest, value: target.id, channel: APPROVALS, messageTs: target.ts }));
        }
        return;
      }
      case 'reveal': {
        const target = nextRevealable();
        if (!target) return send('limits', driver);
        revealed.add(target.id);
        record(kind, await driver.clickButton({ userId: target.userId, actionId: ACTION.revealKey, value: target.id, channel: target.channel, messageTs: target.ts }));
        return;
      }
      case 'limit': {
        const i = LIMITED + ((limitTurn * 7) % (PROJECTS - LIMITED));
        const channel = alertChannel(limitTurn);
        limitTurn += 1;
        const soft = 200 + (limitTurn % 50) * 10;
        record(kind, await driver.slashCommand({ userId: ADMIN, channelId: GENERAL, text: `limit "${projectName(i)}" soft ${soft} at 50,80,100 channel <#${channel}|spend-${channel.slice(-2)}>` }));
        return;
      }
      case 'list':
        record(kind, await driver.slashCommand({ userId: requesterId(n * 7), channelId: GENERAL, text: 'list' }));
        return;
      case 'limits':
        record(kind, await driver.slashCommand({ userId: requesterId(n * 11), channelId: GENERAL, text: n % 3 === 0 ? 'limits' : `limits "${projectName(n % PROJECTS)}"` }));
        return;
    }
  };

  // The steady mix, open loop: one command every 1/RATE s whatever the answers take.
  const inFlight = new Set<Promise<void>>();
  const loadStarted = Date.now();
  const intervalMs = 1000 / RATE;
  for (let slot = 0; Date.now() - loadStarted < SECONDS * 1000; slot += 1) {
    const due = loadStarted + slot * intervalMs;
    if (due > Date.now()) await sleep(due - Date.now());
    const kind = CYCLE[slot % CYCLE.length] as Kind;
    const driver = drivers[slot % drivers.length] as SlackDriver;
    n = slot;
    const p = send(kind, driver).catch((error: unknown) => void sent.push({ kind, at: Date.now(), status: -1, ms: Number.NaN, ...{ error: String(error) } }));
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  }
  await Promise.all(inFlight);
  const loadMs = Date.now() - loadStarted;
  loading = false;
  await climber;

  // Drain: approve and reveal whatever is left, until every request is active and the queues hold no work (or five
  // minutes pass).
  const requestIds = async (): Promise<string[]> => {
    const ids: string[] = [];
    for (const user of requestersUsed) ids.push(...(await redis.zrange(keys.userRequests(user), '0', '-1')));
    return ids;
  };
  const requestOf = async (id: string): Promise<KeyRequest | null> => {
    const raw = await redis.get(keys.request(id));
    return raw ? (JSON.parse(raw) as KeyRequest) : null;
  };
  const drainStarted = Date.now();
  let states: KeyRequest[] = [];
  while (Date.now() - drainStarted < 300_000) {
    for (let target = nextApprovable(); target; target = nextApprovable()) {
      approvedTs.add(target.ts);
      await drivers[0]!.clickButton({ userId: APPROVERS[0] as string, actionId: ACTION.approveRequest, value: target.id, channel: APPROVALS, messageTs: target.ts });
    }
    for (let target = nextRevealable(); target; target = nextRevealable()) {
      revealed.add(target.id);
      await drivers[1]!.clickButton({ userId: target.userId, actionId: ACTION.revealKey, value: target.id, channel: target.channel, messageTs: target.ts });
    }
    states = (await Promise.all((await requestIds()).map(requestOf))).filter((r): r is KeyRequest => r !== null);
    if (states.every((r) => r.state === 'active') && (await depthOf()).total === 0) break;
    await sleep(1_000);
  }
  const drainMs = Date.now() - drainStarted;
  await sleep(6_000); // one more poll: nothing may be posted again
  sampling = false;
  await sampler;

  // Checks.
  const byState = new Map<string, number>();
  for (const r of states) byState.set(r.state, (byState.get(r.state) ?? 0) + 1);
  const requestsSent = sent.filter((s) => s.kind === 'request').length;
  const keysPerRequest = states.map((r) => openai.serviceAccounts(r.projectId).filter((sa) => sa.name === `keywarden-${r.id}`).length);
  const notOneKey = keysPerRequest.filter((k) => k !== 1).length;

  const spend = new SpendStore(redis, keys);
  const month = new Date().toISOString().slice(0, 7);
  const tally = tallyPosts(slack.calls);
  let claimed = 0;
  const untold: string[] = [];
  const limitedIds = await redis.smembers(keys.custom('limits', 'index')).catch(() => [] as string[]);
  for (const projectId of limitedIds.length > 0 ? limitedIds : projectIds.slice(0, LIMITED)) {
    for (const entry of await spend.claimedEntriesOf(projectId, month)) {
      claimed += 1;
      if (entry.coveredBy === null && !tally.byName.has(`reply.${entry.alert.identity}`)) untold.push(entry.alert.identity);
    }
  }
  const alertDuplicates = tally.duplicates.filter((d) => /^(status|reply|update)\./.test(d.name));

  const revealModals = slack.views().filter((v) => v.callback_id === VIEW.revealedKey);
  const issuedKeys = revealModals.flatMap((v) => /sk-svcacct-[A-Za-z0-9_-]{20,}/.exec(JSON.stringify(v.blocks))?.[0] ?? []);
  const isRevealModalCall = (c: { method: string; args: Record<string, unknown> }) => c.method.startsWith('views.') && JSON.stringify(c.args).includes(`"callback_id":"${VIEW.revealedKey}"`);
  const places: Record<string, string> = {
    'log lines': spawned.all().flatMap((p) => [...p.stdoutLines(), ...p.stderrLines()]).join('\n'),
    'Slack calls': JSON.stringify(slack.calls.filter((c) => !isRevealModalCall(c))),
    'response_url posts': JSON.stringify(slack.responseUrlPosts),
  };
  const leaks: string[] = [];
  for (const key of issuedKeys) for (const [where, text] of Object.entries(places)) if (text.includes(key) || text.includes(key.slice(11, 31))) leaks.push(where);

  const acks = sent.filter((s) => s.status !== -1).map((s) => s.ms);
  const failedAcks = sent.filter((s) => s.status !== 200);
  const slowAcks = acks.filter((ms) => ms > 3_000).length;
  const byKind = new Map<string, number>();
  for (const s of sent) byKind.set(s.kind, (byKind.get(s.kind) ?? 0) + 1);
  const errorLines = spawned.all().flatMap((p) => p.logs().filter((l) => (l.level ?? 0) >= 50).map((l) => `${p.role}: ${String(l.msg)} ${JSON.stringify(l).slice(0, 200)}`));
  const pacing = slack.pacingReport();

  console.log(`load: ${SECONDS} s at ${RATE} commands/s, 2 web + 2 worker processes on a Redis Cluster, spend poll every 5 s over ${PROJECTS} projects, node ${process.version}`);
  console.log(`  commands sent ${sent.length} in ${(loadMs / 1000).toFixed(1)} s = ${(sent.length / (loadMs / 1000)).toFixed(2)}/s  (${[...byKind].map(([k, v]) => `${k} ${v}`).join(', ')})`);
  console.log(`  acks: p50 ${percentile(acks, 50).toFixed(0)} ms, p99 ${percentile(acks, 99).toFixed(0)} ms, max ${Math.max(...acks).toFixed(0)} ms; not 200: ${failedAcks.length}; over 3 s: ${slowAcks}`);
  console.log(`  worst queue depth (ready + running, and slack posts held by pacing) ${worstDepth.total} at ${worstDepth.at} s (${Object.entries(worstDepth.byQueue).map(([q, d]) => `${q} ${d}`).join(', ')})`);
  console.log(`  drain after the load: ${(drainMs / 1000).toFixed(1)} s`);
  console.log(`  requests: sent ${requestsSent}, opened ${states.length}, final states ${[...byState].map(([s, c]) => `${s} ${c}`).join(', ') || 'none'}; all active: ${states.length === requestsSent && states.every((r) => r.state === 'active') ? 'yes' : 'NO'}`);
  console.log(`  keys: ${keysPerRequest.reduce((a, b) => a + b, 0)} service accounts for ${states.length} approvals; requests without exactly one: ${notOneKey}`);
  console.log(`  alerts: ${claimed} claimed, untold ${untold.length}, duplicated alert posts ${alertDuplicates.length}; any post name accepted twice: ${tally.duplicates.length}${tally.duplicates.length ? ` e.g. ${tally.duplicates.slice(0, 3).map((d) => d.name).join(', ')}` : ''}`);
  console.log(`  Slack: ${[...tally.byName.values()].reduce((a, b) => a + b, 0) + tally.unnamed} posts accepted, 429s ${pacing?.refusals.length ?? 0}, unhandled 429s ${pacing?.ignored.length ?? 0}`);
  console.log(`  issued keys checked ${issuedKeys.length} (reveal modals ${revealModals.length}); found outside the reveal modal: ${leaks.length ? leaks.join(', ') : 'nowhere'} (searched ${Object.entries(places).map(([w, t]) => `${w} ${(t.length / 1e6).toFixed(1)} MB`).join(', ')})`);
  console.log(`  error lines logged by keywarden: ${errorLines.length}`);
  for (const line of errorLines.slice(0, 5)) console.log(`    ${line}`);
  const ok = states.length === requestsSent && states.every((r) => r.state === 'active') && notOneKey === 0 && untold.length === 0 && tally.duplicates.length === 0 && leaks.length === 0 && failedAcks.length === 0;
  console.log(`  checks: ${ok ? 'all passed' : 'FAILED'}`);

  await spawned.stopAll();
  await Promise.all(queues.map((q) => q.close()));
  await deleteNamespace(redis, namespace).catch(() => undefined);
  await Promise.all([slack.close(), openai.close()]);
  await cluster.stop();
  process.exit(ok ? 0 : 1);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
