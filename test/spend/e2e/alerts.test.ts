/**
 * Spend alerts with true numbers and words, against the real app, the emulators and Redis: exact totals, one alert
 * per poll for several thresholds, no forecast past the cap, what OpenAI reports about enforcing it (updated in
 * place when it starts), a status message someone deleted, and a project channel keywarden was removed from.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workspaceOf } from '../../../src/emulators/slack/server.js';
import { GENERAL_CHANNEL, SPEND_CHANNEL, USERS, startHarness, waitUntil, type Harness } from '../../support/harness.js';
import type { SlackMessage } from '../../../src/emulators/slack/index.js';

const BASE = Date.UTC(2026, 10, 15, 12, 0, 0); // 15 Nov 2026, 12:00 UTC, whatever day CI runs
const started = Date.now();
let offset = 0;
const now = () => BASE + (Date.now() - started) + offset;
const seconds = (ms: number) => Math.floor(ms / 1000);
const day = (d: number, month = 10) => seconds(Date.UTC(2026, month, d, 10));

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ now });
});
afterAll(async () => {
  await h?.stop();
});

const nameOf = (m: SlackMessage) => (m.metadata as { event_payload?: { name?: string } } | undefined)?.event_payload?.name ?? '';
const statusOf = (projectId: string, suffix = '') => () =>
  h.slack.messages(SPEND_CHANNEL).find((m) => nameOf(m) === `status.${projectId}.2026-11${suffix}`);
const repliesTo = (ts: string) => h.slack.thread(SPEND_CHANNEL, ts).filter((r) => nameOf(r).startsWith('reply.'));
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function limits(projectName: string, projectId: string, text: string): Promise<void> {
  const res = await h.driver.slashCommand({ userId: USERS.admin, text: `limit "${projectName}" ${text}`, channelId: GENERAL_CHANNEL });
  expect(res.status).toBe(200);
  await waitUntil(async () => (await h.redis.exists(`${h.namespace}:{kw}:limits:${projectId}`)) === 1, 15_000, 'limits stored');
}

/** Waits for `count` replies under `ts`, then a little longer so extras would show. */
async function replies(ts: string, count: number): Promise<SlackMessage[]> {
  const found = await h.waitFor(() => {
    const r = repliesTo(ts);
    return r.length >= count ? r : undefined;
  }, 20_000);
  await pause(1_200);
  return found;
}

describe('exact totals', () => {
  it('$0.004 billed on each of three days is 1 cent, as on the sandbox page (each day rounded to 0 cents before)', async () => {
    const tiny = h.openai.addProject({ name: 'Tiny Spend' }).id;
    for (const d of [10, 11, 12]) h.openai.addCost({ projectId: tiny, day: day(d), usd: 0.004 });
    h.openai.setCostValueForm('string');
    await h.app.pollSpendNow();
    h.openai.setCostValueForm('number');
    const total = JSON.parse((await h.redis.hget(`${h.namespace}:{kw}:spend:totals:2026-11`, tiny)) ?? '{}') as { cents?: number };
    expect(total.cents).toBe(1);
  });
});

describe('several thresholds crossed in one poll', () => {
  it('posts one alert, for the highest, naming the others; the lower ones are claimed and never post later', async () => {
    const id = h.openai.addProject({ name: 'Burst Project' }).id;
    await limits('Burst Project', id, 'soft 100 hard 5000 at 50,80,100');
    // $85 at once: 50% and 80% in one poll (the instance: "reached 50% … $738 of $600" was one reply per threshold)
    h.openai.addCost({ projectId: id, day: day(14), usd: 85 });
    const report = await h.app.pollSpendNow();
    expect(report.alertsClaimed).toBe(2);
    const status = await h.waitFor(statusOf(id), 20_000);
    const [only, ...extra] = await replies(status.ts, 1);
    expect(extra).toHaveLength(0);
    expect(nameOf(only as SlackMessage)).toMatch(/\.soft\.80$/);
    expect(only?.text).toContain('has reached *80%* of its soft limit: $85.00 spent of $100.00 this month. Since the last check it also passed 50% of its soft limit.');
    expect(await h.redis.keys(`${h.namespace}:{kw}:ledger:alert.${id}.2026-11.v*.soft.50`)).toHaveLength(1);

    // later polls never tell 50% on its own
    expect((await h.app.pollSpendNow()).alertsClaimed).toBe(0);
    await pause(1_200);
    expect(repliesTo(status.ts)).toHaveLength(1);

    // one threshold later: its own reply, naming nothing else
    h.openai.addCost({ projectId: id, day: day(15), usd: 20 });
    expect((await h.app.pollSpendNow()).alertsClaimed).toBe(1);
    const after = await replies(status.ts, 2);
    expect(after.map(nameOf)).toEqual([nameOf(only as SlackMessage), expect.stringMatching(/\.soft\.100$/)]);
    expect(after[1]?.text).not.toContain('also passed');
  });
});

describe('the hard cap, in OpenAI words', () => {
  it('says enforcement is pending while OpenAI reports the cap inactive, forecasts nothing, and updates the notice once OpenAI enforces', async () => {
    const id = h.openai.addProject({ name: 'Capped Project' }).id;
    await limits('Capped Project', id, 'soft 100 hard 150 at 50,80');
    // OpenAI bills $140 through the 14th; $20 of usage on the 15th is not billed yet: keywarden counts $160, OpenAI
    // enforces on what it billed, so it reports the cap inactive.
    h.openai.addCost({ projectId: id, day: day(14), usd: 140 });
    h.openai.addUsage({ projectId: id, apiKeyId: null, model: 'gpt-4o', hour: seconds(Date.UTC(2026, 10, 15, 2)), inputTokens: 0, outputTokens: 2_000_000 });
    expect(h.openai.spendLimit(id)).toMatchObject({ threshold_amount: 15_000, status: 'inactive' });
    const first = await h.app.pollSpendNow();
    expect(first.alertsClaimed).toBe(3); // 50%, 80% and the cap: one notice, for the cap
    const status = await h.waitFor(statusOf(id), 20_000);
    const [notice, ...extra] = await replies(status.ts, 1);
    expect(extra).toHaveLength(0);
    expect(nameOf(notice as SlackMessage)).toMatch(/\.hard\.100$/);
    expect(notice?.text).toContain('*Capped Project* has reached its hard cap of $150.00 ($160.00 spent this month).');
    expect(notice?.text).toContain('Since the last check it also passed 50% and 80% of its soft limit.');
    expect(notice?.text).toContain('OpenAI does not report the cap as enforced yet');
    expect(notice?.text).not.toMatch(/refusing this project/);
    const statusText = JSON.stringify(h.slack.message(SPEND_CHANNEL, status.ts)?.blocks);
    expect(statusText).toContain('*Forecast* none: the hard cap is reached.');
    expect(statusText).not.toMatch(/by month end/);
    expect(statusText).not.toMatch(/refusing/);

    // polling on while OpenAI still does not enforce changes nothing
    await h.app.pollSpendNow();
    await pause(1_200);
    const noticeUpdates = () => h.slack.callsTo('chat.update').filter((c) => c.ok && c.args.ts === notice?.ts);
    expect(noticeUpdates()).toHaveLength(0);

    // OpenAI bills the 15th and now enforces: the same notice is updated, once, and the status message with it
    h.openai.addCost({ projectId: id, day: day(15), usd: 20 });
    expect(h.openai.spendLimit(id)?.status).toBe('enforcing');
    expect((await h.app.pollSpendNow()).alertsClaimed).toBe(0);
    await h.waitFor(() => noticeUpdates().length > 0 || undefined, 20_000);
    await h.app.pollSpendNow();
    await pause(1_500);
    expect(noticeUpdates()).toHaveLength(1);
    const updated = h.slack.message(SPEND_CHANNEL, notice?.ts ?? '') ?? h.slack.thread(SPEND_CHANNEL, status.ts).find((m) => m.ts === notice?.ts);
    expect(updated?.text).toContain("*OpenAI is now refusing this project's requests*");
    expect(repliesTo(status.ts)).toHaveLength(1);
    expect(JSON.stringify(h.slack.message(SPEND_CHANNEL, status.ts)?.blocks)).toContain("OpenAI is refusing this project's requests");
  });
});

describe('a deleted status message', () => {
  it('starts a new status message for the month with the alert in it, once, and a new month starts afresh', async () => {
    const id = h.openai.addProject({ name: 'Deleted Status' }).id;
    await limits('Deleted Status', id, 'soft 100 hard 9000 at 10,20,30');
    h.openai.addCost({ projectId: id, day: day(13), usd: 15 });
    await h.app.pollSpendNow();
    const first = await h.waitFor(statusOf(id), 20_000);
    await replies(first.ts, 1);

    // someone deletes the living status message (its thread lives on under a tombstone, as in Slack)
    expect(workspaceOf(h.slack).deleteMessage(SPEND_CHANNEL, first.ts, false)).toMatchObject({ ok: true });
    expect(statusOf(id)()).toBeUndefined();

    h.openai.addCost({ projectId: id, day: day(14), usd: 10 }); // 25%: 20% crossed
    h.slack.inject('chat.postMessage', { status: 429, retryAfterSeconds: 1, times: 1 }); // and a retry on the way
    await Promise.all([h.app.pollSpendNow(), h.app.pollSpendNow()]);
    const second = await h.waitFor(statusOf(id, '.2'), 20_000);
    const [told] = await replies(second.ts, 1);
    expect(nameOf(told as SlackMessage)).toMatch(/\.soft\.20$/);
    // Slack answered the update of the deleted message with message_not_found; nothing went under the tombstone
    expect(h.slack.callsTo('chat.update').some((c) => c.args.ts === first.ts && c.error === 'message_not_found')).toBe(true);
    expect(repliesTo(first.ts)).toHaveLength(1);
    expect(JSON.stringify(second.blocks)).toContain('$25.00');

    // the new message lives on: the next crossing updates it and replies under it
    h.openai.addCost({ projectId: id, day: day(15), usd: 10 }); // 35%: 30% crossed
    await h.app.pollSpendNow();
    await replies(second.ts, 2);
    const statusPosts = h.slack.callsTo('chat.postMessage').filter((c) => c.ok && JSON.stringify(c.args.metadata ?? '').includes(`"status.${id}.`));
    expect(statusPosts).toHaveLength(2);
    expect(h.slack.callsTo('chat.update').filter((c) => c.ok && c.args.ts === second.ts)).toHaveLength(1);
    expect(JSON.stringify(h.slack.message(SPEND_CHANNEL, second.ts)?.blocks)).toContain('$35.00');

    // December: a new month's first message, not generation 2 of November's
    offset = Date.UTC(2026, 11, 2, 12) - BASE;
    h.openai.addCost({ projectId: id, day: day(1, 11), usd: 15 });
    await h.app.pollSpendNow();
    const december = await h.waitFor(() => h.slack.messages(SPEND_CHANNEL).find((m) => nameOf(m) === `status.${id}.2026-12`), 20_000);
    await replies(december.ts, 1);
    offset = 0;
  }, 90_000);
});

describe('a project channel keywarden was removed from', () => {
  it('gets its alert in the default alert channel instead, saying where it belonged and why', async () => {
    const id = h.openai.addProject({ name: 'Moved Out' }).id;
    await limits('Moved Out', id, `soft 100 at 50 channel <#${GENERAL_CHANNEL}|general>`);
    workspaceOf(h.slack).setBotMembership(GENERAL_CHANNEL, false);
    try {
      h.openai.addCost({ projectId: id, day: day(14), usd: 60 });
      expect((await h.app.pollSpendNow()).alertsClaimed).toBe(1);
      const status = await h.waitFor(statusOf(id), 20_000);
      expect(status.text).toContain(`This alert belongs in <#${GENERAL_CHANNEL}>, but keywarden couldn't post there`);
      await replies(status.ts, 1);
      expect(h.slack.messages(GENERAL_CHANNEL).filter((m) => nameOf(m).startsWith('status.'))).toHaveLength(0);
    } finally {
      workspaceOf(h.slack).setBotMembership(GENERAL_CHANNEL, true);
    }
  });
});
