/**
 * keywarden on a real Redis Cluster (six local redis-servers): the key request, a limit change and the spend flow
 * with an alert, while every primary's MONITOR records what keywarden (and BullMQ for it) sends; then every script,
 * transaction and multi-key command must have kept its keys in one hash slot.
 */
import { workspaceOf } from '../../src/emulators/slack/server.js';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { VIEW } from '../../src/platform/slack/ids.js';
import type { RunningKeywarden } from '../../src/main.js';
import type { SlackDriver, SlackMessage } from '../../src/emulators/slack/index.js';
import { APPROVAL_CHANNEL, GENERAL_CHANNEL, SPEND_CHANNEL, USERS } from '../support/workspace.js';
import { APPROVE, REVEAL, actionIdsIn, waitUntil } from '../support/harness.js';
import { startLocalRedisCluster, type LocalRedisCluster } from '../support/redisCluster.js';
import { monitorPrimaries, startClusterWorld, startInProcess, type ClusterWorld, type MonitoredCommand } from './clusterWorld.js';

const BASE = Date.UTC(2026, 10, 15, 12, 0, 0); // mid-month, whatever day the test runs
const started = Date.now();
const now = () => BASE + (Date.now() - started);
const day = (d: number) => Math.floor(Date.UTC(2026, 10, d, 10) / 1000);

let cluster: LocalRedisCluster;
let world: ClusterWorld;
let app: RunningKeywarden;
let driver: SlackDriver;
let logLines: string[];
let monitor: Awaited<ReturnType<typeof monitorPrimaries>>;

beforeAll(async () => {
  cluster = await startLocalRedisCluster();
  monitor = await monitorPrimaries(cluster);
  world = await startClusterWorld(cluster, {}, now);
  ({ app, driver, logLines } = await startInProcess(world, now));
}, 60_000);
afterAll(async () => {
  if (process.env.DEBUG_E2E) console.log(logLines?.join(''));
  monitor?.stop();
  await app?.stop();
  await world?.close();
  await cluster?.stop();
}, 30_000);

const dmTo = (userId: string) => world.slack.messages(world.slack.dmChannelOf(userId));
const nameOf = (m: SlackMessage) => (m.metadata as { event_payload?: { name?: string } } | undefined)?.event_payload?.name ?? '';

describe('keywarden on a Redis Cluster, in one process', () => {
  it('runs a key request from request to approval, provisioning and reveal', async () => {
    const { message, requestId, ackMs } = await world.openRequest(driver, 'request Support Bot answer cluster tickets');
    expect(ackMs).toBeLessThan(3_000);
    // a second request for the same project while the first waits: keywarden asks, the person confirms (a draft claimed once)
    const second = await world.openRequest(driver, 'request Support Bot a deliberate second request');
    expect(second.requestId).not.toBe(requestId);
    await driver.clickButton({ userId: USERS.approver, actionId: APPROVE, value: requestId, channel: APPROVAL_CHANNEL, messageTs: message.ts });
    const provisioned = await world.waitForState(requestId, 'awaiting_reveal');
    expect(provisioned.decidedBy).toBe(USERS.approver);
    expect(world.openai.serviceAccounts(world.projects.support).filter((sa) => sa.name === `keywarden-${requestId}`)).toHaveLength(1);

    const dm = await world.slack.waitFor(() => dmTo(USERS.requester).find((m) => actionIdsIn(m).includes(REVEAL)), 15_000);
    await driver.clickButton({ userId: USERS.requester, actionId: REVEAL, value: requestId, channel: dm.channel, messageTs: dm.ts });
    const modal = await world.slack.waitFor(() => world.slack.views(USERS.requester).find((v) => v.callback_id === VIEW.revealedKey), 15_000);
    expect(JSON.stringify(modal.blocks)).toMatch(/sk-svcacct-[A-Za-z0-9_-]{20,}/);
    await world.waitForState(requestId, 'active');
    expect(await cluster.client().exists(world.key('secret', requestId))).toBe(0);
  }, 60_000);

  it('applies a limit change at OpenAI, stores it and announces it', async () => {
    const res = await driver.slashCommand({ userId: USERS.admin, text: 'limit "Support Bot" soft 100 hard 150 at 50,80,100', channelId: GENERAL_CHANNEL });
    expect(res.status).toBe(200);
    await waitUntil(async () => (await cluster.client().exists(world.key('limits', world.projects.support))) === 1, 15_000, 'limits stored');
    expect(world.openai.spendLimit(world.projects.support)?.threshold_amount).toBe(15_000);
    const limits = JSON.parse((await cluster.client().get(world.key('limits', world.projects.support))) ?? '{}') as { softCents?: number };
    expect(limits.softCents).toBe(10_000);
  }, 30_000);

  it('polls spend and posts each alert once', async () => {
    world.openai.addCost({ projectId: world.projects.support, day: day(14), usd: 55 });
    const first = await app.pollSpendNow();
    expect(first.alertsClaimed).toBeGreaterThanOrEqual(1);
    const status = await world.slack.waitFor(() => world.slack.messages(SPEND_CHANNEL).find((m) => nameOf(m).startsWith(`status.${world.projects.support}.`)), 20_000);
    const replies = await world.slack.waitFor(() => {
      const r = world.slack.thread(SPEND_CHANNEL, status.ts).filter((m) => nameOf(m).startsWith('reply.'));
      return r.length >= first.alertsClaimed ? r : undefined;
    }, 20_000);
    expect(JSON.stringify(replies)).toMatch(/50%/);
    expect((await app.pollSpendNow()).alertsClaimed).toBe(0);
    await new Promise((r) => setTimeout(r, 1_500));
    const names = world.slack.thread(SPEND_CHANNEL, status.ts).map(nameOf).filter((n) => n.startsWith('reply.'));
    expect(names).toHaveLength(first.alertsClaimed);
    expect(new Set(names).size).toBe(names.length);

    // someone deletes the living status message: the next alert starts a new one for the month, once
    expect(workspaceOf(world.slack).deleteMessage(SPEND_CHANNEL, status.ts, false)).toMatchObject({ ok: true });
    world.openai.addCost({ projectId: world.projects.support, day: day(15), usd: 30 });
    expect((await app.pollSpendNow()).alertsClaimed).toBeGreaterThanOrEqual(1);
    const statuses = () => world.slack.messages(SPEND_CHANNEL).filter((m) => nameOf(m).startsWith(`status.${world.projects.support}.`));
    await world.slack.waitFor(() => (statuses().some((m) => m.ts !== status.ts) ? true : undefined), 20_000);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(statuses().filter((m) => m.ts !== status.ts)).toHaveLength(1);
  }, 60_000);

  it('kept every script, transaction and multi-key command in one hash slot', async () => {
    const mentionsUs = (c: MonitoredCommand) => c.args.some((a) => a.includes(`${world.namespace}:`));
    const ours = monitor.commands.filter(mentionsUs);
    const groups = atomicGroups(monitor.commands).filter((g) => g.commands.some(mentionsUs));
    const admin = new Redis({ host: '127.0.0.1', port: cluster.nodes[0]!.port, protocol: 2 });
    try {
      let multiKey = 0;
      const scripts = new Set<string>();
      for (const group of groups) {
        const keys = new Set<string>();
        for (const command of group.commands) for (const k of await keysOf(admin, command.args)) keys.add(k);
        if (group.kind === 'script') scripts.add(group.commands[0]!.args[1]!);
        if (keys.size < 2) continue;
        multiKey += 1;
        const slots = new Set(await Promise.all([...keys].map((k) => cluster.keySlot(k))));
        expect(slots.size, `${group.kind} ${group.commands.map((c) => c.args.slice(0, 2).join(' ').slice(0, 80)).join(' | ')} touches ${[...keys].join(', ')}`).toBe(1);
      }
      // every keyspace key of this namespace is in the `{kw}` slot
      expect(new Set(await Promise.all([world.key('request', 'x'), world.key('audit')].map((k) => cluster.keySlot(k))))).toEqual(new Set([await cluster.keySlot('{kw}')]));

      // Every Lua script keywarden's store defines was sent, and checked above.
      const observedScripts = groups.filter((g) => g.kind === 'script' && g.commands[0]!.args[0] === 'eval').map((g) => unescapeMonitor(g.commands[0]!.args[1]!).trim());
      const missing = storeScripts().filter((script) => !observedScripts.some((o) => o === script));
      expect(missing.map((script) => script.split('\n')[0]!.slice(0, 100)), 'store scripts never sent during the flows').toEqual([]);
      console.log(`[measured] slot check: ${ours.length} commands of this namespace, ${groups.filter((g) => g.kind === 'multi').length} MULTI/EXEC, ${scripts.size} distinct scripts (${groups.filter((g) => g.kind === 'script').length} runs), ${multiKey} multi-key operations, all in one slot`);
      expect(multiKey).toBeGreaterThan(10);
      expect(groups.filter((g) => g.kind === 'multi').length, 'the outbox appends with MULTI/EXEC').toBeGreaterThan(0);
    } finally {
      admin.disconnect();
    }
  }, 60_000);
});

interface AtomicGroup {
  readonly kind: 'multi' | 'script' | 'command';
  readonly commands: MonitoredCommand[];
}

/** MULTI … EXEC per client as one group; each EVAL/EVALSHA/FCALL as one; any other command alone. */
function atomicGroups(commands: readonly MonitoredCommand[]): AtomicGroup[] {
  const groups: AtomicGroup[] = [];
  const open = new Map<string, MonitoredCommand[]>();
  for (const c of commands) {
    const name = c.args[0]!.toLowerCase();
    const client = `${c.node}/${c.source}`;
    if (name === 'multi') {
      open.set(client, []);
      continue;
    }
    const tx = open.get(client);
    if (name === 'exec') {
      if (tx) groups.push({ kind: 'multi', commands: tx });
      open.delete(client);
      continue;
    }
    if (tx) {
      tx.push(c);
      continue;
    }
    groups.push({ kind: /^(eval|evalsha|eval_ro|evalsha_ro|fcall|fcall_ro)$/.test(name) ? 'script' : 'command', commands: [c] });
  }
  // MONITOR shows a transaction's commands when EXEC runs them, so a MULTI still open here was never executed.
  return groups;
}

/** MONITOR quotes arguments with C escapes (a newline shows as \\n). */
const unescapeMonitor = (arg: string) => arg.replace(/\\(n|r|t|"|\\)/g, (_m, c: string) => ({ n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' })[c]!);

/** The keys of a command, as Redis itself reads them (COMMAND GETKEYS); none for a command without keys. */
async function keysOf(redis: Redis, args: readonly string[]): Promise<string[]> {
  try {
    return (await redis.call('COMMAND', 'GETKEYS', ...args)) as string[];
  } catch {
    return [];
  }
}

/**
 * Every Lua script literal in keywarden's stores (platform/redis, each feature's `…Store.ts`, the outbox and the post
 * markers): a string passed to `eval`, or a `const … = \`…\`` holding redis.call.
 */
function storeScripts(): string[] {
  const dir = fileURLToPath(new URL('../../src', import.meta.url));
  const found: string[] = [];
  const files = (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts') && /^platform\/redis\/|Store\.ts$|\/outbox\.ts$|\/postMarkers\.ts$/.test(f.replaceAll('\\', '/')));
  for (const file of files) {
    const text = readFileSync(join(dir, file), 'utf8');
    for (const m of text.matchAll(/const \w+ = `([^`]*redis\.call[^`]*)`/g)) found.push(m[1]!.trim());
    // a script written as a double-quoted string: read it as JavaScript would (\" is a quote)
    for (const m of text.matchAll(/"((?:[^"\\\n]|\\.)*redis\.call(?:[^"\\\n]|\\.)*)"/g)) found.push((JSON.parse(`"${m[1]!}"`) as string).trim());
  }
  return [...new Set(found)];
}
