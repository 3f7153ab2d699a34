import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { z } from 'zod';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { JOB_DEFINITIONS } from '../../../src/main.js';
import { approvalJobRunners } from '../../../src/approvals/jobs.js';
import { keyJobRunners } from '../../../src/keys/jobs.js';
import { limitJobRunners } from '../../../src/limits/jobs.js';
import { spendJobRunners } from '../../../src/spend/jobs.js';
import { pollJobId } from '../../../src/spend/spendPoll.js';
import { defineJob, jobRunner, JobPayloadRefused, type JobRun, type JobRunner } from '../../../src/platform/queues/catalog.js';
import { tickJobId } from '../../../src/platform/queues/clock.js';
import { reconcileRunner } from '../../../src/platform/queues/reconcile.js';
import { createJobQueues, type JobQueues } from '../../../src/platform/queues/queues.js';
import { QUEUE, type QueueName } from '../../../src/platform/queues/registry.js';
import { retryDelay } from '../../../src/platform/queues/retry.js';
import { startWorkers, type RunningWorkers } from '../../../src/platform/queues/workers.js';
import { createRedis } from '../../../src/platform/redis/redis.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Jobs of this test only, on the spend queue (where no feature's job but the poll lives), with short backoffs. */
const QUICK = { firstMs: 20, maxMs: 40 };
const flakyJob = defineJob({
  queue: 'spend',
  name: 'test-flaky',
  payload: z.object({ label: z.string() }),
  retry: {
    attempts: 3,
    backoff: QUICK,
    judge: (error) => {
      const message = (error as Error).message;
      if (message === 'for good') return { permanent: true, message: 'refused for good', kind: 'refusal' };
      return { permanent: false, message, retryAfterMs: message === 'slow down' ? 400 : null, kind: 'passing' };
    },
    logAs: 'test job failed',
  },
});
const noteA = defineJob({ queue: 'spend', name: 'test-note', kind: 'a', payload: z.object({ kind: z.literal('a'), text: z.string() }), retry: { attempts: 1, backoff: QUICK } });
const noteB = defineJob({ queue: 'spend', name: 'test-note', kind: 'b', payload: z.object({ kind: z.literal('b'), count: z.int() }), retry: { attempts: 1, backoff: QUICK } });
const TEST_JOBS = [flakyJob, noteA, noteB];

/** `add` for jobs the typed producers do not know (this test's), and for payloads they would not compile. */
type LooseAdd = (queue: QueueName, name: string, data: unknown, opts: { jobId: string; delayMs?: number }) => Promise<void>;

let queueRedis: Redis;
let workerRedis: Redis;
let prefix: string;
let queues: JobQueues;
let add: LooseAdd;
let workers: RunningWorkers | null = null;
const logLines: Record<string, unknown>[] = [];
const log = pino(
  { level: 'debug' },
  new Writable({
    write(chunk, _encoding, done) {
      logLines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  }),
);

beforeAll(async () => {
  queueRedis = createRedis(REDIS_URL, 'queue');
  workerRedis = createRedis(REDIS_URL, 'queue');
  prefix = `kwtest-catalog-${randomBytes(4).toString('hex')}:{kw}`;
  queues = createJobQueues(queueRedis, prefix, [...JOB_DEFINITIONS, ...TEST_JOBS]);
  add = queues.add as unknown as LooseAdd;
});
afterEach(async () => {
  await workers?.close();
  workers = null;
  logLines.length = 0;
});
afterAll(async () => {
  for (const queue of Object.values(queues.queues)) await queue.obliterate({ force: true });
  await queues.close();
  queueRedis.disconnect();
  workerRedis.disconnect();
});

const start = (runners: readonly JobRunner[]) => {
  workers = startWorkers(workerRedis, prefix, runners, { concurrency: 1, lockDurationMs: 5_000 }, log);
};

/** The job once it completed or failed (for good: no retry waiting). */
async function settled(queue: Queue, id: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await queue.getJobState(id);
    // read after its state, so the job is read as it finished
    const job = state === 'completed' || state === 'failed' ? await queue.getJob(id) : undefined;
    if (job) return { job, state };
    if (Date.now() > deadline) throw new Error(`job ${id} is still ${state}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('producers', () => {
  it('refuse a payload that does not fit its job, saying which job and what is wrong, and queue nothing', async () => {
    const refusal = await add(QUEUE.openai, 'provision', { requestId: 42 }, { jobId: 'bad-provision' }).catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(JobPayloadRefused);
    expect((refusal as JobPayloadRefused).message).toContain('openai job provision');
    expect((refusal as JobPayloadRefused).problems.join(' ')).toContain('requestId');
    // one job of a kind: its own schema decides (an alert needs its project)
    const alert = await add(QUEUE.slack, 'post', { kind: 'alert', identity: 'alert.1' }, { jobId: 'bad-alert' }).catch((e: unknown) => e);
    expect((alert as JobPayloadRefused).problems.join(' ')).toContain('projectId');
    expect(await queues.queues.openai.getJob('bad-provision')).toBeUndefined();
    expect(await queues.queues.slack.getJob('bad-alert')).toBeUndefined();
  });

  it('refuse a job no feature declared, and a kind no feature declared', async () => {
    await expect(add(QUEUE.openai, 'make-coffee', { requestId: 'req_1' }, { jobId: 'coffee' })).rejects.toThrow(/no job openai\.make-coffee is declared/);
    await expect(add(QUEUE.slack, 'post', { kind: 'make-coffee' }, { jobId: 'coffee' })).rejects.toThrow(/no job slack\.post\.make-coffee is declared/);
  });

  it('store the payload as its schema reads it: nothing it does not name reaches Redis', async () => {
    await add(QUEUE.openai, 'provision', { requestId: 'req_strip', secret: 'sk-proj-not-a-payload' }, { jobId: 'strip' });
    const job = await queues.queues.openai.getJob('strip');
    expect(job?.data).toEqual({ requestId: 'req_strip' });
    expect(JSON.stringify(await queueRedis.hgetall(`${prefix}:openai:strip`))).not.toContain('sk-proj');
    await job?.remove();
  });

  it('refuse a bulk add whole when one payload does not fit', async () => {
    const jobs = [
      { data: { kind: 'alert', identity: 'alert.2', projectId: 'proj_1' }, jobId: 'bulk-good' },
      { data: { kind: 'alert', identity: 'alert.3' }, jobId: 'bulk-bad' },
    ];
    await expect((queues.addBulk as unknown as (q: QueueName, n: string, j: unknown) => Promise<void>)(QUEUE.slack, 'post', jobs)).rejects.toBeInstanceOf(JobPayloadRefused);
    expect(await queues.queues.slack.getJob('bulk-good')).toBeUndefined();
  });

  it('give a job the attempts of its retry policy', async () => {
    await add(QUEUE.spend, 'test-flaky', { label: 'attempts' }, { jobId: 'attempts', delayMs: 60_000 });
    expect((await queues.queues.spend.getJob('attempts'))?.opts.attempts).toBe(3);
    await queues.queues.spend.remove('attempts');
  });

  it('take only jobs a feature also runs: every declared job has exactly one runner', () => {
    // Runners only close over their dependencies until a job runs, so none are needed to list them.
    const runners = [keyJobRunners, limitJobRunners, spendJobRunners, approvalJobRunners, () => [reconcileRunner({}, {} as never)]].flatMap((runnersOf) => runnersOf({} as never));
    expect(runners.map((r) => r.definition)).toEqual(expect.arrayContaining(JOB_DEFINITIONS));
    expect(runners).toHaveLength(JOB_DEFINITIONS.length);
  });

  it('the clock ids: the spend poll keeps the id it always had', () => {
    const tickAt = Date.UTC(2025, 2, 1, 0, 5, 0, 123);
    expect(tickJobId('poll', tickAt)).toBe(pollJobId(tickAt));
    expect(tickJobId('reconcile', tickAt)).toBe('reconcile.2025-03-01T00-05-00-000Z');
  });
});

describe('workers', () => {
  it('fail a queued payload that does not fit its job for good: logged with the job and what was wrong, never run, and go on', async () => {
    const ran: string[] = [];
    start([jobRunner(flakyJob, { run: async ({ label }) => (ran.push(label), 'ran') })]);
    // queued past the producers, as an older release or a hand might
    await queues.queues.spend.add('test-flaky', { label: 7 }, { jobId: 'not-fitting', attempts: 5, backoff: { type: 'custom' } });
    await add(QUEUE.spend, 'test-flaky', { label: 'after' }, { jobId: 'fitting' });

    const refused = await settled(queues.queues.spend, 'not-fitting');
    expect(refused.state).toBe('failed');
    expect(refused.job.attemptsMade).toBe(1);
    expect(refused.job.failedReason).toMatch(/payload refused: label:/);
    expect((await settled(queues.queues.spend, 'fitting')).state).toBe('completed');
    expect(ran).toEqual(['after']);
    const line = logLines.find((l) => l.jobId === 'not-fitting' && l.level === 50);
    expect(line?.job).toBe('test-flaky');
    expect(String((line?.problems as string[] | undefined)?.[0])).toMatch(/^label: /);
  });

  it('fail a job no runner takes for good', async () => {
    start([jobRunner(flakyJob, { run: async () => 'ran' })]);
    await add(QUEUE.spend, 'test-note', { kind: 'a', text: 'nobody runs me' }, { jobId: 'unrun' });
    const { job, state } = await settled(queues.queues.spend, 'unrun');
    expect(state).toBe('failed');
    expect(job.failedReason).toContain('no job spend.test-note.a is declared');
  });

  it('run jobs that share a name by their payload’s kind', async () => {
    const seen: string[] = [];
    start([jobRunner(noteA, { run: async ({ text }) => (seen.push(`a:${text}`), 'a') }), jobRunner(noteB, { run: async ({ count }) => (seen.push(`b:${count}`), 'b') })]);
    await add(QUEUE.spend, 'test-note', { kind: 'b', count: 2 }, { jobId: 'note-b' });
    await add(QUEUE.spend, 'test-note', { kind: 'a', text: 'hi' }, { jobId: 'note-a' });
    expect((await settled(queues.queues.spend, 'note-b')).job.returnvalue).toBe('b');
    expect((await settled(queues.queues.spend, 'note-a')).job.returnvalue).toBe('a');
    expect(seen.sort()).toEqual(['a:hi', 'b:2']);
  });

  it('retry a passing failure until the policy’s attempts run out, telling onFailure which attempt is final', async () => {
    const attempts: number[] = [];
    const finals: boolean[] = [];
    start([
      jobRunner(flakyJob, {
        run: async (_payload, job) => {
          attempts.push(job.attempt);
          throw new Error('flaky');
        },
        onFailure: async (_payload, failure) => void finals.push(failure.final),
      }),
    ]);
    await add(QUEUE.spend, 'test-flaky', { label: 'flaky' }, { jobId: 'flaky' });
    const { job, state } = await settled(queues.queues.spend, 'flaky');
    expect(state).toBe('failed');
    expect(job.attemptsMade).toBe(3);
    expect(job.failedReason).toBe('flaky');
    expect(attempts).toEqual([1, 2, 3]);
    expect(finals).toEqual([false, false, true]);
    expect(logLines.filter((l) => l.msg === 'test job failed' && l.jobId === 'flaky').map((l) => [l.attempt, l.failure])).toEqual([
      [1, 'passing'],
      [2, 'passing'],
      [3, 'passing'],
    ]);
  });

  it('do not retry a failure the policy calls permanent', async () => {
    const finals: boolean[] = [];
    start([
      jobRunner(flakyJob, {
        run: async () => {
          throw new Error('for good');
        },
        onFailure: async (_payload, failure) => void finals.push(failure.final),
      }),
    ]);
    await add(QUEUE.spend, 'test-flaky', { label: 'refused' }, { jobId: 'refused' });
    const { job, state } = await settled(queues.queues.spend, 'refused');
    expect(state).toBe('failed');
    expect(job.attemptsMade).toBe(1);
    expect(job.failedReason).toBe('refused for good');
    expect(finals).toEqual([true]);
  });

  it('wait at least the Retry-After a failure carries before the next attempt', async () => {
    const at: number[] = [];
    start([
      jobRunner(flakyJob, {
        run: async () => {
          at.push(Date.now());
          if (at.length === 1) throw new Error('slow down');
          return 'done';
        },
      }),
    ]);
    await add(QUEUE.spend, 'test-flaky', { label: 'slow' }, { jobId: 'slow' });
    expect((await settled(queues.queues.spend, 'slow')).state).toBe('completed');
    expect(at).toHaveLength(2);
    expect((at[1] as number) - (at[0] as number)).toBeGreaterThanOrEqual(380);
  });

  it('put a job back with `later` without spending an attempt', async () => {
    const attempts: number[] = [];
    start([
      jobRunner(flakyJob, {
        run: async (_payload, job: JobRun) => {
          attempts.push(job.attempt);
          if (attempts.length === 1) return job.later(100);
          return 'done';
        },
      }),
    ]);
    await add(QUEUE.spend, 'test-flaky', { label: 'later' }, { jobId: 'later' });
    expect((await settled(queues.queues.spend, 'later')).job.returnvalue).toBe('done');
    expect(attempts).toEqual([1, 1]);
  });
});

describe('retryDelay', () => {
  it('doubles from the first wait up to the most, and honours a longer Retry-After up to an hour', () => {
    const backoff = { firstMs: 1_000, maxMs: 600_000 };
    expect([1, 2, 3, 4].map((n) => retryDelay(n, backoff))).toEqual([1_000, 2_000, 4_000, 8_000]);
    expect(retryDelay(20, backoff)).toBe(600_000);
    expect(retryDelay(1, backoff, Object.assign(new Error('429'), { retryAfterMs: 30_000 }))).toBe(30_000);
    expect(retryDelay(3, backoff, Object.assign(new Error('429'), { retryAfterMs: 500 }))).toBe(4_000);
    expect(retryDelay(1, backoff, Object.assign(new Error('429'), { retryAfterMs: 7_200_000 }))).toBe(3_600_000);
  });
});
