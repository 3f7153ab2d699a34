/**
 * Redis away at start, and Redis lost and back while running, against private redis-servers: keywarden says so
 * once, reports not ready, answers Slack promptly with plain words, and carries on without a restart or data loss.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { APPROVAL_CHANNEL, APPROVE, GENERAL_CHANNEL, USERS, waitUntil } from '../../../support/harness.js';
import { SpawnedProcesses, type KeywardenProcess, type LogLine, type PrivateRedis } from '../../../support/processes.js';
import type { ReadinessReport } from '../../../../src/platform/ops/readiness.js';
import { httpCall, startWorld, type World } from './world.js';

const STORE_UNAVAILABLE = 'keywarden cannot reach its store right now, try again in a minute';

let processes: SpawnedProcesses;
let world: World | undefined;

async function stopEverything(): Promise<void> {
  await processes?.stopAll();
  await world?.close();
  world = undefined;
}

async function readiness(url: string): Promise<{ status: number; report: ReadinessReport }> {
  const res = await httpCall(url);
  return { status: res.status, report: res.json as ReadinessReport };
}

describe('Redis down when keywarden starts', () => {
  let app: KeywardenProcess;
  let redis: PrivateRedis;
  let outageLine: LogLine;

  beforeAll(async () => {
    processes = new SpawnedProcesses();
    redis = await processes.startRedis({ start: false });
    world = await startWorld({ redisUrl: redis.url });
    app = await processes.startKeywarden('all', world.env);
  }, 40_000);
  afterAll(stopEverything, 30_000);

  it('starts anyway, says in one line that it cannot reach Redis and is retrying, and is not ready', async () => {
    outageLine = await app.waitForLog((l) => /cannot reach Redis/.test(String(l.msg)), 10_000, 'the Redis outage line');
    expect(outageLine.level).toBe(50);
    expect(String(outageLine.msg)).toContain(`127.0.0.1:${redis.port}`);
    expect(String(outageLine.msg)).toMatch(/retrying/);

    const down = await waitUntil(
      async () => {
        const r = await readiness(app.url('/readyz'));
        return r.report.checks.slack.ok ? r : undefined;
      },
      10_000,
      'Slack auth to pass while Redis is down',
    );
    expect(down.status).toBe(503);
    expect(down.report.ready).toBe(false);
    expect(down.report.checks.redis.ok).toBe(false);
    expect(down.report.checks.redis.reason).toMatch(/Redis/);
    // Liveness does not depend on Redis, so an orchestrator does not restart the process for it.
    expect((await httpCall(app.url('/healthz'))).status).toBe(200);

    // Seconds of retrying later, still one line saying so.
    await new Promise((r) => setTimeout(r, 2_500));
    expect(app.logs().filter((l) => /cannot reach Redis/.test(String(l.msg)))).toHaveLength(1);
  }, 30_000);

  // BullMQ workers report each failed reconnect; keywarden keeps those quiet so the one clear line stands out.
  it('logs no other error lines while it retries', () => {
    const errorLines = app.logs().filter((l) => (l.level ?? 0) >= 50);
    expect(errorLines.map((l) => l.msg)).toEqual([outageLine.msg]);
  });

  // Without an 'error' listener BullMQ's queues would print every failed connection attempt raw to stderr.
  it('prints nothing raw to stderr while it retries', () => {
    expect(app.stderrLines().filter((l) => /ECONNREFUSED/.test(l))).toEqual([]);
  });

  it('becomes ready, without a restart, once Redis answers on that port', async () => {
    await redis.start();
    const up = await waitUntil(
      async () => {
        const r = await readiness(app.url('/readyz'));
        return r.status === 200 ? r : undefined;
      },
      15_000,
      '/readyz to turn 200 once Redis is up',
    );
    expect(up.report.ready).toBe(true);
    expect(up.report.checks.redis.ok).toBe(true);
    await app.waitForLog((l) => l.msg === 'Redis is reachable again', 5_000, '"Redis is reachable again"');
    expect(app.child.exitCode).toBeNull();
  }, 30_000);
});

describe('Redis lost while running, then back', () => {
  afterEach(stopEverything, 30_000);

  it('answers commands quickly with plain words while Redis is gone, and loses nothing', async () => {
    processes = new SpawnedProcesses();
    const redis = await processes.startRedis({ persistent: true });
    world = await startWorld({ redisUrl: redis.url });
    const w = world;
    const app = await processes.startKeywarden('all', w.env);
    const driver = w.driverFor(app);
    const before = await w.openRequest(driver, 'request Support Bot answer questions about invoices');

    await redis.kill('SIGTERM');
    await waitUntil(async () => (await readiness(app.url('/readyz'))).status === 503, 5_000, '/readyz to notice');

    for (const text of ['list', 'request Support Bot made while the store is away']) {
      const seen = w.slack.ephemerals(USERS.requester).length;
      const res = await driver.slashCommand({ userId: USERS.requester, text, channelId: GENERAL_CHANNEL });
      expect(res.status).toBe(200);
      expect(res.ms).toBeLessThan(3_000);
      const told = await waitUntil(
        () => w.slack.ephemerals(USERS.requester).slice(seen).find((e) => e.via === 'response_url'),
        5_000,
        `an answer to "${text}" through response_url`,
      );
      expect(told.text).toContain(STORE_UNAVAILABLE);
    }
    // A click meets the same answer rather than silence.
    const click = await driver.clickButton({ userId: USERS.approver, actionId: APPROVE, value: before.requestId, channel: APPROVAL_CHANNEL, messageTs: before.message.ts });
    expect(click.status).toBe(200);
    expect(click.ms).toBeLessThan(3_000);
    await waitUntil(() => w.slack.ephemerals(USERS.approver).find((e) => (e.text ?? '').includes(STORE_UNAVAILABLE)), 5_000, 'the approver to be told');

    await redis.start();
    await waitUntil(async () => (await readiness(app.url('/readyz'))).status === 200, 15_000, '/readyz to turn 200 again');

    // The request made before the outage survived, and goes all the way now.
    expect((await w.request(before.requestId))?.state).toBe('pending');
    await driver.clickButton({ userId: USERS.approver, actionId: APPROVE, value: before.requestId, channel: APPROVAL_CHANNEL, messageTs: before.message.ts });
    const provisioned = await w.waitForState(before.requestId, 'awaiting_reveal', 20_000);
    expect(w.openai.serviceAccounts(w.projects.support).filter((sa) => sa.name === `keywarden-${before.requestId}`).map((sa) => sa.id)).toEqual([provisioned.serviceAccountId]);

    // New commands work again, and the one refused during the outage left nothing behind.
    const after = await w.openRequest(driver, 'request Support Bot tag chats by product area');
    expect(after.requestId).not.toBe(before.requestId);
    const seen = w.slack.ephemerals(USERS.requester).length;
    await driver.slashCommand({ userId: USERS.requester, text: 'list' });
    const listing = await waitUntil(() => w.slack.ephemerals(USERS.requester).slice(seen).find((e) => e.via === 'response_url'), 5_000, 'the list');
    // Exactly the two requests made while Redis was up: the one refused during the outage left nothing behind.
    expect(listing.text).toMatch(/You have 2 key requests/);
    expect(listing.text).toContain('key ready to reveal');
    expect(listing.text).toContain('waiting for an approver');
  }, 90_000);
});
