import { createServer, type Server, type Socket } from 'node:net';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createReadiness } from '../../../src/platform/ops/readiness.js';
import { createRedis } from '../../../src/platform/redis/redis.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);

let redis: Redis;
const extraClients: Redis[] = [];

beforeAll(async () => {
  redis = createRedis(REDIS_URL, 'commands');
  redis.on('error', () => {});
  // The command connection fails fast (no offline queue), so it must be connected before the first check.
  await new Promise<void>((resolve) => redis.once('ready', () => resolve()));
});
afterAll(() => redis.disconnect());
afterEach(() => {
  for (const client of extraClients.splice(0)) client.disconnect();
});

const pingOf = (client: Redis) => async () => {
  await client.ping();
};

/** A Redis client pointed at a port where nothing listens, failing fast as keywarden's command connection does. */
async function redisOnClosedPort(): Promise<Redis> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const client = createRedis(`redis://127.0.0.1:${port}`, 'commands');
  client.on('error', () => {});
  extraClients.push(client);
  return client;
}

describe('createReadiness', () => {
  it('is ready when Redis answers, Slack auth passed and OpenAI has not rejected the key', async () => {
    const readiness = createReadiness({ redisPing: pingOf(redis), clock: () => T0 });
    readiness.markSlackAuth(true, 'team T0TEAM as @keywarden');
    const report = await readiness.check();
    expect(report.ready).toBe(true);
    expect(report.checks.redis.ok).toBe(true);
    expect(report.checks.redis.reason).toMatch(/answered PING/);
    expect(report.checks.slack).toEqual({ ok: true, reason: 'Slack auth.test passed at 2026-01-15T12:00:00.000Z: team T0TEAM as @keywarden' });
    expect(report.checks.openai).toEqual({ ok: true, reason: 'no OpenAI call yet' });
  });

  it('is not ready until Slack auth.test has run', async () => {
    const readiness = createReadiness({ redisPing: pingOf(redis) });
    const report = await readiness.check();
    expect(report.ready).toBe(false);
    expect(report.checks.slack).toEqual({ ok: false, reason: 'Slack auth.test has not run yet' });
    expect(report.checks.redis.ok).toBe(true);
  });

  it('is not ready when Slack auth.test failed, with Slack’s error as the reason', async () => {
    const readiness = createReadiness({ redisPing: pingOf(redis), clock: () => T0 });
    readiness.markSlackAuth(false, 'invalid_auth');
    const report = await readiness.check();
    expect(report.ready).toBe(false);
    expect(report.checks.slack).toEqual({ ok: false, reason: 'Slack auth.test failed at 2026-01-15T12:00:00.000Z: invalid_auth' });
  });

  it('is not ready when Redis refuses the connection, and says so', async () => {
    const down = await redisOnClosedPort();
    const readiness = createReadiness({ redisPing: pingOf(down) });
    readiness.markSlackAuth(true, '');
    const report = await readiness.check();
    expect(report.ready).toBe(false);
    expect(report.checks.redis.ok).toBe(false);
    expect(report.checks.redis.reason).toMatch(/^Redis did not answer PING: /);
    expect(report.checks.slack.ok).toBe(true);
  });

  it('gives up on a Redis that accepts the connection but never answers, after the timeout', async () => {
    const silent: Socket[] = [];
    const server: Server = createServer((socket) => silent.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as { port: number }).port;
      // With its offline queue on, the PING waits on the open socket instead of failing at once.
      const client = createRedis(`redis://127.0.0.1:${port}`, 'commands', { enableOfflineQueue: true });
      client.on('error', () => {});
      extraClients.push(client);

      const readiness = createReadiness({ redisPing: pingOf(client), redisTimeoutMs: 300 });
      readiness.markSlackAuth(true, '');
      const started = performance.now();
      const report = await readiness.check();
      const tookMs = performance.now() - started;
      expect(report.checks.redis).toEqual({ ok: false, reason: 'Redis did not answer PING: Redis PING: no answer within 300 ms' });
      expect(tookMs).toBeGreaterThanOrEqual(290);
      expect(tookMs).toBeLessThan(1_500);
    } finally {
      for (const socket of silent) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('waits 1 s for Redis by default', async () => {
    const readiness = createReadiness({ redisPing: () => new Promise(() => {}) });
    const started = performance.now();
    const report = await readiness.check();
    expect(report.checks.redis.reason).toMatch(/no answer within 1000 ms/);
    expect(performance.now() - started).toBeGreaterThanOrEqual(990);
  });

  it('is not ready after OpenAI answers 401 or 403, and ready again once a call succeeds', async () => {
    let now = T0;
    const readiness = createReadiness({ redisPing: pingOf(redis), clock: () => now });
    readiness.markSlackAuth(true, '');

    readiness.observeOpenAI({ ok: true });
    expect((await readiness.check()).checks.openai).toEqual({ ok: true, reason: 'the last OpenAI call succeeded at 2026-01-15T12:00:00.000Z' });

    now += 60_000;
    readiness.observeOpenAI({ ok: false, status: 401, kind: 'unauthorized' });
    let report = await readiness.check();
    expect(report.ready).toBe(false);
    expect(report.checks.openai.ok).toBe(false);
    expect(report.checks.openai.reason).toMatch(/^OpenAI answered 401 at 2026-01-15T12:01:00.000Z: the admin key is wrong/);

    // a server error or a timeout says nothing about the key: the rejection stands
    readiness.observeOpenAI({ ok: false, status: 503, kind: 'unavailable' });
    readiness.observeOpenAI({ ok: false, status: null, kind: 'timeout' });
    expect((await readiness.check()).checks.openai.reason).toMatch(/^OpenAI answered 401/);

    now += 60_000;
    readiness.observeOpenAI({ ok: true });
    report = await readiness.check();
    expect(report.ready).toBe(true);
    expect(report.checks.openai).toEqual({ ok: true, reason: 'the last OpenAI call succeeded at 2026-01-15T12:02:00.000Z' });

    readiness.observeOpenAI({ ok: false, status: 403, kind: 'forbidden' });
    expect((await readiness.check()).ready).toBe(false);
    // a 404 means OpenAI accepted the key and only objected to the request
    readiness.observeOpenAI({ ok: false, status: 404, kind: 'not_found' });
    report = await readiness.check();
    expect(report.ready).toBe(true);
    expect(report.checks.openai.reason).toMatch(/failed at .* \(404\), which does not say the admin key was rejected/);
  });

  it('keeps secret-shaped text out of the reasons', async () => {
    const readiness = createReadiness({ redisPing: pingOf(redis) });
    readiness.markSlackAuth(false, 'token xoxb-1234567890-abcdefghij was refused');
    const { checks } = await readiness.check();
    expect(checks.slack.reason).not.toContain('xoxb-1234567890');
    expect(checks.slack.reason).toContain('[redacted]');
  });
});
