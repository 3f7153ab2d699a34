/**
 * Spend polling and alerts against scripted costs and usage: each crossing alerted exactly once, one living status
 * message per project and month, re-arming on a new month or a new limits version, storms survived.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION } from '../../../src/platform/slack/ids.js';
import { GENERAL_CHANNEL, SPEND_CHANNEL, USERS, actionIdsIn, startHarness, waitUntil, type Harness } from '../../support/harness.js';
import type { SlackMessage } from '../../../src/emulators/slack/index.js';

const BASE = Date.UTC(2026, 10, 15, 12, 0, 0); // 15 Nov 2026, 12:00 UTC: mid-month whatever day CI runs
const started = Date.now();
let offset = 0;
const now = () => BASE + (Date.now() - started) + offset;
const DAY = 86_400_000;
const day = (d: number, month = 10) => Math.floor(Date.UTC(2026, month, d, 10) / 1000);

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ now });
});
afterAll(async () => {
  if (process.env.DEBUG_E2E) {
    console.log(h.logLines.filter((l) => /"level":(40|50)|spend polled|job failed/.test(l)).join(''));
    for (const m of statusMessages()) console.log(nameOf(m), repliesTo(m).map((r) => `${nameOf(r)}: ${r.text.slice(0, 80)}`));
  }
  await h?.stop();
});

const nameOf = (m: SlackMessage) => (m.metadata as { event_payload?: { name?: string } } | undefined)?.event_payload?.name ?? '';
const statusMessages = () => h.slack.messages(SPEND_CHANNEL).filter((m) => nameOf(m).startsWith('status.'));
const repliesTo = (m: SlackMessage) => h.slack.thread(SPEND_CHANNEL, m.ts).filter((r) => nameOf(r).startsWith('reply.'));
const updatesOf = (m: SlackMessage) => h.slack.callsTo('chat.update').filter((c) => c.ok && c.args.ts === m.ts);

async function admin(text: string, on: Harness = h): Promise<void> {
  const res = await on.driver.slashCommand({ userId: USERS.admin, text, channelId: GENERAL_CHANNEL });
  expect(res.status).toBe(200);
}

/** Waits until the queue has delivered `replies` replies in `status`'s thread, then a little longer to catch extras. */
async function settled(status: () => SlackMessage | undefined, replies: number): Promise<SlackMessage> {
  const found = await h.waitFor(() => {
    const s = status();
    return s && repliesTo(s).length >= replies ? s : undefined;
  }, 20_000);
  await new Promise((r) => setTimeout(r, 1_200));
  return found;
}

describe('one project through a month', () => {
  it('alerts 50, 80, 100% of the soft limit, the forecast and the hard cap once each, in one living message', async () => {
    await admin('limit "Support Bot" soft 100 hard 150 at 50,80,100');
    await waitUntil(async () => (await h.redis.exists(`${h.namespace}:{kw}:limits:${h.projects.support}`)) === 1, 15_000, 'limits stored');
    expect(h.openai.spendLimit(h.projects.support)?.threshold_amount).toBe(15_000);

    // nothing spent: nothing said
    expect((await h.app.pollSpendNow()).alertsClaimed).toBe(0);

    h.openai.addCost({ projectId: h.projects.support, day: day(14), usd: 55 });
    const first = await h.app.pollSpendNow();
    // 55% of soft, and at this pace (55 in the last week) the month ends above the $150 cap
    expect(first.alertsClaimed).toBe(2);
    const nov = () => statusMessages().find((m) => nameOf(m).endsWith('.2026-11'));
    let status = await settled(nov, 2);
    expect(statusMessages()).toHaveLength(1);
    expect(JSON.stringify(repliesTo(status))).toMatch(/50%/);
    expect(JSON.stringify(repliesTo(status))).toMatch(/27 Nov|Nov 27|pace|forecast/i);
    expect(JSON.stringify(status.blocks)).toMatch(/55\.00/);

    // polling again changes nothing
    expect((await h.app.pollSpendNow()).alertsClaimed).toBe(0);
    await new Promise((r) => setTimeout(r, 800));
    expect(repliesTo(status)).toHaveLength(2);

    h.openai.addCost({ projectId: h.projects.support, day: day(14), usd: 30 });
    expect((await h.app.pollSpendNow()).alertsClaimed).toBe(1);
    status = await settled(nov, 3);
    expect(JSON.stringify(repliesTo(status).at(-1))).toMatch(/80%/);
    expect(JSON.stringify(h.slack.message(SPEND_CHANNEL, status.ts)?.blocks)).toMatch(/85\.00/);

    h.openai.addCost({ projectId: h.projects.support, day: day(15), usd: 20 });
    expect((await h.app.pollSpendNow()).alertsClaimed).toBe(1);
    status = await settled(nov, 4);
    expect(JSON.stringify(repliesTo(status).at(-1))).toMatch(/100%/);

    h.openai.addCost({ projectId: h.projects.support, day: day(15), usd: 50 });
    expect(h.openai.spendLimit(h.projects.support)?.status).toBe('enforcing');
    expect((await h.app.pollSpendNow()).alertsClaimed).toBe(1);
    status = await settled(nov, 5);
    const hard = repliesTo(status).at(-1) as SlackMessage;
    expect(hard.text).toMatch(/refusing/);
    expect(actionIdsIn(hard)).toContain(ACTION.requestHigherCap);
    expect(hard.text).toContain(USERS.approver);
    const broadcast = h.slack.callsTo('chat.postMessage').find((c) => c.ok && c.args.thread_ts === status.ts && c.args.reply_broadcast);
    expect(broadcast).toBeTruthy();

    // enforcement keeps being reported, but the hard cap was told once
    expect((await h.app.pollSpendNow()).alertsClaimed).toBe(0);
    await new Promise((r) => setTimeout(r, 800));
    expect(statusMessages()).toHaveLength(1);
    expect(repliesTo(status)).toHaveLength(5);
    // one post and one update per crossing after the first: the message lived in place
    expect(updatesOf(status)).toHaveLength(4);
  });

  it('re-arms in a new month: the first poll says nothing, the first crossing starts a new message', async () => {
    offset = Date.UTC(2026, 11, 2, 12) - BASE; // 2 Dec
    expect((await h.app.pollSpendNow()).alertsClaimed).toBe(0);
    h.openai.addCost({ projectId: h.projects.support, day: day(1, 11), usd: 60 });
    const report = await h.app.pollSpendNow();
    expect(report.month).toBe('2026-12');
    expect(report.alertsClaimed).toBeGreaterThanOrEqual(1);
    const dec = () => statusMessages().find((m) => nameOf(m).endsWith('.2026-12'));
    const status = await settled(dec, report.alertsClaimed);
    expect(statusMessages()).toHaveLength(2);
    expect(JSON.stringify(repliesTo(status))).toMatch(/50%/);
  });

  it('re-arms when the limits change: a new version is a new identity', async () => {
    const dec = () => statusMessages().find((m) => nameOf(m).endsWith('.2026-12'));
    const before = repliesTo(dec() as SlackMessage).length;
    await admin('limit "Support Bot" soft 200 hard 400');
    const stored = await waitUntil(async () => {
      const limits = JSON.parse((await h.redis.get(`${h.namespace}:{kw}:limits:${h.projects.support}`)) ?? '{}') as { softCents?: number; version?: number };
      return limits.softCents === 20_000 ? limits : undefined;
    });
    const version = stored.version as number;
    const soft = new RegExp(`\\.v${version}\\.soft\\.`);
    const raised = await h.app.pollSpendNow(); // $60 is 30% of $200: no soft alert (the pace may still forecast the cap)
    let status = await settled(dec, before + raised.alertsClaimed);
    expect(repliesTo(status).filter((r) => soft.test(nameOf(r)))).toHaveLength(0);
    h.openai.addCost({ projectId: h.projects.support, day: day(2, 11), usd: 45 });
    expect((await h.app.pollSpendNow()).alertsClaimed).toBe(1); // $105: 52% of $200
    status = await settled(dec, before + raised.alertsClaimed + 1);
    const rearmed = repliesTo(status).filter((r) => soft.test(nameOf(r)));
    expect(rearmed).toHaveLength(1);
    expect(JSON.stringify(rearmed[0])).toMatch(/50%/);
    expect(JSON.stringify(rearmed[0])).toMatch(/200\.00/);
    offset = 0;
  });
});

describe('reading OpenAI', () => {
  beforeAll(() => {
    offset = 0;
  });
  it('reads amount.value as a string or a number alike', async () => {
    await admin('limit "Research Assistant" soft 10 at 50');
    await waitUntil(async () => (await h.redis.exists(`${h.namespace}:{kw}:limits:${h.projects.research}`)) === 1, 15_000, 'limits stored');
    h.openai.addCost({ projectId: h.projects.research, day: day(14), usd: 4.5 });
    h.openai.setCostValueForm('string');
    const asString = await h.app.pollSpendNow();
    const stringTotal = await h.redis.hget(`${h.namespace}:{kw}:spend:totals:2026-11`, h.projects.research);
    h.openai.setCostValueForm('number');
    await h.app.pollSpendNow();
    const numberTotal = await h.redis.hget(`${h.namespace}:{kw}:spend:totals:2026-11`, h.projects.research);
    expect(JSON.parse(stringTotal ?? '{}').cents).toBe(450);
    expect(JSON.parse(numberTotal ?? '{}').cents).toBe(450);
    expect(asString.month).toBe('2026-11');
    expect(h.openai.calls.some((c) => c.path.endsWith('/costs'))).toBe(true);
  });

  it('makes the same number of OpenAI calls for 10,000 projects as for 3', async () => {
    const small = await h.app.pollSpendNow();
    for (let i = 0; i < 10_000; i += 1) {
      const id = h.openai.addProject({ name: `Load ${i}` }).id;
      h.openai.addCost({ projectId: id, day: day(1 + (i % 14)), usd: 1 + (i % 7) });
    }
    const large = await h.app.pollSpendNow();
    expect(large.projectsWithSpend).toBeGreaterThan(10_000);
    expect(large.openaiCalls).toBe(small.openaiCalls);
  }, 60_000);
});

describe('usage pages', () => {
  it('follows next_page through usage, and prices it as an estimate kept apart from costs', async () => {
    // A fresh organization whose costs cover only the 1st: usage is read from the 1st, and 14 days of hourly
    // buckets take more than one page of 168.
    const h = await startHarness({ now });
    await admin('limit "Research Assistant" soft 10 at 50', h);
    // the command is acked at once and applied just after: wait for the limits before polling
    await waitUntil(async () => (await h.redis.exists(`${h.namespace}:{kw}:limits:${h.projects.research}`)) === 1, 15_000, 'limits stored');
    h.openai.addCost({ projectId: h.projects.research, day: day(1), usd: 4.5 });
    const usageCalls = h.openai.callsTo('GET', /usage\/completions$/).length;
    for (let hour = 0; hour < 14 * 24; hour += 6) {
      h.openai.addUsage({ projectId: h.projects.research, apiKeyId: null, model: 'gpt-4o-mini', hour: day(1) + hour * 3600, inputTokens: 1_000_000, outputTokens: 200_000 });
    }
    await h.app.pollSpendNow();
    const calls = h.openai.callsTo('GET', /usage\/completions$/).slice(usageCalls);
    expect(calls.length).toBeGreaterThanOrEqual(2);
    expect(calls.slice(1).every((c) => typeof c.query.page === 'string')).toBe(true);
    const record = JSON.parse((await h.redis.get(`${h.namespace}:{kw}:spend:${h.projects.research}`)) ?? '{}');
    expect(record.spend.costCents).toBe(450);
    expect(record.spend.estimateCents).toBeGreaterThan(0);
    await h.stop();
  });

});

describe('storms', () => {
  beforeAll(() => {
    offset = 0;
  });
  it('survives OpenAI 5xx and Slack 429 storms: nothing lost, nothing doubled', async () => {
    const storm = h.openai.addProject({ name: 'Storm Test' }).id;
    await admin('limit "Storm Test" soft 100 at 10,20');
    await waitUntil(async () => (await h.redis.exists(`${h.namespace}:{kw}:limits:${storm}`)) === 1);
    h.openai.addCost({ projectId: storm, day: day(14), usd: 25 });
    h.openai.inject({ method: 'GET', path: /\/costs$/, status: 503, times: 2 });
    h.slack.inject('chat.postMessage', { status: 429, retryAfterSeconds: 1, times: 4 });
    const report = await h.app.pollSpendNow(); // $25 of $100: 10% and 20% crossed
    expect(report.alertsClaimed).toBeGreaterThanOrEqual(2);
    const mine = () => statusMessages().find((m) => nameOf(m) === `status.${storm}.2026-11`);
    // both thresholds crossed in one poll: one reply, for 20%, naming 10% (both stay claimed)
    const status = await settled(mine, 1);
    const names = repliesTo(status).map(nameOf);
    expect(names).toHaveLength(1);
    expect(new Set(names).size).toBe(names.length);
    expect(names.some((n) => n.endsWith('.soft.20'))).toBe(true);
    expect(repliesTo(status)[0]?.text).toContain('also passed 10% of its soft limit');
    expect(await h.redis.keys(`${h.namespace}:{kw}:ledger:alert.${storm}.2026-11.v*.soft.10`)).toHaveLength(1);
    expect(statusMessages().filter((m) => nameOf(m) === `status.${storm}.2026-11`)).toHaveLength(1);
    expect(h.slack.callsTo('chat.postMessage').filter((c) => c.status === 429).length).toBe(4);
    expect(h.openai.callsTo('GET', /\/costs$/).filter((c) => c.status === 503).length).toBe(2);
  }, 60_000);
});

void DAY;
