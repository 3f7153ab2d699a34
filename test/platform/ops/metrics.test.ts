import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebClient } from '@slack/web-api';
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  attachWorkerMetrics,
  classifySlackRequest,
  createMetrics,
  slackErrorLabels,
  slackRequestName,
  slackRequestTimer,
} from '../../../src/platform/ops/metrics.js';
import { ACTION, SLASH_COMMAND, VIEW } from '../../../src/platform/slack/ids.js';
import { createRedis } from '../../../src/platform/redis/redis.js';
import { sampleValue } from './promText.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const METRIC_NAMES = [
  'keywarden_slack_request_duration_seconds',
  'keywarden_jobs_total',
  'keywarden_queue_depth',
  'keywarden_alerts_posted_total',
  'keywarden_openai_errors_total',
  'keywarden_slack_errors_total',
];

let connection: Redis;
const prefix = `kwtest-metrics-${randomBytes(4).toString('hex')}:{kw}`;
const openQueues: Queue[] = [];
const openConnections: Redis[] = [];

function workerConnection(): Redis {
  const redis = createRedis(REDIS_URL, 'queue');
  openConnections.push(redis);
  return redis;
}

beforeAll(() => {
  connection = createRedis(REDIS_URL, 'queue');
});
afterAll(async () => {
  for (const queue of openQueues) {
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
  }
  connection.disconnect();
  for (const redis of openConnections) redis.disconnect();
});

function queueNamed(name: string): Queue {
  const queue = new Queue(name, { connection, prefix });
  openQueues.push(queue);
  return queue;
}

async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('createMetrics', () => {
  it('exposes every keywarden metric and Node’s process metrics', async () => {
    const text = await createMetrics().render();
    for (const name of METRIC_NAMES) expect(text).toContain(`# TYPE ${name} `);
    expect(text).toContain('# TYPE process_cpu_user_seconds_total counter');
    expect(text).toContain('# TYPE nodejs_eventloop_lag_seconds gauge');
  });

  it('can leave out the process metrics', async () => {
    const text = await createMetrics({ processMetrics: false }).render();
    expect(text).not.toContain('process_cpu_user_seconds_total');
    expect(text).toContain('# TYPE keywarden_jobs_total counter');
  });

  it('observes Slack request latency by kind and known name, folding unknown names into other', async () => {
    const metrics = createMetrics({ processMetrics: false });
    metrics.observeSlackRequest('command', 'request', 0.2);
    metrics.observeSlackRequest('command', 'request', 0.7);
    metrics.observeSlackRequest('action', ACTION.approveRequest, 0.04);
    metrics.observeSlackRequest('view', 'somebody-elses-view', 1.5);
    metrics.observeSlackRequest('event', 'team_join', 0.01);
    const text = await metrics.render();
    const name = 'keywarden_slack_request_duration_seconds';
    expect(sampleValue(text, `${name}_count`, { kind: 'command', name: 'request' })).toBe(2);
    expect(sampleValue(text, `${name}_sum`, { kind: 'command', name: 'request' })).toBeCloseTo(0.9);
    expect(sampleValue(text, `${name}_bucket`, { kind: 'command', name: 'request', le: '0.25' })).toBe(1);
    expect(sampleValue(text, `${name}_count`, { kind: 'action', name: ACTION.approveRequest })).toBe(1);
    expect(sampleValue(text, `${name}_count`, { kind: 'view', name: 'other' })).toBe(1);
    expect(sampleValue(text, `${name}_count`, { kind: 'event', name: 'other' })).toBe(1);
    expect(text).not.toContain('somebody-elses-view');
  });

  it('counts job outcomes, alerts, OpenAI errors by status and Slack errors by status and code', async () => {
    const metrics = createMetrics({ processMetrics: false });
    metrics.recordJob('keys', 'completed');
    metrics.recordJob('keys', 'completed');
    metrics.recordJob('slack', 'retried');
    metrics.recordAlertPosted('soft');
    metrics.recordAlertPosted('hard');
    metrics.recordAlertPosted('hard');
    metrics.recordOpenAICall({ ok: true });
    metrics.recordOpenAICall({ ok: false, status: 401, kind: 'unauthorized' });
    metrics.recordOpenAICall({ ok: false, status: null, kind: 'timeout' });
    metrics.recordOpenAICall({ ok: false, status: null, kind: 'timeout' });
    metrics.recordSlackError({ code: 'slack_webapi_platform_error', data: { ok: false, error: 'not_in_channel' } });
    const text = await metrics.render();
    expect(sampleValue(text, 'keywarden_jobs_total', { queue: 'keys', outcome: 'completed' })).toBe(2);
    expect(sampleValue(text, 'keywarden_jobs_total', { queue: 'slack', outcome: 'retried' })).toBe(1);
    expect(sampleValue(text, 'keywarden_alerts_posted_total', { kind: 'hard' })).toBe(2);
    expect(sampleValue(text, 'keywarden_alerts_posted_total', { kind: 'soft' })).toBe(1);
    expect(sampleValue(text, 'keywarden_openai_errors_total', { status: '401' })).toBe(1);
    expect(sampleValue(text, 'keywarden_openai_errors_total', { status: 'none' })).toBe(2);
    expect(sampleValue(text, 'keywarden_slack_errors_total', { status: '200', code: 'not_in_channel' })).toBe(1);
  });

  it('reads queue depth from a real BullMQ queue on each scrape', async () => {
    const queue = queueNamed(`depth-${randomBytes(3).toString('hex')}`);
    const metrics = createMetrics({ processMetrics: false, queues: { keys: queue } });
    const depth = async (state: string) => sampleValue(await metrics.render(), 'keywarden_queue_depth', { queue: 'keys', state });

    expect(await depth('waiting')).toBe(0);
    expect(await depth('delayed')).toBe(0);
    await queue.add('provision', { requestId: 'req_1' });
    await queue.add('provision', { requestId: 'req_2' });
    await queue.add('provision', { requestId: 'req_3' }, { priority: 5 });
    await queue.add('expire-request', { requestId: 'req_1' }, { delay: 60_000 });
    expect(await depth('waiting')).toBe(3);
    expect(await depth('delayed')).toBe(1);
    expect(await depth('active')).toBe(0);
    expect(await depth('failed')).toBe(0);

    const worker = new Worker(
      queue.name,
      async (job) => {
        if (job.data.requestId === 'req_2') throw new Error('no');
      },
      { connection: workerConnection(), prefix, concurrency: 1 },
    );
    try {
      await until(async () => (await depth('waiting')) === 0 && (await depth('failed')) === 1, 'the worker to drain the queue');
    } finally {
      await worker.close();
      await worker.disconnect();
    }
    expect(await depth('delayed')).toBe(1);
  });

  it('leaves out a queue whose Redis does not answer within the timeout, and still answers', async () => {
    const healthy = queueNamed(`healthy-${randomBytes(3).toString('hex')}`);
    await healthy.add('provision', { requestId: 'req_1' });
    const unreachable = createRedis('redis://127.0.0.1:1', 'queue', { retryStrategy: () => 60_000 });
    unreachable.on('error', () => {});
    const stuck = new Queue('stuck', { connection: unreachable, prefix });
    stuck.on('error', () => {});
    try {
      const metrics = createMetrics({ processMetrics: false, queues: { keys: healthy, slack: stuck }, queueCountTimeoutMs: 200 });
      const started = performance.now();
      const text = await metrics.render();
      expect(performance.now() - started).toBeLessThan(1_000);
      expect(sampleValue(text, 'keywarden_queue_depth', { queue: 'keys', state: 'waiting' })).toBe(1);
      expect(sampleValue(text, 'keywarden_queue_depth', { queue: 'slack', state: 'waiting' })).toBeUndefined();
      // and on the next scrape, while the first count is still outstanding
      expect(sampleValue(await metrics.render(), 'keywarden_queue_depth', { queue: 'slack', state: 'waiting' })).toBeUndefined();
    } finally {
      unreachable.disconnect();
    }
  });
});

describe('attachWorkerMetrics', () => {
  it('counts completed, retried (attempts left) and failed jobs of a real worker', async () => {
    const queue = queueNamed(`work-${randomBytes(3).toString('hex')}`);
    const metrics = createMetrics({ processMetrics: false });
    const failedOnce = new Set<string>();
    const worker = new Worker(
      queue.name,
      async (job) => {
        if (job.name === 'flaky' && !failedOnce.has(job.id ?? '')) {
          failedOnce.add(job.id ?? '');
          throw new Error('first attempt fails');
        }
        if (job.name === 'broken') throw new Error('always fails');
        if (job.name === 'hopeless') throw new UnrecoverableError('never retry');
        return 'done';
      },
      { connection: workerConnection(), prefix, concurrency: 1 },
    );
    const detach = attachWorkerMetrics(worker, metrics);
    const count = async (outcome: string) => sampleValue(await metrics.render(), 'keywarden_jobs_total', { queue: queue.name, outcome }) ?? 0;
    try {
      await queue.add('fine', {});
      await queue.add('flaky', {}, { attempts: 2 });
      await queue.add('broken', {}, { attempts: 2 });
      await queue.add('hopeless', {}, { attempts: 5 });
      // fine + flaky's second attempt complete; flaky's and broken's first attempts are retried;
      // broken's last attempt and hopeless fail for good.
      await until(async () => (await count('completed')) + (await count('failed')) === 4, 'every job to finish');
      expect(await count('completed')).toBe(2);
      expect(await count('retried')).toBe(2);
      expect(await count('failed')).toBe(2);

      detach();
      await queue.add('fine', {});
      await until(async () => (await queue.getJobCounts('completed')).completed === 3, 'the last job');
      expect(await count('completed')).toBe(2);
    } finally {
      await worker.close();
      await worker.disconnect();
    }
  });
});

describe('slackErrorLabels', () => {
  let server: Server;
  let web: WebClient;
  beforeAll(async () => {
    server = createServer((req, res) => {
      const method = (req.url ?? '').split('/').pop();
      if (method === 'chat.postMessage') res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":false,"error":"channel_not_found"}');
      else if (method === 'chat.update') res.writeHead(429, { 'retry-after': '30', 'content-type': 'application/json' }).end('{"ok":false,"error":"ratelimited"}');
      else res.writeHead(502, { 'content-type': 'text/plain' }).end('bad gateway');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    web = new WebClient('xoxb-test', {
      slackApiUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
    });
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const errorOf = async (call: () => Promise<unknown>) => {
    try {
      await call();
    } catch (error) {
      return error;
    }
    throw new Error('the call did not fail');
  };

  it('reads status and code from the errors @slack/web-api throws', async () => {
    expect(slackErrorLabels(await errorOf(() => web.chat.postMessage({ channel: 'C0NOPE', text: 'hi' })))).toEqual({ status: '200', code: 'channel_not_found' });
    expect(slackErrorLabels(await errorOf(() => web.chat.update({ channel: 'C0NOPE', ts: '1.2', text: 'hi' })))).toEqual({ status: '429', code: 'ratelimited' });
    expect(slackErrorLabels(await errorOf(() => web.users.info({ user: 'U0NOPE' })))).toEqual({ status: '502', code: 'http_error' });
    expect(slackErrorLabels(new Error('something else'))).toEqual({ status: 'none', code: 'other' });
    expect(slackErrorLabels({ code: 'slack_webapi_platform_error', data: { error: 'x'.repeat(200) } })).toEqual({ status: '200', code: 'other' });
  });

  it('counts a real Slack failure through recordSlackError', async () => {
    const metrics = createMetrics({ processMetrics: false });
    metrics.recordSlackError(await errorOf(() => web.chat.postMessage({ channel: 'C0NOPE', text: 'hi' })));
    expect(sampleValue(await metrics.render(), 'keywarden_slack_errors_total', { status: '200', code: 'channel_not_found' })).toBe(1);
  });
});

describe('classifySlackRequest', () => {
  it('names commands by subcommand, actions by action id, views by callback id and events by type', () => {
    const command = (text: string) => classifySlackRequest({ command: SLASH_COMMAND, text });
    expect(command('limit "Support Bot" soft 100')).toEqual({ kind: 'command', name: 'limit' });
    expect(command('  LIST ')).toEqual({ kind: 'command', name: 'list' });
    expect(command('')).toEqual({ kind: 'command', name: 'help' });
    expect(command('drop tables')).toEqual({ kind: 'command', name: 'other' });
    expect(classifySlackRequest({ type: 'block_actions', actions: [{ action_id: ACTION.revealKey }] })).toEqual({ kind: 'action', name: ACTION.revealKey });
    expect(classifySlackRequest({ type: 'block_actions', actions: [{ action_id: 'made.up' }] })).toEqual({ kind: 'action', name: 'other' });
    expect(classifySlackRequest({ type: 'view_submission', view: { callback_id: VIEW.denyReason } })).toEqual({ kind: 'view', name: VIEW.denyReason });
    expect(classifySlackRequest({ type: 'view_closed', view: { callback_id: VIEW.requestKey } })).toEqual({ kind: 'view', name: VIEW.requestKey });
    expect(classifySlackRequest({ type: 'event_callback', event: { type: 'app_home_opened' } })).toEqual({ kind: 'event', name: 'app_home_opened' });
    expect(classifySlackRequest({ type: 'shortcut' })).toBeNull();
    expect(classifySlackRequest(null)).toBeNull();
  });

  it('keeps the label set bounded', () => {
    expect(slackRequestName('command', 'request')).toBe('request');
    expect(slackRequestName('action', 'request')).toBe('other');
  });
});

describe('slackRequestTimer', () => {
  it('times a request from arrival until its listeners finish, also when they throw', async () => {
    const metrics = createMetrics({ processMetrics: false });
    let now = 1_000;
    const timer = slackRequestTimer(metrics, () => now);
    const run = (body: unknown, next: () => Promise<void>) => timer({ body, next } as unknown as Parameters<typeof timer>[0]);

    await run({ command: SLASH_COMMAND, text: 'list' }, async () => {
      now += 250;
    });
    await expect(
      run({ type: 'block_actions', actions: [{ action_id: ACTION.approveRequest }] }, async () => {
        now += 1_500;
        throw new Error('listener failed');
      }),
    ).rejects.toThrow('listener failed');

    const text = await metrics.render();
    const name = 'keywarden_slack_request_duration_seconds';
    expect(sampleValue(text, `${name}_sum`, { kind: 'command', name: 'list' })).toBeCloseTo(0.25);
    expect(sampleValue(text, `${name}_sum`, { kind: 'action', name: ACTION.approveRequest })).toBeCloseTo(1.5);
  });
});
