/**
 * keywarden's slash-command ack against a bare Bolt app's, side by side in one run.
 *
 * Both apps run as their own processes over HTTP on loopback against the Slack emulator (in this process):
 * keywarden in `all` mode (listener, workers and clock in one process, as most teams start) with the OpenAI
 * emulator and real Redis, and a bare Bolt 5 app that acks and posts one message (bench/support/bareBolt.ts).
 * The load comes from a third process (bench/support/slashLoad.ts): `count` signed `/openai-key request <project>
 * <purpose>` commands at once. Rounds alternate which app goes first; each round prints both apps' p50 and p99 ack
 * latency, and the end prints the totals and the ratios (keywarden / bare Bolt).
 *
 *   npx tsx bench/ack-vs-bolt.ts [rounds=5] [count=200]
 */
import { emulatorEnv } from '../test/support/workspace.js';
import { percentile } from './support/benchKit.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { startOpenAIEmulator } from '../src/emulators/openai/index.js';
import { startSlackEmulator } from '../src/emulators/slack/index.js';
import { workspaceOf } from '../src/emulators/slack/server.js';
import type { SlackEmulator } from '../src/emulators/slack/types.js';
import { freePort } from '../src/sandbox/redisLocator.js';
import { deleteNamespace } from '../src/platform/redis/redis.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ROUNDS = Number(process.argv[2] ?? 5);
const COUNT = Number(process.argv[3] ?? 200);
const SIGNING_SECRET = randomBytes(24).toString('hex');
const APPROVAL_CHANNEL = 'C0APPROVALS';
const CHANNEL = 'C0GENERAL01';
/** extra node flags for each app's process, e.g. BENCH_KEYWARDEN_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" */
const KEYWARDEN_NODE_ARGS = (process.env.BENCH_KEYWARDEN_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
const BARE_NODE_ARGS = (process.env.BENCH_BARE_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
const TEXT = 'request "Support Bot" answer support tickets faster for the team';

function startChild(args: string[], env: Record<string, string>, ready: RegExp, nodeArgs: string[] = []): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', ...args], { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`${args.join(' ')} did not start within 60 s:\n${seen.slice(-2000)}`)), 60_000);
    const onData = (chunk: Buffer) => {
      seen += chunk.toString('utf8');
      if (ready.test(seen)) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (seen += chunk.toString('utf8')));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${args.join(' ')} exited with ${code}:\n${seen.slice(-2000)}`));
    });
  });
}

/** SIGTERM, then SIGKILL after 10 s: a process run with --cpu-prof writes its profile when it exits on its own. */
function stopGracefully(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const hard = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(hard);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

interface LoadResult {
  readonly latenciesMs: number[];
  readonly failures: number;
  readonly wallMs: number;
}

let sendersSoFar = 0;

/**
 * `count` new people in the Slack emulator, each with a response_url the emulator issued: every command of the run
 * comes from someone who has not asked before, so keywarden opens a request for each (no duplicate warnings).
 */
function newSenders(slack: SlackEmulator, count: number): { userId: string; responseUrl: string }[] {
  const workspace = workspaceOf(slack);
  return Array.from({ length: count }, () => {
    sendersSoFar += 1;
    const userId = `U0LOAD${String(sendersSoFar).padStart(5, '0')}`;
    slack.addUser({ id: userId, name: userId.toLowerCase() });
    return { userId, responseUrl: workspace.issueResponseUrl(userId, CHANNEL) };
  });
}

/** the response_urls handed to keywarden's commands, to read its answers at the end */
const keywardenResponseUrls = new Set<string>();

function runLoad(slack: SlackEmulator, url: string, count: number, keepUrls?: Set<string>): Promise<LoadResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/support/slashLoad.ts', url, SIGNING_SECRET, String(count), String(count), '/openai-key', TEXT], {
    cwd: repoRoot,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const senders = newSenders(slack, count);
  for (const s of senders) keepUrls?.add(s.responseUrl);
  child.stdin.end(JSON.stringify({ senders }));
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim()) as LoadResult) : reject(new Error(`load generator exited with ${code}`))));
  });
}

async function main(): Promise<void> {
  const running: (() => Promise<void> | void)[] = [];
  try {
    const slack = await startSlackEmulator({
      users: [
        { id: 'U0REQUESTER', name: 'riley', realName: 'Riley Requester' },
        { id: 'U0APPROVER1', name: 'avery' },
      ],
      channels: [
        { id: APPROVAL_CHANNEL, name: 'keywarden-approvals' },
        { id: CHANNEL, name: 'general' },
      ],
    });
    running.push(() => slack.close());
    const openai = await startOpenAIEmulator();
    running.push(() => openai.close());
    openai.addProject({ name: 'Support Bot' });

    const namespace = `benchbolt${randomBytes(3).toString('hex')}`;
    const redis = new Redis(REDIS_URL, { protocol: 2 });
    running.push(async () => {
      await deleteNamespace(redis, namespace);
      redis.disconnect();
    });

    const kwPort = await freePort();
    const keywarden = await startChild(
      ['src/main.ts', 'all'],
      {
        ...emulatorEnv(slack, openai, SIGNING_SECRET),
        REDIS_URL,
        KEYWARDEN_NAMESPACE: namespace,
        PORT: String(kwPort),
        KEYWARDEN_APPROVAL_CHANNEL: APPROVAL_CHANNEL,
        KEYWARDEN_ALERT_CHANNEL: APPROVAL_CHANNEL,
        KEYWARDEN_APPROVERS: 'U0APPROVER1',
        KEYWARDEN_SECRET: randomBytes(32).toString('base64'),
        KEYWARDEN_CLOCK: 'off',
        // info, as teams run it: one log line per Slack request is part of what an ack costs
        LOG_LEVEL: 'info',
      },
      /keywarden started/,
      KEYWARDEN_NODE_ARGS,
    );
    running.push(() => stopGracefully(keywarden));
    const boltPort = await freePort();
    const bare = await startChild(
      ['bench/support/bareBolt.ts'],
      { SLACK_BOT_TOKEN: slack.botToken, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: slack.apiUrl, PORT: String(boltPort), CHANNEL: APPROVAL_CHANNEL },
      /listening/,
      BARE_NODE_ARGS,
    );
    running.push(() => stopGracefully(bare));

    const apps = {
      keywarden: `http://127.0.0.1:${kwPort}/slack/events`,
      'bare Bolt': `http://127.0.0.1:${boltPort}/slack/events`,
    } as const;
    type AppName = keyof typeof apps;
    // warm-up: connections, JIT, the project cache
    for (const url of Object.values(apps)) await runLoad(slack, url, 20);
    const measuredSince = slack.responseUrlPosts.length;

    const all: Record<AppName, number[]> = { keywarden: [], 'bare Bolt': [] };
    const failures: Record<AppName, number> = { keywarden: 0, 'bare Bolt': 0 };
    console.log(`ack latency, ${COUNT} signed slash commands at once per app per round, ${ROUNDS} rounds, node ${process.version}`);
    for (let round = 1; round <= ROUNDS; round += 1) {
      const order: AppName[] = round % 2 === 1 ? ['keywarden', 'bare Bolt'] : ['bare Bolt', 'keywarden'];
      const line: string[] = [];
      for (const name of order) {
        const result = await runLoad(slack, apps[name], COUNT, name === 'keywarden' ? keywardenResponseUrls : undefined);
        all[name].push(...result.latenciesMs);
        failures[name] += result.failures;
        line.push(`${name}: p50 ${percentile(result.latenciesMs, 50).toFixed(1)} ms, p99 ${percentile(result.latenciesMs, 99).toFixed(1)} ms`);
        // let post-ack work settle so one app's backlog does not land in the other's round
        await new Promise((r) => setTimeout(r, 2_000));
      }
      console.log(`round ${round}  ${line.join('   ')}`);
    }
    const p = (name: AppName, q: number) => percentile(all[name], q);
    console.log(`total  keywarden: p50 ${p('keywarden', 50).toFixed(1)} ms, p99 ${p('keywarden', 99).toFixed(1)} ms (${failures.keywarden} failed)`);
    console.log(`total  bare Bolt: p50 ${p('bare Bolt', 50).toFixed(1)} ms, p99 ${p('bare Bolt', 99).toFixed(1)} ms (${failures['bare Bolt']} failed)`);
    // What keywarden answered through the response_urls (after a moment for the last answers): every command of the
    // measured rounds should have opened a request ("Request sent"), not a duplicate warning or an error.
    const expected = keywardenResponseUrls.size;
    const deadline = Date.now() + 30_000;
    const answered = () => slack.responseUrlPosts.slice(measuredSince).filter((p) => keywardenResponseUrls.has(p.url));
    while (answered().length < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const answers = answered();
    const sent = answers.filter((p) => String((p.body as { text?: unknown }).text ?? '').startsWith('Request sent')).length;
    const other = answers.find((p) => !String((p.body as { text?: unknown }).text ?? '').startsWith('Request sent'));
    console.log(
      `answers keywarden: ${sent} of ${expected} commands answered "Request sent"` +
        (answers.length < expected ? `, ${expected - answers.length} unanswered after 30 s` : '') +
        (other ? `; another answer: ${String((other.body as { text?: unknown }).text ?? '').slice(0, 160)}` : ''),
    );
    const byMethod = new Map<string, number>();
    for (const c of slack.calls) byMethod.set(c.method, (byMethod.get(c.method) ?? 0) + 1);
    console.log(`Slack Web API calls (both apps): ${[...byMethod].map(([m, n]) => `${m} ${n}`).join(', ')}`);
    console.log(`ratio  p50 ${(p('keywarden', 50) / p('bare Bolt', 50)).toFixed(2)}   p99 ${(p('keywarden', 99) / p('bare Bolt', 99)).toFixed(2)}   (goal: p99 within 1.25)`);
  } finally {
    for (const stop of running.reverse()) await stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`ack-vs-bolt failed: ${(error as Error).stack ?? String(error)}`);
    process.exit(1);
  },
);
