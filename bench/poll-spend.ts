/**
 * Spend polls over 10,000 projects × 31 days of costs (plus a day of hourly usage) from the OpenAI emulator, against
 * a real Redis, on a clock that ticks 5 minutes a poll. Prints the first poll's OpenAI calls, Redis round trips, wall
 * time and peak RSS, then the OpenAI calls of every poll for an hour: costs and usage pages, and the spend-limit reads
 * (those near their cap every poll, the rest in the hourly rotation) against the bound 2 + pages + near +
 * ceil(others / 12). The emulator runs in a process of its own, so the peak RSS printed is keywarden's poll alone.
 *
 *   npx tsx bench/poll-spend.ts [projects=10000] [limitedProjects=100] [polls=13] [nearCap=0] [spendLimitReadsPerMinute=0]
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createJobQueues } from '../src/platform/queues/queues.js';
import { JOB_DEFINITIONS } from '../src/main.js';
import { createOpenAIAdmin, createOpenAIClient } from '../src/platform/openai/admin.js';
import { pollSpend } from '../src/spend/spendPoll.js';
import { AuditLog } from '../src/platform/redis/auditLog.js';
import { LimitsStore } from '../src/limits/limitStore.js';
import { redisKeys } from '../src/platform/redis/redis.js';
import { SpendStore } from '../src/spend/spendStore.js';
import { PostMarkers } from '../src/platform/slack/postMarkers.js';
import type { Cents } from '../src/platform/domain/money.js';
import { deleteNamespace } from '../src/platform/redis/redis.js';

const PROJECTS = Number(process.argv[2] ?? 10_000);
const LIMITED = Number(process.argv[3] ?? 100);
const POLLS = Number(process.argv[4] ?? 13);
/** the first this many limited projects are capped at $100, below what they spent: read every poll */
const NEAR_CAP = Number(process.argv[5] ?? 0);
/** OpenAI's limit on spend-limit reads, emulated (0: none) */
const READS_PER_MINUTE = Number(process.argv[6] ?? 0);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const NOW = Date.UTC(2026, 11, 31, 22, 0); // 31 Dec: a 31-day month, all of it in the past, an hour of ticks left
const TICK_MS = 5 * 60_000;

/** Counts what a connection sends: single commands are one round trip each, a pipeline is one for all of it. */
function countRoundTrips(redis: Redis): { commands: number; roundTrips: number } {
  const tally = { commands: 0, roundTrips: 0 };
  const send = redis.sendCommand.bind(redis);
  let inPipeline = 0;
  redis.sendCommand = ((...args: Parameters<Redis['sendCommand']>) => {
    tally.commands += 1;
    if (inPipeline === 0) tally.roundTrips += 1;
    return send(...args);
  }) as Redis['sendCommand'];
  const pipeline = redis.pipeline.bind(redis);
  redis.pipeline = ((...args: Parameters<Redis['pipeline']>) => {
    const p = pipeline(...args);
    const exec = p.exec.bind(p);
    p.exec = (async (...execArgs: Parameters<typeof p.exec>) => {
      tally.roundTrips += 1;
      inPipeline += 1;
      try {
        return await exec(...execArgs);
      } finally {
        inPipeline -= 1;
      }
    }) as typeof p.exec;
    return p;
  }) as Redis['pipeline'];
  return tally;
}

/** The emulator runs in its own process (bench/support/openaiEmulatorProcess.ts): talks to it line by line. */
async function startEmulatorProcess(): Promise<{ baseURL: string; adminKey: string; projectIds: string[]; callsByPath(): Promise<Record<string, number>>; setNow(ms: number): Promise<void>; stop(): void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/support/openaiEmulatorProcess.ts', String(PROJECTS), String(LIMITED), String(NOW), String(NEAR_CAP), String(READS_PER_MINUTE)], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<string> => {
    const line = await lines.next();
    if (line.done) throw new Error('the emulator process ended');
    return line.value;
  };
  const ready = JSON.parse(await next()) as { baseURL: string; adminKey: string; projectIds: string[] };
  return {
    ...ready,
    callsByPath: async () => {
      child.stdin.write('calls\n');
      return JSON.parse(await next()) as Record<string, number>;
    },
    setNow: async (ms) => {
      child.stdin.write(`now ${ms}\n`);
      await next();
    },
    stop: () => {
      child.stdin.write('exit\n');
    },
  };
}

async function main(): Promise<void> {
  const setupStarted = performance.now();
  const openai = await startEmulatorProcess();
  const ids = openai.projectIds;
  const namespace = `bench${randomBytes(4).toString('hex')}`;
  const keys = redisKeys(namespace);
  const redis = new Redis(REDIS_URL, { protocol: 2 });
  const queueRedis = new Redis(REDIS_URL, { protocol: 2, maxRetriesPerRequest: null });
  const limits = new LimitsStore(redis, keys);
  for (let i = 0; i < LIMITED; i += 1) {
    const projectId = ids[i] as string;
    const hard = (i < NEAR_CAP ? 100_00 : 300_00 + i * 100) as Cents;
    await limits.save({ projectId, softCents: 150_00 as Cents, hardCents: hard, thresholds: [50, 80, 100], channelId: 'C0SPEND0001', version: 1, updatedAt: NOW, updatedBy: 'bench', hardAtOpenAI: hard }, 0);
  }
  const setupMs = performance.now() - setupStarted;

  const client = createOpenAIClient({ adminKey: openai.adminKey, baseURL: openai.baseURL, timeoutMs: 60_000 });
  const queues = createJobQueues(queueRedis, keys.prefix, JOB_DEFINITIONS);
  const store = countRoundTrips(redis);
  const queue = countRoundTrips(queueRedis);
  await openai.callsByPath(); // from here on
  const rssBefore = process.memoryUsage().rss;
  const started = performance.now();
  let clock = NOW;
  const poll = () =>
    pollSpend({
      openai: createOpenAIAdmin(client),
      limits,
      spend: new SpendStore(redis, keys),
      markers: new PostMarkers(redis, keys),
      queues,
      audit: new AuditLog(redis, keys),
      clock: () => clock,
      settings: { alertChannel: 'C0SPEND0001' },
    });
  const report = await poll();
  const wallMs = performance.now() - started;
  const byPath = new Map(Object.entries(await openai.callsByPath()));
  const callCount = [...byPath.values()].reduce((a, b) => a + b, 0);

  console.log(`spend poll: ${PROJECTS.toLocaleString('en')} projects × 31 days of costs, ${LIMITED} with limits, node ${process.version}`);
  console.log(`  setup (emulator process, not measured)  ${(setupMs / 1000).toFixed(1)} s`);
  console.log(`  wall time                            ${wallMs.toFixed(0)} ms`);
  console.log(`  OpenAI calls                         ${callCount} (poll counted ${report.openaiCalls})`);
  for (const [path, n] of [...byPath].sort()) console.log(`    ${String(n).padStart(5)}  ${path}`);
  console.log(`  Redis round trips (store)            ${store.roundTrips} (${store.commands} commands)`);
  console.log(`  Redis round trips (queue)            ${queue.roundTrips} (${queue.commands} commands)`);
  console.log(`  peak RSS                             ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB (RSS before the poll ${(rssBefore / 2 ** 20).toFixed(0)} MiB)`);
  console.log(`  projects with spend ${report.projectsWithSpend}, alerts claimed ${report.alertsClaimed}, estimate missing ${report.estimateMissing}`);

  // An hour of 5-minute ticks: the calls of each poll against the bound.
  console.log(`\nOpenAI calls per poll, 5-minute ticks (${NEAR_CAP} of ${LIMITED} capped projects near their cap${READS_PER_MINUTE ? `, ${READS_PER_MINUTE} spend-limit reads a minute allowed` : ''}):`);
  console.log('  poll  minute  calls  pages  spend-limit reads (needed + rotation, 429s)  bound  wall ms');
  const readsOf = (calls: Record<string, number>) => calls['GET /v1/organization/projects/{project}/spend_limit'] ?? 0;
  const pagesOf = (calls: Record<string, number>) => Object.entries(calls).filter(([k]) => !k.startsWith('429') && !k.includes('spend_limit')).reduce((n, [, v]) => n + v, 0);
  const line = (i: number, calls: Record<string, number>, r: typeof report, ms: number) => {
    const total = Object.entries(calls).filter(([k]) => !k.startsWith('429')).reduce((n, [, v]) => n + v, 0);
    const reads = r.spendLimitReads;
    const bound = pagesOf(calls) + reads.needed + Math.ceil(reads.others / 12);
    console.log(`  ${String(i).padStart(4)}  ${String((i - 1) * 5).padStart(6)}  ${String(total).padStart(5)}  ${String(pagesOf(calls)).padStart(5)}  ${String(readsOf(calls)).padStart(5)} (${reads.needed} + ${reads.rotation}, ${calls['429 GET /v1/organization/projects/{project}/spend_limit'] ?? 0})${' '.repeat(22)}  ${String(bound).padStart(5)}  ${ms.toFixed(0).padStart(7)}`);
  };
  line(1, Object.fromEntries(byPath), report, wallMs);
  for (let i = 2; i <= POLLS; i += 1) {
    clock = NOW + (i - 1) * TICK_MS;
    await openai.setNow(clock);
    const t0 = performance.now();
    const r = await poll();
    line(i, await openai.callsByPath(), r, performance.now() - t0);
  }

  await queues.close();
  await deleteNamespace(redis, namespace);
  redis.disconnect();
  queueRedis.disconnect();
  openai.stop();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
