/**
 * The operational surface of a running keywarden process (`node src/main.ts all`), seen from outside over HTTP:
 * /readyz as Slack and OpenAI change, /metrics moving with the work, the queue dashboard's gate, and log lines
 * that are JSON and carry no secret through a full key request with an OpenAI error that echoes a key.
 */
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReadinessReport } from '../../../../src/platform/ops/readiness.js';
import { VIEW } from '../../../../src/platform/slack/ids.js';
import { APPROVAL_CHANNEL, APPROVE, GENERAL_CHANNEL, REVEAL, SIGNING_SECRET, USERS, actionIdsIn, waitUntil } from '../../../support/harness.js';
import { SpawnedProcesses, parseLogLine, type KeywardenProcess } from '../../../support/processes.js';
import { sampleValue } from '../promText.js';
import { basicAuth, httpCall, startWorld, type World } from './world.js';

const ADMIN_USER = 'ops-admin';
const ADMIN_PASSWORD = `pw-${randomBytes(12).toString('hex')}`;

const processes = new SpawnedProcesses();
let world: World;
let app: KeywardenProcess;

beforeAll(async () => {
  world = await startWorld({ env: { KEYWARDEN_ADMIN_USER: ADMIN_USER, KEYWARDEN_ADMIN_PASSWORD: ADMIN_PASSWORD, LOG_LEVEL: 'debug' } });
  app = await processes.startKeywarden('all', world.env);
}, 40_000);

afterAll(async () => {
  await processes.stopAll();
  await world?.close();
}, 30_000);

async function readiness(process: KeywardenProcess = app): Promise<{ status: number; report: ReadinessReport }> {
  const res = await httpCall(process.url('/readyz'));
  return { status: res.status, report: res.json as ReadinessReport };
}

async function metrics(): Promise<string> {
  const res = await httpCall(app.url('/metrics'));
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  return res.text;
}

/** Sends a slash command and waits for keywarden's answer through response_url. */
async function command(text: string, userId: string = USERS.requester) {
  const seen = world.slack.ephemerals(userId).length;
  const res = await world.driverFor(app).slashCommand({ userId, text, channelId: GENERAL_CHANNEL });
  expect(res.status).toBe(200);
  return waitUntil(() => world.slack.ephemerals(userId).slice(seen).find((e) => e.via === 'response_url'), 10_000, `the answer to "${text}"`);
}

/** The next command needing the project list asks OpenAI rather than Redis's one-minute cache. */
async function forgetProjects(): Promise<void> {
  await world.redis().del(world.key('cache', 'projects'));
}

describe('/readyz', () => {
  it('is 200 when Redis, Slack and OpenAI are all fine', async () => {
    const ready = await waitUntil(async () => {
      const r = await readiness();
      return r.status === 200 ? r : undefined;
    }, 10_000, '/readyz 200');
    expect(ready.report).toMatchObject({ ready: true, checks: { redis: { ok: true }, slack: { ok: true }, openai: { ok: true } } });
    expect(ready.report.checks.slack.reason).toMatch(/auth\.test passed/);
  });

  it('turns 503 naming openai after OpenAI answers 401, and back to 200 after a call OpenAI accepts', async () => {
    await forgetProjects();
    world.openai.inject({ method: 'GET', path: /\/projects$/, status: 401, times: 1 });
    await command('request Support Bot check readiness after a rejected key');
    const rejected = await waitUntil(async () => {
      const r = await readiness();
      return r.status === 503 ? r : undefined;
    }, 5_000, '/readyz 503');
    expect(rejected.report.ready).toBe(false);
    expect(rejected.report.checks.openai.ok).toBe(false);
    expect(rejected.report.checks.openai.reason).toMatch(/401/);
    expect(rejected.report.checks.redis.ok).toBe(true);
    expect(rejected.report.checks.slack.ok).toBe(true);

    await forgetProjects();
    await command('list');
    await world.openRequest(world.driverFor(app), 'request Support Bot check readiness after an accepted call');
    const back = await readiness();
    expect(back.status).toBe(200);
    expect(back.report.checks.openai.reason).toMatch(/succeeded/);
  });
});

describe('/readyz while Slack refuses the bot token at start', () => {
  let refused: World;
  let web: KeywardenProcess;
  beforeAll(async () => {
    refused = await startWorld();
    refused.slack.inject('auth.test', { error: 'invalid_auth', times: 3 });
    web = await processes.startKeywarden('web', refused.env);
  }, 40_000);
  afterAll(async () => {
    await web?.stop();
    await refused?.close();
  }, 30_000);

  it('is 503 naming slack and Slack’s error, while Redis and OpenAI are fine', async () => {
    const r = await waitUntil(async () => {
      const got = await readiness(web);
      // Redis may take a moment to connect after start; it is the Slack check this waits to see.
      return /invalid_auth/.test(got.report.checks.slack.reason) && got.report.checks.redis.ok ? got : undefined;
    }, 10_000, 'the auth.test failure to show with Redis connected');
    expect(r.status).toBe(503);
    expect(r.report.checks.slack.ok).toBe(false);
    expect(r.report.checks.redis.ok).toBe(true);
    expect(web.logs().some((l) => /SLACK_BOT_TOKEN/.test(String(l.msg)) && l.level === 50)).toBe(true);
  });

  it('has no queue dashboard without KEYWARDEN_ADMIN_USER/PASSWORD: /admin/queues is 404', async () => {
    for (const path of ['/admin/queues', '/admin/queues/api/queues']) {
      expect((await httpCall(web.url(path), { headers: { authorization: basicAuth(ADMIN_USER, ADMIN_PASSWORD) } })).status).toBe(404);
    }
  });

  // auth.test is retried with backoff, so a passing Slack failure at start does not leave the process unready.
  it('turns 200 once auth.test passes, without a restart', async () => {
    // three refusals: retried after 2, 4 and 8 s; the fourth try (about 14 s after start) passes
    await waitUntil(async () => (await readiness(web)).status === 200, 30_000, '/readyz 200 after Slack recovers');
    expect(web.logs().some((l) => /Slack accepted the bot token/.test(String(l.msg)))).toBe(true);
  }, 35_000);
});

describe('/metrics', () => {
  it('exposes keywarden’s metrics and Node’s process metrics', async () => {
    const text = await metrics();
    for (const name of ['keywarden_slack_request_duration_seconds', 'keywarden_jobs_total', 'keywarden_queue_depth', 'keywarden_openai_errors_total', 'keywarden_slack_errors_total']) {
      expect(text).toMatch(new RegExp(`^# TYPE ${name} `, 'm'));
    }
    expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
    for (const queue of ['openai', 'slack']) expect(sampleValue(text, 'keywarden_queue_depth', { queue, state: 'waiting' })).toBeGreaterThanOrEqual(0);
  });

  it('moves: commands are timed, finished jobs counted, OpenAI errors counted by status', async () => {
    const before = await metrics();
    const count = (text: string, name: string, labels: Record<string, string>) => sampleValue(text, name, labels) ?? 0;

    await command('list');
    const afterList = await waitUntil(async () => {
      const t = await metrics();
      return count(t, 'keywarden_slack_request_duration_seconds_count', { kind: 'command', name: 'list' }) > count(before, 'keywarden_slack_request_duration_seconds_count', { kind: 'command', name: 'list' }) ? t : undefined;
    }, 5_000, 'the list command to be timed');
    expect(count(afterList, 'keywarden_slack_request_duration_seconds_count', { kind: 'command', name: 'list' })).toBe(count(before, 'keywarden_slack_request_duration_seconds_count', { kind: 'command', name: 'list' }) + 1);

    const completedBefore = count(afterList, 'keywarden_jobs_total', { queue: 'slack', outcome: 'completed' });
    await world.openRequest(world.driverFor(app), 'request Research Assistant count jobs in the metrics');
    const afterPost = await waitUntil(async () => {
      const t = await metrics();
      return count(t, 'keywarden_jobs_total', { queue: 'slack', outcome: 'completed' }) > completedBefore ? t : undefined;
    }, 5_000, 'the posting job to be counted');
    expect(count(afterPost, 'keywarden_slack_request_duration_seconds_count', { kind: 'command', name: 'request' })).toBeGreaterThan(count(before, 'keywarden_slack_request_duration_seconds_count', { kind: 'command', name: 'request' }));

    const errorsBefore = count(afterPost, 'keywarden_openai_errors_total', { status: '500' });
    await forgetProjects();
    world.openai.inject({ method: 'GET', path: /\/projects$/, status: 500, times: 1 });
    await command('request Support Bot count the failed OpenAI call');
    const afterError = await metrics();
    expect(count(afterError, 'keywarden_openai_errors_total', { status: '500' })).toBe(errorsBefore + 1);
  });
});

describe('/admin/queues (Bull Board)', () => {
  it('asks for credentials: 401 without, 401 with wrong ones, 200 with the right ones', async () => {
    const none = await httpCall(app.url('/admin/queues'));
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    expect((await httpCall(app.url('/admin/queues'), { headers: { authorization: basicAuth(ADMIN_USER, `${ADMIN_PASSWORD}x`) } })).status).toBe(401);
    expect((await httpCall(app.url('/admin/queues'), { headers: { authorization: basicAuth('someone-else', ADMIN_PASSWORD) } })).status).toBe(401);
    const page = await httpCall(app.url('/admin/queues'), { headers: { authorization: basicAuth(ADMIN_USER, ADMIN_PASSWORD) } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const api = await httpCall(app.url('/admin/queues/api/queues'), { headers: { authorization: basicAuth(ADMIN_USER, ADMIN_PASSWORD) } });
    expect(api.status).toBe(200);
    const queues = (api.json as { queues: { name: string; readOnlyMode: boolean }[] }).queues;
    expect(queues.map((q) => q.name)).toEqual(expect.arrayContaining(['openai', 'slack']));
    expect(queues.every((q) => q.readOnlyMode)).toBe(true);
  });

  it('is read-only: a write is refused and changes nothing', async () => {
    const pause = await httpCall(app.url('/admin/queues/api/queues/openai/pause'), { method: 'PUT', headers: { authorization: basicAuth(ADMIN_USER, ADMIN_PASSWORD) } });
    expect(pause.status).toBe(405);
    expect(pause.json).toMatchObject({ error: 'read_only' });
    const queue = new Queue('openai', { connection: { url: world.redisUrl }, prefix: `${world.namespace}:{kw}` });
    try {
      expect(await queue.isPaused()).toBe(false);
    } finally {
      await queue.close();
    }
  });
});

describe('log lines', () => {
  it('are JSON with request and job ids, and carry no secret through a full key request with a leaking OpenAI error', async () => {
    const leaked = `sk-proj-${randomBytes(18).toString('hex')}`;
    world.openai.inject({ method: 'POST', path: /service_accounts$/, status: 500, message: `upstream failure while issuing ${leaked}`, times: 1 });
    const driver = world.driverFor(app);
    const { message, requestId } = await world.openRequest(driver, 'request Support Bot audit the redaction of logs');
    await driver.clickButton({ userId: USERS.approver, actionId: APPROVE, value: requestId, channel: APPROVAL_CHANNEL, messageTs: message.ts });
    await world.waitForState(requestId, 'awaiting_reveal', 20_000);
    expect(world.openai.callsTo('POST', /service_accounts$/).filter((c) => c.status === 500)).toHaveLength(1);
    const dm = await world.slack.waitFor(() => world.dmsTo(USERS.requester).find((m) => actionIdsIn(m).includes(REVEAL) && JSON.stringify(m.blocks).includes(requestId)), 20_000);
    await driver.clickButton({ userId: USERS.requester, actionId: REVEAL, value: requestId, channel: dm.channel, messageTs: dm.ts });
    const modal = await world.slack.waitFor(() => world.slack.views(USERS.requester).find((v) => v.callback_id === VIEW.revealedKey && JSON.stringify(v.blocks).includes('sk-svcacct-')), 10_000);
    const issuedKey = /sk-svcacct-[A-Za-z0-9_-]{20,}/.exec(JSON.stringify(modal.blocks))?.[0] as string;
    expect(issuedKey).toBeTruthy();
    await world.waitForState(requestId, 'active', 10_000);
    await world.slack.waitFor(() => world.slack.thread(APPROVAL_CHANNEL, message.ts).find((m) => /revealed the key/.test(m.text)), 20_000);

    const secret = Buffer.from(world.env.KEYWARDEN_SECRET as string, 'base64');
    const secrets: Record<string, string> = {
      'bot token': world.slack.botToken,
      'signing secret': SIGNING_SECRET,
      'admin key': world.openai.adminKey,
      'KEYWARDEN_SECRET (base64)': secret.toString('base64'),
      'KEYWARDEN_SECRET (hex)': secret.toString('hex'),
      'dashboard password': ADMIN_PASSWORD,
      'issued key': issuedKey,
      'key echoed in an OpenAI error': leaked,
    };
    const stdout = app.stdoutLines().join('\n');
    const stderr = app.stderrLines().join('\n');
    for (const [what, value] of Object.entries(secrets)) {
      expect(stdout.includes(value), `${what} in stdout`).toBe(false);
      expect(stderr.includes(value), `${what} in stderr`).toBe(false);
    }
    // The echoed key reached no Slack message either (thread notes about the retry included).
    const slackText = JSON.stringify([world.slack.thread(APPROVAL_CHANNEL, message.ts), world.dmsTo(USERS.requester), world.slack.ephemerals(USERS.requester)]);
    expect(slackText).not.toContain(leaked);
    expect(slackText).not.toContain(issuedKey);

    // Every stdout line is one JSON object with a level, a time and a message.
    const lines = app.stdoutLines();
    expect(lines.length).toBeGreaterThan(10);
    for (const line of lines) {
      const parsed = parseLogLine(line);
      expect(parsed, line).not.toBeNull();
      expect(typeof parsed?.level).toBe('number');
      expect(typeof parsed?.time).toBe('number');
      expect(typeof parsed?.msg).toBe('string');
    }
    const logs = app.logs();
    const slackRequests = logs.filter((l) => l.msg === 'slack request' || l.msg === 'slack request failed');
    expect(slackRequests.length).toBeGreaterThanOrEqual(3);
    for (const l of slackRequests) expect(typeof l.requestId === 'string' && l.requestId.length > 0, JSON.stringify(l)).toBe(true);
    const jobLines = logs.filter((l) => /job failed/.test(String(l.msg)));
    expect(jobLines.length).toBeGreaterThanOrEqual(1);
    for (const l of jobLines) expect(l.jobId, JSON.stringify(l)).toBeTruthy();
    expect(logs.some((l) => l.msg === 'openai job failed' && l.status === 500)).toBe(true);
  }, 60_000);
});
