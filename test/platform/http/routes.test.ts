import { randomBytes } from 'node:crypto';
import { createServer as createTcpServer } from 'node:net';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AdminCredentials } from '../../../src/platform/config/opsConfig.js';
import { basicAuthChecker } from '../../../src/platform/http/queueDashboard.js';
import { opsRoutes } from '../../../src/platform/http/routes.js';
import { createHttpServer, type HttpServer } from '../../../src/platform/http/server.js';
import { createJobQueues, type JobQueues } from '../../../src/platform/queues/queues.js';
import { QUEUE } from '../../../src/platform/queues/registry.js';
import { JOB_DEFINITIONS } from '../../../src/main.js';
import { createMetrics } from '../../../src/platform/ops/metrics.js';
import { createReadiness, type Readiness } from '../../../src/platform/ops/readiness.js';
import { createRedis } from '../../../src/platform/redis/redis.js';
import { sampleValue } from '../ops/promText.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ADMIN: AdminCredentials = { user: 'ops', password: 'correct horse battery', write: false };

let commandRedis: Redis;
let queueRedis: Redis;
let jobQueues: JobQueues;
const servers: HttpServer[] = [];

beforeAll(async () => {
  commandRedis = createRedis(REDIS_URL, 'commands');
  commandRedis.on('error', () => {});
  await new Promise<void>((resolve) => commandRedis.once('ready', () => resolve()));
  queueRedis = createRedis(REDIS_URL, 'queue');
  jobQueues = createJobQueues(queueRedis, `kwtest-http-${randomBytes(4).toString('hex')}:{kw}`, JOB_DEFINITIONS);
});
afterAll(async () => {
  for (const queue of Object.values(jobQueues.queues)) await queue.obliterate({ force: true });
  await jobQueues.close();
  queueRedis.disconnect();
  commandRedis.disconnect();
});
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

const pingRedis = async () => {
  await commandRedis.ping();
};

async function serve(opts: { readiness?: Readiness; admin?: AdminCredentials | null; metrics?: ReturnType<typeof createMetrics> } = {}) {
  const metrics = opts.metrics ?? createMetrics({ queues: jobQueues.queues });
  const readiness = opts.readiness ?? createReadiness({ redisPing: pingRedis });
  const server = createHttpServer(opsRoutes({ metrics, readiness, queues: jobQueues.queues, admin: opts.admin ?? null }), null);
  servers.push(server);
  const port = await server.listen(0, '127.0.0.1');
  return { base: `http://127.0.0.1:${port}`, metrics, readiness };
}

const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });

describe('GET /healthz', () => {
  it('answers 200 {ok:true} while the process is up, whatever Redis does', async () => {
    const { base } = await serve({ readiness: createReadiness({ redisPing: () => Promise.reject(new Error('down')) }) });
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({ ok: true });
  });
});

describe('GET /readyz', () => {
  const readyz = async (readiness: Readiness) => {
    const { base } = await serve({ readiness });
    const res = await fetch(`${base}/readyz`);
    return { status: res.status, body: (await res.json()) as { ready: boolean; checks: Record<string, { ok: boolean; reason: string }> } };
  };

  it('answers 200 with every check when all pass', async () => {
    const readiness = createReadiness({ redisPing: pingRedis });
    readiness.markSlackAuth(true, 'team T0TEAM as @keywarden');
    const { status, body } = await readyz(readiness);
    expect(status).toBe(200);
    expect(body.ready).toBe(true);
    expect(Object.keys(body.checks).sort()).toEqual(['openai', 'redis', 'slack']);
    expect(Object.values(body.checks).every((c) => c.ok)).toBe(true);
  });

  it('answers 503 naming Redis when Redis is down', async () => {
    const probe = createTcpServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const closedPort = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const down = createRedis(`redis://127.0.0.1:${closedPort}`, 'commands');
    down.on('error', () => {});
    try {
      const readiness = createReadiness({
        redisPing: async () => {
          await down.ping();
        },
      });
      readiness.markSlackAuth(true, '');
      const { status, body } = await readyz(readiness);
      expect(status).toBe(503);
      expect(body.ready).toBe(false);
      expect(body.checks.redis?.ok).toBe(false);
      expect(body.checks.redis?.reason).toMatch(/^Redis did not answer PING/);
      expect(body.checks.slack?.ok).toBe(true);
      expect(body.checks.openai?.ok).toBe(true);
    } finally {
      down.disconnect();
    }
  });

  it('answers 503 naming Slack when auth.test failed', async () => {
    const readiness = createReadiness({ redisPing: pingRedis });
    readiness.markSlackAuth(false, 'invalid_auth');
    const { status, body } = await readyz(readiness);
    expect(status).toBe(503);
    expect(body.checks.slack).toMatchObject({ ok: false, reason: expect.stringContaining('invalid_auth') });
    expect(body.checks.redis?.ok).toBe(true);
  });

  it('answers 503 after OpenAI answers 401, and 200 again once an OpenAI call succeeds', async () => {
    const readiness = createReadiness({ redisPing: pingRedis });
    readiness.markSlackAuth(true, '');
    const { base } = await serve({ readiness });

    readiness.observeOpenAI({ ok: false, status: 401, kind: 'unauthorized' });
    let res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { checks: { openai: { ok: boolean; reason: string } } }).checks.openai.reason).toMatch(/^OpenAI answered 401/);

    readiness.observeOpenAI({ ok: true });
    res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(200);
  });
});

describe('GET /metrics', () => {
  it('serves Prometheus text with every keywarden metric, moving as things are recorded', async () => {
    const { base, metrics } = await serve();
    const scrape = async () => {
      const res = await fetch(`${base}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(metrics.contentType);
      return res.text();
    };
    const before = await scrape();
    expect(metrics.contentType).toMatch(/^text\/plain/);
    for (const name of [
      'keywarden_slack_request_duration_seconds',
      'keywarden_jobs_total',
      'keywarden_queue_depth',
      'keywarden_alerts_posted_total',
      'keywarden_openai_errors_total',
      'keywarden_slack_errors_total',
      'process_resident_memory_bytes',
    ]) {
      expect(before).toContain(`# TYPE ${name} `);
    }
    expect(sampleValue(before, 'keywarden_jobs_total', { queue: QUEUE.openai, outcome: 'failed' })).toBeUndefined();
    expect(sampleValue(before, 'keywarden_queue_depth', { queue: QUEUE.openai, state: 'waiting' })).toBe(0);

    metrics.recordJob(QUEUE.openai, 'failed');
    metrics.observeSlackRequest('command', 'audit', 0.3);
    metrics.recordAlertPosted('forecast');
    metrics.recordOpenAICall({ ok: false, status: 500, kind: 'server' });
    metrics.recordSlackError({ code: 'slack_webapi_rate_limited_error' });
    await jobQueues.add(QUEUE.openai, 'provision', { requestId: 'req_metrics' }, { jobId: 'metrics-test' });

    const after = await scrape();
    expect(sampleValue(after, 'keywarden_jobs_total', { queue: QUEUE.openai, outcome: 'failed' })).toBe(1);
    expect(sampleValue(after, 'keywarden_slack_request_duration_seconds_count', { kind: 'command', name: 'audit' })).toBe(1);
    expect(sampleValue(after, 'keywarden_alerts_posted_total', { kind: 'forecast' })).toBe(1);
    expect(sampleValue(after, 'keywarden_openai_errors_total', { status: '500' })).toBe(1);
    expect(sampleValue(after, 'keywarden_slack_errors_total', { status: '429', code: 'ratelimited' })).toBe(1);
    expect(sampleValue(after, 'keywarden_queue_depth', { queue: QUEUE.openai, state: 'waiting' })).toBe(1);
    await jobQueues.queues[QUEUE.openai].remove('metrics-test');
  });
});

describe('/admin/queues', () => {
  it('is off (404) without admin credentials', async () => {
    const { base } = await serve({ admin: null });
    for (const path of ['/admin/queues', '/admin/queues/', '/admin/queues/api/queues']) {
      expect((await fetch(`${base}${path}`, { headers: basic(ADMIN.user, ADMIN.password) })).status).toBe(404);
    }
  });

  it('answers 401 with a basic-auth challenge without credentials or with wrong ones', async () => {
    const { base } = await serve({ admin: ADMIN });
    const attempts: Record<string, string>[] = [
      {},
      basic(ADMIN.user, 'wrong password!!'),
      basic('someone', ADMIN.password),
      basic(ADMIN.user, `${ADMIN.password}x`),
      basic(ADMIN.user, ''),
      { authorization: `Basic ${Buffer.from(`${ADMIN.user}${ADMIN.password}`).toString('base64')}` },
      { authorization: `Bearer ${ADMIN.password}` },
    ];
    for (const headers of attempts) {
      const res = await fetch(`${base}/admin/queues`, { headers });
      expect(res.status, JSON.stringify(headers)).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Basic realm="keywarden queues", charset="UTF-8"');
      expect(await res.json()).toEqual({ error: 'unauthorized' });
    }
    // unauthenticated writes are refused before anything else looks at them
    expect((await fetch(`${base}/admin/queues/api/queues/${QUEUE.openai}/pause`, { method: 'PUT' })).status).toBe(401);
  });

  it('serves the dashboard and its API with the right credentials', async () => {
    const { base } = await serve({ admin: ADMIN });
    const page = await fetch(`${base}/admin/queues`, { headers: basic(ADMIN.user, ADMIN.password) });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('x-powered-by')).toBeNull();
    const html = await page.text();
    expect(html).toContain('<base href="/admin/queues/" />');
    // the UI's scripts are served under the same prefix, behind the same credentials
    const script = /src="(static\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${base}/admin/queues/${script}`, { headers: basic(ADMIN.user, ADMIN.password) });
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect((await fetch(`${base}/admin/queues/${script}`)).status).toBe(401);

    const api = await fetch(`${base}/admin/queues/api/queues`, { headers: basic(ADMIN.user, ADMIN.password) });
    expect(api.status).toBe(200);
    const body = (await api.json()) as { queues: { name: string; readOnlyMode: boolean }[] };
    expect(body.queues.map((q) => q.name).sort()).toEqual(Object.values(QUEUE).sort());
    expect(body.queues.every((q) => q.readOnlyMode)).toBe(true);
  });

  it('is read-only unless writing is on: POST and PUT are refused and change nothing', async () => {
    const { base } = await serve({ admin: ADMIN });
    const headers = basic(ADMIN.user, ADMIN.password);
    const pause = await fetch(`${base}/admin/queues/api/queues/${QUEUE.openai}/pause`, { method: 'PUT', headers });
    expect(pause.status).toBe(405);
    expect(pause.headers.get('allow')).toBe('GET, HEAD');
    expect(await pause.json()).toMatchObject({ error: 'read_only' });
    const add = await fetch(`${base}/admin/queues/api/queues/${QUEUE.openai}/add`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'provision', data: { requestId: 'req_x' } }),
    });
    expect(add.status).toBe(405);
    expect(await jobQueues.queues[QUEUE.openai].isPaused()).toBe(false);
    expect(await jobQueues.queues[QUEUE.openai].getJobCountByTypes('waiting', 'delayed', 'prioritized')).toBe(0);
  });

  it('lets writes through to Bull Board when KEYWARDEN_ADMIN_WRITE is on', async () => {
    const { base } = await serve({ admin: { ...ADMIN, write: true } });
    const headers = basic(ADMIN.user, ADMIN.password);
    const listed = (await (await fetch(`${base}/admin/queues/api/queues`, { headers })).json()) as { queues: { readOnlyMode: boolean }[] };
    expect(listed.queues.every((q) => !q.readOnlyMode)).toBe(true);
    try {
      const pause = await fetch(`${base}/admin/queues/api/queues/${QUEUE.slack}/pause`, { method: 'PUT', headers });
      expect(pause.status).toBe(200);
      expect(await jobQueues.queues[QUEUE.slack].isPaused()).toBe(true);
    } finally {
      await jobQueues.queues[QUEUE.slack].resume();
    }
  });
});

describe('basicAuthChecker', () => {
  it('accepts only the exact user and password, including a password with a colon', () => {
    const allowed = basicAuthChecker('ops', 'pa:ss:word-12');
    const request = (authorization?: string) => ({ headers: authorization ? { authorization } : {} }) as Parameters<typeof allowed>[0];
    const encode = (text: string) => `Basic ${Buffer.from(text).toString('base64')}`;
    expect(allowed(request(encode('ops:pa:ss:word-12')))).toBe(true);
    expect(allowed(request(`basic   ${Buffer.from('ops:pa:ss:word-12').toString('base64')}`))).toBe(true);
    expect(allowed(request(encode('ops:pa:ss:word-1')))).toBe(false);
    expect(allowed(request(encode('Ops:pa:ss:word-12')))).toBe(false);
    expect(allowed(request(encode('ops')))).toBe(false);
    expect(allowed(request())).toBe(false);
  });
});
