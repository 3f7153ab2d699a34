/**
 * Temporary cap raises against the real app, the emulators and Redis, on a fixed clock: an admin's raise applies at
 * once and ends on time (by its delayed job, or by the reconcile sweep when that job is lost); a cap changed since
 * is reported, not overwritten; a crash between OpenAI and the record, two sweeps at once and a retried job end it
 * once; a requester's raise is decided in the thread and carries its end; an end across a month boundary re-arms.
 * (A bad raise, answered with the usage, is in errors.test.ts.)
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION } from '../../../src/platform/slack/ids.js';
import { APPROVAL_CHANNEL, REDIS_URL, SPEND_CHANNEL, USERS, startHarness, waitUntil, type Harness } from '../../support/harness.js';
import { ask, requestChange, textOf } from './world.js';

const BASE = Date.UTC(2027, 1, 20, 9, 30, 0); // 20 Feb 2027, 09:30 UTC, whatever day CI runs
const started = Date.now();
let offset = 0;
const now = () => BASE + (Date.now() - started) + offset;
const DAY = 86_400_000;

let h: Harness;
let queueRedis: Redis;
let openaiQueue: Queue;
beforeAll(async () => {
  h = await startHarness({ now });
  queueRedis = new Redis(REDIS_URL, { protocol: 2, maxRetriesPerRequest: null });
  openaiQueue = new Queue('openai', { connection: queueRedis, prefix: `${h.namespace}:{kw}` });
});
afterAll(async () => {
  await openaiQueue?.close();
  queueRedis?.disconnect();
  await h?.stop();
});

const limitsOf = (projectId: string) => h.limitsOf(projectId);
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A project of its own, with limits set by an admin and announced. */
async function projectWithLimits(name: string, limits: string): Promise<string> {
  const id = h.openai.addProject({ name }).id;
  await ask(h, USERS.admin, `limit "${name}" ${limits}`);
  await waitUntil(async () => (await limitsOf(id)) !== null, 15_000, 'limits stored');
  return id;
}

const endsOf = (name: string) => h.slack.messages(SPEND_CHANNEL).filter((m) => /temporary raise of .* ended/.test(m.text) && m.text.includes(name));
const auditEnds = async (projectId: string) =>
  (await h.redis.xrange(`${h.namespace}:{kw}:audit`, '-', '+')).filter(([, f]) => f.includes('limits.raise-end') && f.includes(projectId));

describe('an admin raising the cap until a date', () => {
  it('applies at once, shows the raise and its end, and its delayed job puts the previous cap back, announced once', async () => {
    const id = await projectWithLimits('Raise Direct', 'soft 500 hard 1k');
    const answer = await ask(h, USERS.admin, 'limit "Raise Direct" hard 2k until 2027-02-27T18:00Z');
    expect(answer).toMatch(/changed/);
    const end = Date.UTC(2027, 1, 27, 18, 0);
    expect(h.openai.spendLimit(id)?.threshold_amount).toBe(200_000);
    const stored = await limitsOf(id);
    expect(stored).toMatchObject({ hardCents: 200_000, hardAtOpenAI: 200_000, version: 2 });
    expect(stored?.raise).toEqual({ previousCents: 100_000, raisedCents: 200_000, endsAt: end, version: 2, by: USERS.admin });

    // the announcement and `limits` show the end in Slack's date format and in UTC
    const announced = await h.waitFor(() => h.slack.messages(SPEND_CHANNEL).find((m) => m.text.includes('Raise Direct') && /→[^;]*2,000\.00/.test(m.text)));
    expect(textOf(announced)).toContain(`<!date^${end / 1000}^`);
    expect(textOf(announced)).toContain('2027-02-27 18:00 UTC');
    const detail = await ask(h, USERS.requester, 'limits "Raise Direct"');
    expect(detail).toMatch(/Raised until <!date\^\d+\^[^>]*> \(2027-02-27 18:00 UTC\) · then back to \$1,000\.00/);
    const overview = await ask(h, USERS.requester, 'limits');
    expect(overview).toMatch(/Raised until [^\n"]*2027-02-27 18:00 UTC/);

    // the end is a delayed job whose id is the raise's identity
    const job = await openaiQueue.getJob(`end-cap-raise.${id}.2`);
    expect(job?.data).toEqual({ projectId: id, raiseVersion: 2 });
    expect(await job?.isDelayed()).toBe(true);

    // the sweep before the end changes nothing
    await h.app.reconcileNow();
    expect(h.openai.spendLimit(id)?.threshold_amount).toBe(200_000);

    offset = end - BASE + 60_000;
    await job?.promote();
    await waitUntil(async () => (await limitsOf(id))?.hardCents === 100_000, 15_000, 'the cap put back');
    expect(h.openai.spendLimit(id)?.threshold_amount).toBe(100_000);
    const after = await limitsOf(id);
    expect(after).toMatchObject({ hardAtOpenAI: 100_000, version: 3, updatedBy: 'keywarden' });
    expect(after?.raise).toBeUndefined();
    const ended = await h.waitFor(() => endsOf('Raise Direct')[0]);
    expect(ended.text).toContain('back to $1,000.00');
    expect(textOf(ended)).toContain('2027-02-27 18:00 UTC');

    // a retried job and later sweeps change nothing and post nothing more
    await h.app.reconcileNow();
    await h.app.reconcileNow();
    await pause(1_500);
    expect(endsOf('Raise Direct')).toHaveLength(1);
    expect(await auditEnds(id)).toHaveLength(1);
    expect((await limitsOf(id))?.version).toBe(3);
    expect(await ask(h, USERS.requester, 'limits "Raise Direct"')).not.toMatch(/Raised until/);
    offset = 0;
  });

  it('deletes the spend limit at the end when the project had no cap, and the sweep ends a raise whose job was lost', async () => {
    const id = await projectWithLimits('Raise Lost Job', 'soft 100');
    await ask(h, USERS.admin, 'limit "Raise Lost Job" hard 300 until 3d');
    expect(h.openai.spendLimit(id)?.threshold_amount).toBe(30_000);
    const version = (await limitsOf(id))?.raise?.version ?? 0;
    await (await openaiQueue.getJob(`end-cap-raise.${id}.${version}`))?.remove();
    offset = 3 * DAY + 120_000;
    await h.app.reconcileNow();
    expect(h.openai.spendLimit(id)).toBeNull();
    expect(await limitsOf(id)).toMatchObject({ hardCents: null, hardAtOpenAI: null, version: version + 1 });
    const ended = await h.waitFor(() => endsOf('Raise Lost Job')[0]);
    expect(ended.text).toContain('no hard cap again');
    offset = 0;
  });
});

describe('a cap changed during the raise', () => {
  it('at OpenAI: the end leaves it and says so once, with both amounts', async () => {
    const id = await projectWithLimits('Raise Drifted', 'hard 1k');
    await ask(h, USERS.admin, 'limit "Raise Drifted" hard 2k until 2d');
    h.openai.setSpendLimit(id, 350_000);
    offset = 2 * DAY + 120_000;
    await h.app.reconcileNow();
    await h.app.reconcileNow();
    expect(h.openai.spendLimit(id)?.threshold_amount).toBe(350_000);
    const ended = await h.waitFor(() => endsOf('Raise Drifted')[0]);
    expect(ended.text).toMatch(/changed since \(now \$3,500\.00\)/);
    expect(textOf(ended)).toMatch(/it is \$3,500\.00 now, not \$2,000\.00/);
    expect((await limitsOf(id))?.raise).toBeUndefined();
    await pause(1_500);
    expect(endsOf('Raise Drifted')).toHaveLength(1);
    offset = 0;
  });

  it('through keywarden: the end leaves the newer cap and says so', async () => {
    const id = await projectWithLimits('Raise Overtaken', 'hard 1k');
    await ask(h, USERS.admin, 'limit "Raise Overtaken" hard 2k until 2d');
    await ask(h, USERS.admin, 'limit "Raise Overtaken" hard 2.5k');
    expect(await ask(h, USERS.requester, 'limits "Raise Overtaken"')).not.toMatch(/Raised until/);
    offset = 2 * DAY + 120_000;
    await h.app.reconcileNow();
    expect(h.openai.spendLimit(id)?.threshold_amount).toBe(250_000);
    expect((await limitsOf(id))?.hardCents).toBe(250_000);
    const ended = await h.waitFor(() => endsOf('Raise Overtaken')[0]);
    expect(ended.text).toMatch(/now \$2,500\.00/);
    offset = 0;
  });
});

describe('exactly once', () => {
  it('finishes a restore cut short between OpenAI and the record (no "changed" report), with two sweeps at once', async () => {
    const id = await projectWithLimits('Raise Crash', 'hard 1k');
    await ask(h, USERS.admin, 'limit "Raise Crash" hard 2k until 1d');
    const version = (await limitsOf(id))?.raise?.version ?? 0;
    // what a worker leaves when it dies right after OpenAI accepted the old cap: the marks, and OpenAI's cap
    await h.redis.set(`${h.namespace}:{kw}:limits:${id}:intent`, '100000', 'EX', 3600);
    await h.redis.set(`${h.namespace}:{kw}:limits:${id}:raise:${version}:restoring`, '1', 'EX', 3600);
    h.openai.setSpendLimit(id, 100_000);
    offset = DAY + 120_000;
    await Promise.all([h.app.reconcileNow(), h.app.reconcileNow(), (await openaiQueue.getJob(`end-cap-raise.${id}.${version}`))?.promote()]);
    await waitUntil(async () => (await limitsOf(id))?.raise === undefined, 15_000, 'the raise ended');
    expect(await limitsOf(id)).toMatchObject({ hardCents: 100_000, hardAtOpenAI: 100_000, version: version + 1 });
    const ended = await h.waitFor(() => endsOf('Raise Crash')[0]);
    expect(ended.text).toContain('back to $1,000.00');
    await pause(2_000);
    expect(endsOf('Raise Crash')).toHaveLength(1);
    expect(await auditEnds(id)).toHaveLength(1);
    offset = 0;
  });
});

describe('a requester raising the cap', () => {
  it('becomes a request showing the end; approved, the raise applies with its end carried', async () => {
    const id = await projectWithLimits('Raise Requested', 'hard 1k');
    const { message, requestId } = await requestChange(h, 'limit "Raise Requested" hard 1.5k until 2027-03-05');
    expect(textOf(message)).toMatch(/Raise ends/);
    expect(textOf(message)).toContain('2027-03-05 00:00 UTC');
    await h.driver.clickButton({ userId: USERS.approver, actionId: ACTION.approveLimitChange, value: requestId, channel: APPROVAL_CHANNEL, messageTs: message.ts });
    await waitUntil(async () => (await limitsOf(id))?.hardCents === 150_000, 15_000, 'the raise applied');
    expect((await limitsOf(id))?.raise).toMatchObject({ previousCents: 100_000, raisedCents: 150_000, endsAt: Date.UTC(2027, 2, 5), by: USERS.requester });
    expect(h.openai.spendLimit(id)?.threshold_amount).toBe(150_000);
  });
});

describe('an end across a month boundary', () => {
  it('restores on 1 March, bumps the version so thresholds re-arm, and March alerts work as usual', async () => {
    const id = await projectWithLimits('Raise Month End', 'soft 100 hard 1k at 50,100');
    const day = (d: number, month: number) => Math.floor(Date.UTC(2027, month, d, 10) / 1000);
    h.openai.addCost({ projectId: id, day: day(19, 1), usd: 60 });
    await h.app.pollSpendNow();
    await waitUntil(async () => (await h.redis.keys(`${h.namespace}:{kw}:ledger:alert.${id}.2027-02.v1.soft.50`)).length === 1, 10_000, 'the February 50% alert');

    await ask(h, USERS.admin, 'limit "Raise Month End" hard 2k until 2027-03-01');
    const raisedVersion = (await limitsOf(id))?.version ?? 0;
    offset = Date.UTC(2027, 2, 1, 0, 5) - BASE;
    await h.app.reconcileNow();
    expect(h.openai.spendLimit(id)?.threshold_amount).toBe(100_000);
    const restored = await limitsOf(id);
    expect(restored).toMatchObject({ hardCents: 100_000, version: raisedVersion + 1 });
    const ended = await h.waitFor(() => endsOf('Raise Month End')[0]);
    expect(textOf(ended)).toContain('2027-03-01 00:00 UTC');

    h.openai.addCost({ projectId: id, day: day(1, 2), usd: 55 });
    const report = await h.app.pollSpendNow();
    expect(report.alertsClaimed).toBeGreaterThanOrEqual(1);
    expect(await h.redis.keys(`${h.namespace}:{kw}:ledger:alert.${id}.2027-03.v${raisedVersion + 1}.soft.50`)).toHaveLength(1);
    offset = 0;
  });
});
