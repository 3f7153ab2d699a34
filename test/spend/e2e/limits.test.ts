/**
 * Reading caps within OpenAI's Admin API limits, against the real app, Redis and the OpenAI emulator allowing 7
 * spend-limit reads a minute, on a clock that ticks 5 minutes a poll: caps near or over are read every poll, the
 * rest in an hourly rotation; a project left out by a 429 is read first next time; a 429 holds the endpoint (60 s
 * without Retry-After, its Retry-After with one) for every poll, other endpoints carry on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENERAL_CHANNEL, SPEND_CHANNEL, USERS, startHarness, waitUntil, type Harness } from '../../support/harness.js';
import type { SlackMessage } from '../../../src/emulators/slack/index.js';
import type { RecordedCall as OpenAICall } from '../../../src/emulators/openai/index.js';

const BASE = Date.UTC(2026, 10, 15, 12, 0, 0); // 15 Nov 2026, 12:00 UTC, whatever day CI runs
const TICK = 5 * 60_000;
const started = Date.now();
let offset = 0;
const now = () => BASE + (Date.now() - started) + offset;
const day = (d: number) => Math.floor(Date.UTC(2026, 10, d, 10) / 1000);
const nameOf = (m: SlackMessage) => (m.metadata as { event_payload?: { name?: string } } | undefined)?.event_payload?.name ?? '';
const isSpendLimitRead = (c: OpenAICall) => c.method === 'GET' && /\/projects\/[^/]+\/spend_limit$/.test(c.path);
const isSpendPage = (c: OpenAICall) => c.method === 'GET' && /\/organization\/(costs|usage\/completions)$/.test(c.path);
const projectOf = (c: OpenAICall) => /\/projects\/([^/]+)\/spend_limit$/.exec(c.path)?.[1] ?? '';

/** One poll after the clock moves on by `advanceMs`: the OpenAI calls it made. */
async function pollAfter(h: Harness, advanceMs: number): Promise<{ reads: OpenAICall[]; pages: OpenAICall[]; all: OpenAICall[] }> {
  offset += advanceMs;
  const before = h.openai.calls.length;
  await h.app.pollSpendNow();
  const all = h.openai.calls.slice(before);
  return { reads: all.filter(isSpendLimitRead), pages: all.filter(isSpendPage), all };
}

async function limit(h: Harness, projectName: string, projectId: string, text: string): Promise<void> {
  const res = await h.driver.slashCommand({ userId: USERS.admin, text: `limit "${projectName}" ${text}`, channelId: GENERAL_CHANNEL });
  expect(res.status).toBe(200);
  await waitUntil(async () => (await h.redis.exists(`${h.namespace}:{kw}:limits:${projectId}`)) === 1, 15_000, `limits of ${projectName} stored`);
}

const hardClaims = async (h: Harness, projectId: string) => h.redis.keys(`${h.namespace}:{kw}:ledger:alert.${projectId}.2026-11.v*.hard.100`);

describe('twelve projects capped at OpenAI, 7 spend-limit reads a minute', () => {
  let h: Harness;
  const capped: { id: string; name: string }[] = [];
  beforeAll(async () => {
    offset = 0;
    h = await startHarness({ now });
    // Caps set in OpenAI's dashboard ($50), soft limits in keywarden ($10), $60 billed: every hard-cap notice needs
    // keywarden to read the project's cap at OpenAI first.
    for (let i = 1; i <= 12; i += 1) {
      const name = `Capped ${String(i).padStart(2, '0')}`;
      const { id } = h.openai.addProject({ name });
      capped.push({ id, name });
      h.openai.setSpendLimit(id, 5_000);
      h.openai.addCost({ projectId: id, day: day(14), usd: 60 });
      await limit(h, name, id, 'soft 10');
    }
    h.openai.setRateLimits({ spendLimitReadsPerMinute: 7 });
  }, 120_000);
  afterAll(async () => {
    if (process.env.DEBUG_E2E) console.log(h.logLines.filter((l) => /"level":(40|50)|spend polled/.test(l)).join(''));
    await h?.stop();
  });

  it("tells the 12th project's hard cap within three polls, reading those left out by a 429 first, within the bound", async () => {
    const readsPerPoll: string[][] = [];
    let polls = 0;
    for (; polls < 3; polls += 1) {
      const { reads, pages } = await pollAfter(h, TICK);
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
    const limited = await pollAfter(h, TICK);
    expect(limited.reads.filter((c) => c.status === 200)).toHaveLength(7);
    const refusedAt = limited.reads.find((c) => c.status === 429)?.at ?? 0;
    expect(refusedAt).toBeGreaterThan(0);

    const inside = await pollAfter(h, 30_000);
    expect(inside.reads).toHaveLength(0);
    expect(inside.pages).toHaveLength(2);
    const stillInside = await pollAfter(h, 25_000);
    expect(now() - refusedAt).toBeLessThan(60_000);
    expect(stillInside.reads).toHaveLength(0);

    const past = await pollAfter(h, 6_000);
    expect(past.reads.length).toBeGreaterThan(0);
    expect((past.reads[0]?.at ?? 0) - refusedAt).toBeGreaterThanOrEqual(60_000);
  }, 60_000);

  it('honours a Retry-After shorter than 60 s, rather than holding a full minute', async () => {
    h.openai.setRateLimits({ spendLimitReadsPerMinute: 7, retryAfter: 20 });
    const limited = await pollAfter(h, TICK);
    const refused = limited.reads.find((c) => c.status === 429);
    expect(refused).toBeDefined();
    expect((await pollAfter(h, 10_000)).reads).toHaveLength(0);
    const after = await pollAfter(h, 11_000);
    expect(after.reads.length).toBeGreaterThan(0);
    expect((after.reads[0]?.at ?? 0) - (refused?.at ?? 0)).toBeLessThan(60_000);
  }, 60_000);

  it('keeps `limits` to the same limit: a 429 it meets holds the poll\'s reads too, and while held it asks nothing', async () => {
    offset += 120_000; // past earlier holds, into a fresh minute at OpenAI
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
    const { reads, pages } = await pollAfter(h, 1_000);
    expect(pages).toHaveLength(2);
    expect(reads).toHaveLength(0);
    // and `limits` itself asks nothing while the hold lasts, but still answers
    expect(await ask()).toHaveLength(0);
  });
});

describe('an hour of polls over 24 capped projects far from their caps and one near it', () => {
  let h: Harness;
  const far: string[] = [];
  let near = '';
  beforeAll(async () => {
    offset = 0;
    h = await startHarness({ now });
    for (let i = 1; i <= 24; i += 1) {
      const name = `Rotation ${String(i).padStart(2, '0')}`;
      const { id } = h.openai.addProject({ name });
      far.push(id);
      h.openai.addCost({ projectId: id, day: day(14), usd: 10 });
      await limit(h, name, id, 'hard 1000');
    }
    near = h.openai.addProject({ name: 'Nearly There' }).id;
    h.openai.addCost({ projectId: near, day: day(14), usd: 85 });
    await limit(h, 'Nearly There', near, 'hard 100');
    h.openai.setRateLimits({ spendLimitReadsPerMinute: 7 });
  }, 120_000);
  afterAll(async () => {
    await h?.stop();
  });

  it('reads the one near its cap every poll and every other at least once an hour, at most 1 + ceil(24/12) reads a poll', async () => {
    const readsByPoll: string[][] = [];
    for (let poll = 1; poll <= 13; poll += 1) {
      const { reads, pages, all } = await pollAfter(h, TICK);
      const read = reads.map(projectOf);
      readsByPoll.push(read);
      expect(reads.every((c) => c.status === 200)).toBe(true);
      expect(read).toContain(near);
      // at most 2 + pages + 1 near its cap + ceil(24 / 12)
      expect(pages).toHaveLength(2);
      expect(all.length).toBeLessThanOrEqual(2 + 1 + Math.ceil(24 / 12));
      expect(reads.length).toBeLessThanOrEqual(1 + Math.ceil(24 / 12));
    }
    // every window of 12 polls (55 minutes apart at most) read every project
    for (const window of [readsByPoll.slice(0, 12), readsByPoll.slice(1, 13)]) {
      const seen = new Set(window.flat());
      expect(far.filter((id) => !seen.has(id))).toEqual([]);
    }
  }, 180_000);
});
