/**
 * One spend poll over 10,000 projects × 31 days of costs (plus a day of hourly usage) from the OpenAI emulator,
 * against a real Redis. Prints the OpenAI calls made, Redis round trips, wall time and peak RSS. The emulator runs in
 * a process of its own, so the peak RSS printed is keywarden's poll alone.
 *
 *   npx tsx bench/poll-spend.ts [projects=10000] [limitedProjects=100]
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createJobQueues } from '../src/jobs/queues.js';
import { createOpenAIAdmin, createOpenAIClient } from '../src/openai/admin.js';
import { pollSpend } from '../src/services/spend.js';
import { AuditLog } from '../src/store/audit.js';
import { LimitsStore } from '../src/store/limits.js';
import { redisKeys } from '../src/store/redis.js';
import { SpendStore } from '../src/store/spend.js';
import { PostMarkers } from '../src/store/postMarkers.js';
import type { Cents } from '../src/domain/money.js';
import { deleteNamespace } from '../src/store/redis.js';

const PROJECTS = Number(process.argv[2] ?? 10_000);
const LIMITED = Number(process.argv[3] ?? 100);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const NOW = Date.UTC(2026, 11, 31, 23, 30); // 31 Dec: a 31-day month, all of it in the past

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
async function startEmulatorProcess(): Promise<{ baseURL: string; adminKey: string; projectIds: string[]; callsByPath(): Promise<Record<string, number>>; stop(): void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/support/openaiEmulatorProcess.ts', String(PROJECTS), String(LIMITED), String(NOW)], {
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
    const hard = (300_00 + i * 100) as Cents;
    await limits.save({ projectId, softCents: 150_00 as Cents, hardCents: hard, thresholds: [50, 80, 100], channelId: 'C0SPEND0001', version: 1, updatedAt: NOW, updatedBy: 'bench', hardAtOpenAI: hard }, 0);
  }
  const setupMs = performance.now() - setupStarted;

  const client = createOpenAIClient({ adminKey: openai.adminKey, baseURL: openai.baseURL, timeoutMs: 60_000 });
  const queues = createJobQueues(queueRedis, keys.prefix);
  const store = countRoundTrips(redis);
  const queue = countRoundTrips(queueRedis);
  await openai.callsByPath(); // from here on
  const rssBefore = process.memoryUsage().rss;
  const started = performance.now();
  const report = await pollSpend({
    openai: createOpenAIAdmin(client),
    limits,
    spend: new SpendStore(redis, keys),
    markers: new PostMarkers(redis, keys),
    queues,
    audit: new AuditLog(redis, keys),
    clock: () => NOW,
    settings: { alertChannel: 'C0SPEND0001' },
  });
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
