/**
 * Spend polling and alerts when things go wrong, against the real app, the emulators and Redis, on fixed clocks:
 * OpenAI 5xx and Slack 429 storms (nothing lost, nothing doubled); a status message someone deleted (Slack answers
 * message_not_found: a new one is started, once); and OpenAI's Admin API refusing spend-limit reads with 429, 7 a
 * minute: those left out are read first next time, and a 429 holds the endpoint (60 s without Retry-After, its
 * Retry-After with one) for every poll and for `limits`, while costs and usage are still read; and a project channel
 * keywarden was removed from (its alert goes to the default alert channel, saying why).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { workspaceOf } from '../../../src/emulators/slack/server.js';
import type { SlackMessage } from '../../../src/emulators/slack/index.js';
import { GENERAL_CHANNEL, SPEND_CHANNEL, USERS, waitUntil, type Harness } from '../../support/harness.js';
import { keywardenForSuite, suiteClock } from '../../support/suiteHarness.js';
import { SPEND_BASE, TICK, day, isSpendLimitRead, nameOf, pollAfter, projectOf, repliesSettled, repliesTo, setLimits, settled, statusMessages, statusOf } from './world.js';

let h: Harness;

describe('storms', () => {
  keywardenForSuite((started) => (h = started), { clock: suiteClock(SPEND_BASE) });

  it('survives OpenAI 5xx and Slack 429 storms: nothing lost, nothing doubled', async () => {
    const storm = h.openai.addProject({ name: 'Storm Test' }).id;
    await setLimits(h, 'Storm Test', storm, 'soft 100 at 10,20');
    h.openai.addCost({ projectId: storm, day: day(14), usd: 25 });
    h.openai.inject({ method: 'GET', path: /\/costs$/, status: 503, times: 2 });
    h.slack.inject('chat.postMessage', { status: 429, retryAfterSeconds: 1, times: 4 });
    const report = await h.app.pollSpendNow(); // $25 of $100: 10% and 20% crossed
    expect(report.alertsClaimed).toBeGreaterThanOrEqual(2);
    const mine = () => statusMessages(h).find((m) => nameOf(m) === `status.${storm}.2026-11`);
    // both thresholds crossed in one poll: one reply, for 20%, naming 10% (both stay claimed)
    const status = await settled(h, mine, 1);
    const names = repliesTo(h, status.ts).map(nameOf);
    expect(names).toHaveLength(1);
    expect(new Set(names).size).toBe(names.length);
    expect(names.some((n) => n.endsWith('.soft.20'))).toBe(true);
    expect(repliesTo(h, status.ts)[0]?.text).toContain('also passed 10% of its soft limit');
    expect(await h.redis.keys(`${h.namespace}:{kw}:ledger:alert.${storm}.2026-11.v*.soft.10`)).toHaveLength(1);
    expect(statusMessages(h).filter((m) => nameOf(m) === `status.${storm}.2026-11`)).toHaveLength(1);
    expect(h.slack.callsTo('chat.postMessage').filter((c) => c.status === 429).length).toBe(4);
    expect(h.openai.callsTo('GET', /\/costs$/).filter((c) => c.status === 503).length).toBe(2);
  }, 60_000);
});

describe('a deleted status message', () => {
  const clock = suiteClock(SPEND_BASE);
  keywardenForSuite((started) => (h = started), { clock });

  it('starts a new status message for the month with the alert in it, once, and a new month starts afresh', async () => {
    const id = h.openai.addProject({ name: 'Deleted Status' }).id;
    await setLimits(h, 'Deleted Status', id, 'soft 100 hard 9000 at 10,20,30');
    h.openai.addCost({ projectId: id, day: day(13), usd: 15 });
    await h.app.pollSpendNow();
    const first = await h.waitFor(statusOf(h, id), 20_000);
    await repliesSettled(h, first.ts, 1);

    // someone deletes the living status message (its thread lives on under a tombstone, as in Slack)
    expect(workspaceOf(h.slack).deleteMessage(SPEND_CHANNEL, first.ts, false)).toMatchObject({ ok: true });
    expect(statusOf(h, id)()).toBeUndefined();

    h.openai.addCost({ projectId: id, day: day(14), usd: 10 }); // 25%: 20% crossed
    h.slack.inject('chat.postMessage', { status: 429, retryAfterSeconds: 1, times: 1 }); // and a retry on the way
    await Promise.all([h.app.pollSpendNow(), h.app.pollSpendNow()]);
    const second = await h.waitFor(statusOf(h, id, '.2'), 20_000);
    const [told] = await repliesSettled(h, second.ts, 1);
    expect(nameOf(told as SlackMessage)).toMatch(/\.soft\.20$/);
    // Slack answered the update of the deleted message with message_not_found; nothing went under the tombstone
    expect(h.slack.callsTo('chat.update').some((c) => c.args.ts === first.ts && c.error === 'message_not_found')).toBe(true);
    expect(repliesTo(h, first.ts)).toHaveLength(1);
    expect(JSON.stringify(second.blocks)).toContain('$25.00');

    // the new message lives on: the next crossing updates it and replies under it
    h.openai.addCost({ projectId: id, day: day(15), usd: 10 }); // 35%: 30% crossed
    await h.app.pollSpendNow();
    await repliesSettled(h, second.ts, 2);
    const statusPosts = h.slack.callsTo('chat.postMessage').filter((c) => c.ok && JSON.stringify(c.args.metadata ?? '').includes(`"status.${id}.`));
    expect(statusPosts).toHaveLength(2);
    expect(h.slack.callsTo('chat.update').filter((c) => c.ok && c.args.ts === second.ts)).toHaveLength(1);
    expect(JSON.stringify(h.slack.message(SPEND_CHANNEL, second.ts)?.blocks)).toContain('$35.00');

    // December: a new month's first message, not generation 2 of November's
    clock.offset = Date.UTC(2026, 11, 2, 12) - SPEND_BASE;
    h.openai.addCost({ projectId: id, day: day(1, 11), usd: 15 });
    await h.app.pollSpendNow();
    const december = await h.waitFor(() => h.slack.messages(SPEND_CHANNEL).find((m) => nameOf(m) === `status.${id}.2026-12`), 20_000);
    await repliesSettled(h, december.ts, 1);
    clock.offset = 0;
  }, 90_000);
});

describe('a project channel keywarden was removed from', () => {
  keywardenForSuite((started) => (h = started), { clock: suiteClock(SPEND_BASE) });

  it('gets its alert in the default alert channel instead, saying where it belonged and why', async () => {
    const id = h.openai.addProject({ name: 'Moved Out' }).id;
    await setLimits(h, 'Moved Out', id, `soft 100 at 50 channel <#${GENERAL_CHANNEL}|general>`);
    workspaceOf(h.slack).setBotMembership(GENERAL_CHANNEL, false);
    try {
      h.openai.addCost({ projectId: id, day: day(14), usd: 60 });
      expect((await h.app.pollSpendNow()).alertsClaimed).toBe(1);
      const status = await h.waitFor(statusOf(h, id), 20_000);
      expect(status.text).toContain(`This alert belongs in <#${GENERAL_CHANNEL}>, but keywarden couldn't post there`);
      await repliesSettled(h, status.ts, 1);
      expect(h.slack.messages(GENERAL_CHANNEL).filter((m) => nameOf(m).startsWith('status.'))).toHaveLength(0);
    } finally {
      workspaceOf(h.slack).setBotMembership(GENERAL_CHANNEL, true);
    }
  }, 60_000);
});

describe('twelve projects capped at OpenAI, 7 spend-limit reads a minute', () => {
  const clock = suiteClock(SPEND_BASE);
  keywardenForSuite((started) => (h = started), { clock });
  const hardClaims = async (h: Harness, projectId: string) => h.redis.keys(`${h.namespace}:{kw}:ledger:alert.${projectId}.2026-11.v*.hard.100`);
  const capped: { id: string; name: string }[] = [];
  beforeAll(async () => {
    // Caps set in OpenAI's dashboard ($50), soft limits in keywarden ($10), $60 billed: every hard-cap notice needs
    // keywarden to read the project's cap at OpenAI first.
    for (let i = 1; i <= 12; i += 1) {
      const name = `Capped ${String(i).padStart(2, '0')}`;
      const { id } = h.openai.addProject({ name });
      capped.push({ id, name });
      h.openai.setSpendLimit(id, 5_000);
      h.openai.addCost({ projectId: id, day: day(14), usd: 60 });
      await setLimits(h, name, id, 'soft 10');
    }
    h.openai.setRateLimits({ spendLimitReadsPerMinute: 7 });
  }, 120_000);

  it("tells the 12th project's hard cap within three polls, reading those left out by a 429 first, within the bound", async () => {
    const readsPerPoll: string[][] = [];
    let polls = 0;
    for (; polls < 3; polls += 1) {
      const { reads, pages } = await pollAfter(h, clock, TICK);
      readsPerPoll.push(reads.map((c) => `${projectOf(c)}:${c.status}`));
      // 2 + pages + capped projects near their cap (all 12: over it, or a cap not known yet) + ceil(0 others / 12)
      expect(pages).toHaveLength(2);
      expect(reads.length).toBeLessThanOrEqual(12);
      const claimed = await Promise.all(capped.map(async (p) => (await hardClaims(h, p.id)).length));
      if (claimed.every((n) => n === 1)) break;
    }
    expect(polls, `reads per poll: ${JSON.stringify(readsPerPoll)}`).toBeLessThan(3);
    // the first poll was rate limited part way: the projects it left out were read first in the next
    const [first, second] = readsPerPoll as [string[], string[]];
    expect(first.filter((r) => r.endsWith(':429')).length).toBeGreaterThan(0);
    const leftOut = capped.map((p) => p.id).filter((id) => !first.includes(`${id}:200`));
    expect(leftOut.length).toBeGreaterThanOrEqual(5);
    // the second poll wanted all 12 again and OpenAI answered 7: the 5 left out before were among them
    expect(second.filter((r) => r.endsWith(':200'))).toHaveLength(7);
    expect(leftOut.filter((id) => !second.includes(`${id}:200`))).toEqual([]);

    // the last project read is told in Slack, in OpenAI's words, once
    const last = capped.find((p) => p.id === leftOut.at(-1)) as { id: string; name: string };
    const status = await h.waitFor(() => h.slack.messages(SPEND_CHANNEL).find((m) => nameOf(m) === `status.${last.id}.2026-11`), 90_000);
    const notice = await h.waitFor(() => h.slack.thread(SPEND_CHANNEL, status.ts).find((m) => /\.hard\.100$/.test(nameOf(m))), 90_000);
    expect(notice.text).toContain(`*${last.name}* has reached its hard cap of $50.00 ($60.00 spent this month).`);
  }, 180_000);

  it('holds spend-limit reads 60 s after a 429 without Retry-After, for the next poll too, while costs and usage are read', async () => {
    // all 12 are over their caps: each poll wants 12 reads and OpenAI allows 7 a minute
    const limited = await pollAfter(h, clock, TICK);
    expect(limited.reads.filter((c) => c.status === 200)).toHaveLength(7);
    const refusedAt = limited.reads.find((c) => c.status === 429)?.at ?? 0;
    expect(refusedAt).toBeGreaterThan(0);

    const inside = await pollAfter(h, clock, 30_000);
    expect(inside.reads).toHaveLength(0);
    expect(inside.pages).toHaveLength(2);
    const stillInside = await pollAfter(h, clock, 25_000);
    expect(clock.now() - refusedAt).toBeLessThan(60_000);
    expect(stillInside.reads).toHaveLength(0);

    const past = await pollAfter(h, clock, 6_000);
    expect(past.reads.length).toBeGreaterThan(0);
    expect((past.reads[0]?.at ?? 0) - refusedAt).toBeGreaterThanOrEqual(60_000);
  }, 60_000);

  it('honours a Retry-After shorter than 60 s, rather than holding a full minute', async () => {
    h.openai.setRateLimits({ spendLimitReadsPerMinute: 7, retryAfter: 20 });
    const limited = await pollAfter(h, clock, TICK);
    const refused = limited.reads.find((c) => c.status === 429);
    expect(refused).toBeDefined();
    expect((await pollAfter(h, clock, 10_000)).reads).toHaveLength(0);
    const after = await pollAfter(h, clock, 11_000);
    expect(after.reads.length).toBeGreaterThan(0);
    expect((after.reads[0]?.at ?? 0) - (refused?.at ?? 0)).toBeLessThan(60_000);
  }, 60_000);

  it('keeps `limits` to the same limit: a 429 it meets holds the poll\'s reads too, and while held it asks nothing', async () => {
    clock.offset += 120_000; // past earlier holds, into a fresh minute at OpenAI
    const ask = async () => {
      const before = h.openai.calls.length;
      const res = await h.driver.slashCommand({ userId: USERS.admin, text: 'limits', channelId: GENERAL_CHANNEL });
      expect(res.status).toBe(200);
      await waitUntil(() => h.slack.responseUrlPosts.some((p) => p.url === res.responseUrl) || undefined, 15_000, 'the limits answer');
      return h.openai.calls.slice(before).filter(isSpendLimitRead);
    };
    // twelve caps to show, seven reads a minute: OpenAI refuses some, and keywarden stops asking
    const first = await ask();
    expect(first.some((c) => c.status === 429)).toBe(true);
    // the poll that follows honours the hold `limits` met: costs and usage, no spend-limit read
    const { reads, pages } = await pollAfter(h, clock, 1_000);
    expect(pages).toHaveLength(2);
    expect(reads).toHaveLength(0);
    // and `limits` itself asks nothing while the hold lasts, but still answers
    expect(await ask()).toHaveLength(0);
  });
});
