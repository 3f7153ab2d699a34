/**
 * Fan-out: 1,000 spend alerts for 1,000 projects spread over 50 channels (20 projects per channel, each project's
 * alert channel one of the 50), posted by keywarden's real workers against a Slack emulator that enforces Slack's
 * "1 message per second per channel, short bursts allowed" (429 with Retry-After beyond it).
 *
 * The real path: limits stored for each project (as `/openai-key limit` stores them), the month's costs at the
 * OpenAI emulator, one `pollSpend` that claims the alerts, and keywarden (`startKeywarden`, role `all`, real Redis)
 * posting them. Each project's first alert posts the month's status message AND a reply in its thread, so each
 * channel must take 40 posts; the floor is the time the channel limit allows for them.
 *
 * Prints: duplicates (one post name accepted twice), lost posts (claimed alerts never told), unhandled 429s (a post
 * to a channel while a Retry-After the emulator sent for it still ran), and the time against the floor.
 *
 *   npx tsx bench/fanout.ts [projects=1000] [channels=50] [burst=1]
 */
import { emulatorEnv } from '../test/support/workspace.js';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import { readConfig } from '../src/platform/config/config.js';
import { createLogger } from '../src/platform/log.js';
import { secretsOf, startKeywarden } from '../src/main.js';
import { startSlackEmulator } from '../src/emulators/slack/index.js';
import { startOpenAIEmulator } from '../src/emulators/openai/index.js';
import type { Cents } from '../src/platform/domain/money.js';
import { LimitsStore } from '../src/limits/limitStore.js';
import { SpendStore } from '../src/spend/spendStore.js';
import { deleteNamespace, redisKeys } from '../src/platform/redis/redis.js';
import { channelFloorSeconds, percentile, tallyPosts } from './support/fanoutCount.js';

const PROJECTS = Number(process.argv[2] ?? 1_000);
const CHANNELS = Number(process.argv[3] ?? 50);
const BURST = Number(process.argv[4] ?? 1);
const PER_SECOND = 1;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** keywarden's and OpenAI's business clock: 20 Nov 2026, running on from there (never today's date) */
const BASE = Date.UTC(2026, 10, 20, 12);
const startedAt = Date.now();
const clock = () => BASE + (Date.now() - startedAt);
const MONTH = '2026-11';
const SIGNING_SECRET = 'bench-signing-secret-0123456789abcdef';
const ALERT_CHANNEL = 'C0FANDEFLT';

const channelId = (i: number) => `C0FAN${String(i).padStart(4, '0')}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const seconds = (ms: number) => (ms / 1000).toFixed(1);

async function main(): Promise<void> {
  const namespace = `fan${randomBytes(4).toString('hex')}`;
  const channels = Array.from({ length: CHANNELS }, (_, i) => ({ id: channelId(i), name: `spend-${i}` }));
  const slack = await startSlackEmulator({
    users: [{ id: 'U0FANADMIN', name: 'admin' }],
    channels: [...channels, { id: ALERT_CHANNEL, name: 'openai-spend' }, { id: 'C0FANAPPRV', name: 'approvals' }],
    channelRateLimit: { perSecond: PER_SECOND, burst: BURST },
  });
  const openai = await startOpenAIEmulator({ now: clock });
  const redis = new Redis(REDIS_URL, { protocol: 2 });
  const keys = redisKeys(namespace);
  const limits = new LimitsStore(redis, keys);

  // 1,000 projects, each $60 spent this month against a $100 soft limit at 50/80/100 %: one alert (50 %) each.
  const projectChannel = new Map<string, string>();
  for (let i = 0; i < PROJECTS; i += 1) {
    const name = `Fanout ${String(i).padStart(4, '0')}`;
    const id = openai.addProject({ name }).id;
    const channel = channelId(i % CHANNELS);
    projectChannel.set(id, channel);
    openai.addCost({ projectId: id, day: Math.floor(Date.UTC(2026, 10, 10, 12) / 1000), usd: 60 });
    await limits.save(
      { projectId: id, projectName: name, softCents: 100_00 as Cents, hardCents: null, hardAtOpenAI: null, capKnown: true, thresholds: [50, 80, 100], channelId: channel, version: 1, updatedAt: BASE, updatedBy: 'U0FANADMIN' },
      0,
    );
  }

  const env: Record<string, string> = {
    ...emulatorEnv(slack, openai, SIGNING_SECRET),
    REDIS_URL,
    KEYWARDEN_NAMESPACE: namespace,
    KEYWARDEN_APPROVAL_CHANNEL: 'C0FANAPPRV',
    KEYWARDEN_ALERT_CHANNEL: ALERT_CHANNEL,
    KEYWARDEN_APPROVERS: 'U0FANADMIN',
    KEYWARDEN_ADMINS: 'U0FANADMIN',
    KEYWARDEN_SECRET: randomBytes(32).toString('base64'),
    KEYWARDEN_POLL_CRON: '0 0 1 1 *', // the bench polls once, itself
    OPENAI_TIMEOUT_MS: '10000',
    PORT: '0',
    LOG_LEVEL: 'info',
  };
  const parsed = readConfig(env);
  if (!parsed.ok) throw new Error(`bench config is invalid: ${JSON.stringify(parsed.error)}`);
  const logLines: string[] = [];
  const log = createLogger({ level: 'info', secrets: secretsOf(parsed.value), destination: new Writable({ write: (chunk, _e, done) => (logLines.push(String(chunk)), done()) }) });
  const app = await startKeywarden(parsed.value, { log, clock, host: '127.0.0.1' });
  const queueRedis = new Redis(REDIS_URL, { protocol: 2, maxRetriesPerRequest: null });
  const slackQueue = new Queue('slack', { connection: queueRedis, prefix: keys.prefix });

  // Per channel, what keywarden must post: one status message and one reply per project.
  const mustPost = new Map<string, number>();
  for (const channel of projectChannel.values()) mustPost.set(channel, (mustPost.get(channel) ?? 0) + 2);
  const worstChannelPosts = Math.max(...mustPost.values());
  const floorS = channelFloorSeconds(worstChannelPosts, PER_SECOND, BURST);

  const pollStarted = Date.now();
  const report = await app.pollSpendNow();
  const pollMs = Date.now() - pollStarted;

  // The claimed alerts, from the ledger: each must be told, in a reply of its own or named by a higher one.
  const spend = new SpendStore(redis, keys);
  const toTell: string[] = [];
  let covered = 0;
  for (const projectId of projectChannel.keys()) {
    for (const entry of await spend.claimedEntriesOf(projectId, MONTH)) {
      if (entry.coveredBy === null) toTell.push(entry.alert.identity);
      else covered += 1;
    }
  }

  // Until every claimed alert has its reply and the queue is empty (or far past the floor), then a little longer.
  const deadline = Date.now() + Math.max(120_000, floorS * 4_000);
  let drained = false;
  while (Date.now() < deadline) {
    const tally = tallyPosts(slack.calls);
    const told = toTell.filter((identity) => tally.byName.has(`reply.${identity}`)).length;
    const counts = await slackQueue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    const pending = Object.values(counts).reduce((a, b) => a + b, 0);
    if (told === toTell.length && pending === 0) {
      drained = true;
      break;
    }
    await sleep(500);
  }
  const doneWaiting = Date.now();
  await sleep(3_000); // a late duplicate would show by now

  const tally = tallyPosts(slack.calls);
  const lost = toTell.filter((identity) => !tally.byName.has(`reply.${identity}`));
  const missingStatus = [...projectChannel.keys()].filter((id) => !tally.byName.has(`status.${id}.${MONTH}`));
  const pacing = slack.pacingReport();
  const stored = channels.reduce((n, c) => n + slack.messages(c.id).length + slack.messages(c.id).reduce((r, m) => r + slack.thread(c.id, m.ts).length, 0), 0);
  const wrongChannel = [...tally.byName.keys()].filter((name) => {
    const project = /^(?:status|reply)\.(?:alert\.)?([^.]+)\./.exec(name)?.[1];
    return project !== undefined && projectChannel.has(project) && !slack.calls.some((c) => c.ok && c.method === 'chat.postMessage' && c.args.channel === projectChannel.get(project) && (c.args.metadata as { event_payload?: { name?: string } } | undefined)?.event_payload?.name === name);
  });
  const totalMs = (tally.lastAt ?? doneWaiting) - pollStarted;
  const postingMs = tally.firstAt !== null && tally.lastAt !== null ? tally.lastAt - tally.firstAt : Number.NaN;
  // Where the time went: the gaps between accepted posts in each channel, and how often jobs ran (BullMQ counts each
  // start, including those the pacing sent back to wait).
  const gaps: number[] = [];
  const byChannelTimes = new Map<string, number[]>();
  for (const c of slack.calls) {
    if (c.method !== 'chat.postMessage' || !c.ok) continue;
    const list = byChannelTimes.get(String(c.args.channel)) ?? [];
    list.push(c.at);
    byChannelTimes.set(String(c.args.channel), list);
  }
  for (const times of byChannelTimes.values()) for (let i = 1; i < times.length; i += 1) gaps.push((times[i] as number) - (times[i - 1] as number));
  const completed = await slackQueue.getJobs(['completed'], 0, -1);
  const runs = completed.reduce((n, job) => n + (job.attemptsStarted ?? 0), 0);
  const warnings = logLines.filter((l) => /"level":(40|50|60)/.test(l));
  const updates = slack.callsTo('chat.update').length;
  const lookups = slack.callsTo('conversations.history').length + slack.callsTo('conversations.replies').length;

  console.log(`fan-out: ${PROJECTS.toLocaleString('en')} alerts over ${CHANNELS} channels, Slack limit ${PER_SECOND}/s per channel (burst ${BURST}), node ${process.version}`);
  console.log(`  poll: ${report.alertsClaimed} alerts claimed (${covered} told by a higher threshold), ${report.openaiCalls} OpenAI calls, ${pollMs} ms`);
  console.log(`  posts accepted ${[...tally.byName.values()].reduce((a, b) => a + b, 0) + tally.unnamed} (stored in Slack ${stored}); per channel must post ${worstChannelPosts} (status + reply per project)`);
  console.log(`  duplicates               ${tally.duplicates.length}${tally.duplicates.length ? `  e.g. ${tally.duplicates.slice(0, 5).map((d) => `${d.name}×${d.count}`).join(', ')}` : ''}`);
  console.log(`  lost posts               ${lost.length}${lost.length ? `  e.g. ${lost.slice(0, 5).join(', ')}` : ''}  (status messages missing: ${missingStatus.length})`);
  console.log(`  unhandled 429s           ${pacing?.ignored.length ?? 0}  (429s answered: ${pacing?.refusals.length ?? 0})`);
  console.log(`  posts in the wrong channel ${wrongChannel.length}, unnamed posts ${tally.unnamed}, chat.update ${updates}, history/replies lookups ${lookups}`);
  console.log(`  floor                    ${seconds(floorS * 1000)} s  (${worstChannelPosts} posts per channel at ${PER_SECOND}/s, burst ${BURST})`);
  console.log(`  time, poll start → last post   ${seconds(totalMs)} s  = ${(totalMs / 1000 / floorS).toFixed(2)} × floor  (poll ${seconds(pollMs)} s)`);
  console.log(`  time, first post → last post   ${seconds(postingMs)} s  = ${(postingMs / 1000 / floorS).toFixed(2)} × floor`);
  console.log(`  gap between posts in a channel: p50 ${percentile(gaps, 50)} ms, p90 ${percentile(gaps, 90)} ms, max ${Math.max(...gaps)} ms`);
  console.log(`  slack jobs completed ${completed.length}, job runs ${runs} (${(runs / Math.max(1, completed.length)).toFixed(1)} per job; each wait for the channel's pace is a run)`);
  console.log(`  all delivered and queue empty: ${drained ? 'yes' : 'NO (gave up waiting)'}; keywarden warnings/errors logged: ${warnings.length}`);
  for (const line of warnings.slice(0, 5)) console.log(`    ${line.trim().slice(0, 300)}`);

  await app.stop();
  await slackQueue.close();
  await Promise.all([slack.close(), openai.close()]);
  await deleteNamespace(redis, namespace);
  redis.disconnect();
  queueRedis.disconnect();
  const ok = drained && tally.duplicates.length === 0 && lost.length === 0 && (pacing?.ignored.length ?? 0) === 0 && totalMs / 1000 <= floorS * 1.1;
  console.log(`  goal (0 duplicates, 0 lost, 0 unhandled 429s, within 1.1 × floor): ${ok ? 'met' : 'NOT met'}`);
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
