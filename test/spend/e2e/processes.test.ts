/**
 * Several worker processes with their own clocks on one Redis: each tick is polled once and each alert posted once,
 * also when a worker dies between recording an alert and posting it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { pollJobId } from '../../../src/spend/spendPoll.js';
import { GENERAL_CHANNEL, REDIS_URL, SPEND_CHANNEL, USERS, startHarness, waitUntil, type Harness } from '../../support/harness.js';
import type { SlackMessage } from '../../../src/emulators/slack/index.js';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
let h: Harness;
const children: { child: ChildProcess; lines: string[] }[] = [];

function startWorker(env: Record<string, string>): { child: ChildProcess; lines: string[] } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'worker'], {
    cwd: repoRoot,
    env: { ...process.env, ...h.env, PORT: '0', LOG_LEVEL: 'info', KEYWARDEN_JOB_LOCK_MS: '2000', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let buffered = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    lines.push(...parts);
  });
  child.stderr?.on('data', () => undefined);
  const entry = { child, lines };
  children.push(entry);
  return entry;
}

const stopChild = async (c: ChildProcess, signal: NodeJS.Signals = 'SIGTERM') => {
  if (c.exitCode !== null || c.signalCode !== null) return;
  const exited = new Promise((r) => c.once('exit', r));
  c.kill(signal);
  await exited;
};

const today = () => Math.floor(Date.now() / 1000);
const nameOf = (m: SlackMessage) => (m.metadata as { event_payload?: { name?: string } } | undefined)?.event_payload?.name ?? '';

beforeAll(async () => {
  h = await startHarness({ role: 'web' });
});
afterEach(async () => {
  await Promise.all(children.splice(0).map(({ child }) => stopChild(child, 'SIGKILL')));
});
afterAll(async () => {
  await h?.stop();
});

async function setLimits(text: string, projectId: string): Promise<void> {
  await h.driver.slashCommand({ userId: USERS.admin, text, channelId: GENERAL_CHANNEL });
  await waitUntil(async () => (await h.redis.exists(`${h.namespace}:{kw}:limits:${projectId}`)) === 1, 30_000, 'limits stored');
}

describe('three workers, two clocks', () => {
  it('polls each tick once and posts each alert once', async () => {
    // Workers post the limits announcement too, so start them first.
    const ticking = { KEYWARDEN_POLL_CRON: '*/2 * * * * *' };
    const workers = [startWorker(ticking), startWorker(ticking), startWorker({ ...ticking, KEYWARDEN_CLOCK: 'off' })];
    await setLimits('limit "Support Bot" soft 100 hard 1000 at 10,20,40,60,80', h.projects.support);

    // Spend climbs through the thresholds over a series of ticks.
    for (let step = 0; step < 5; step += 1) {
      h.openai.addCost({ projectId: h.projects.support, day: today(), usd: 18 });
      await new Promise((r) => setTimeout(r, 2_500));
    }
    const status = await h.waitFor(() => h.slack.messages(SPEND_CHANNEL).find((m) => nameOf(m).startsWith(`status.${h.projects.support}.`)), 20_000);
    // every threshold up to 80% ($90 spent), each told once: in a reply of its own, or named by the reply of a
    // higher threshold crossed in the same poll
    const toldThresholds = (r: SlackMessage[]) => {
      const told = new Set<string>();
      for (const m of r) {
        const own = /\.soft\.(\d+)$/.exec(nameOf(m))?.[1];
        if (own) told.add(own);
        const also = /also passed ([^.]*) of its soft limit/.exec(m.text)?.[1] ?? '';
        for (const t of also.matchAll(/(\d+)%/g)) if (t[1]) told.add(t[1]);
      }
      return told;
    };
    const replies = await h.waitFor(() => {
      const r = h.slack.thread(SPEND_CHANNEL, status.ts).filter((m) => nameOf(m).startsWith('reply.'));
      return ['10', '20', '40', '60', '80'].every((t) => toldThresholds(r).has(t)) ? r : undefined;
    }, 30_000);
    await new Promise((r) => setTimeout(r, 4_000)); // a few more ticks: nothing new may appear
    await Promise.all(workers.map(({ child }) => stopChild(child)));

    const names = h.slack.thread(SPEND_CHANNEL, status.ts).map(nameOf).filter((n) => n.startsWith('reply.'));
    expect(new Set(names).size).toBe(names.length);
    expect(names.length).toBe(replies.length);
    expect(h.slack.messages(SPEND_CHANNEL).filter((m) => nameOf(m).startsWith(`status.${h.projects.support}.`))).toHaveLength(1);

    // Each tick's poll ran in exactly one process, though two clocks queued it.
    const polls = workers.flatMap(({ lines }, worker) =>
      lines.flatMap((line) => {
        try {
          const entry = JSON.parse(line) as { msg?: string; jobId?: string };
          return entry.msg === 'spend polled' ? [{ worker, jobId: entry.jobId ?? '' }] : [];
        } catch {
          return [];
        }
      }),
    );
    const ids = polls.map((p) => p.jobId);
    expect(ids.length).toBeGreaterThanOrEqual(5);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => /^poll\.\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-000Z$/.test(id))).toBe(true);
    // the work was shared: more than one process polled
    expect(new Set(polls.map((p) => p.worker)).size).toBeGreaterThan(1);
  }, 120_000);
});

describe('a worker killed between recording an alert and posting it', () => {
  it('posts the alert once after another worker takes over', async () => {
    const doomed = startWorker({});
    await setLimits('limit "Research Assistant" soft 50 at 50', h.projects.research);
    await h.waitFor(() => h.slack.messages(SPEND_CHANNEL).find((m) => JSON.stringify(m).includes('Research Assistant')), 20_000);
    h.openai.addCost({ projectId: h.projects.research, day: today(), usd: 30 });
    // Slack holds its answer to the alert's first post: the worker has recorded the alert and is posting it.
    h.slack.inject('chat.postMessage', { delayMs: 8_000, times: 1 });
    // queue a poll the way the clock does
    const queue = new Queue('spend', { connection: new Redis(REDIS_URL, { maxRetriesPerRequest: null }), prefix: `${h.namespace}:{kw}` });
    await queue.add('poll-spend', { tickAt: Date.now() }, { jobId: pollJobId(Date.now()) });
    await queue.close();

    await waitUntil(async () => (await h.redis.keys(`${h.namespace}:{kw}:ledger:alert.${h.projects.research}.*`)).length > 0, 20_000, 'the alert recorded');
    await waitUntil(() => h.slack.callsTo('chat.postMessage').some((c) => JSON.stringify(c.args).includes(`status.${h.projects.research}`)) || undefined, 10_000, 'the post under way').catch(() => undefined);
    await stopChild(doomed.child, 'SIGKILL');

    startWorker({});
    const status = await h.waitFor(() => h.slack.messages(SPEND_CHANNEL).find((m) => nameOf(m).startsWith(`status.${h.projects.research}.`)), 40_000);
    await h.waitFor(() => h.slack.thread(SPEND_CHANNEL, status.ts).find((m) => nameOf(m).startsWith('reply.')), 40_000);
    await new Promise((r) => setTimeout(r, 10_000)); // the held answer lands; retries would show by now
    expect(h.slack.messages(SPEND_CHANNEL).filter((m) => nameOf(m).startsWith(`status.${h.projects.research}.`))).toHaveLength(1);
    expect(h.slack.thread(SPEND_CHANNEL, status.ts).filter((m) => nameOf(m).startsWith('reply.'))).toHaveLength(1);
  }, 120_000);
});
