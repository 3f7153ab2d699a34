/**
 * The Slack emulator's per-channel posting limit ("1 message per second per channel, short bursts allowed"), over
 * real HTTP: 429 with Retry-After beyond it, per channel, only for the limited methods, and a record of posts sent
 * while a Retry-After was still running. The pacing clock is injected; nothing here waits on real time.
 */
import { ErrorCode, WebClient } from '@slack/web-api';
import { afterEach, describe, expect, it } from 'vitest';
import { startSlackEmulator, type ChannelRateLimit, type SlackEmulator } from '../../../src/emulators/slack/index.js';
import { ChannelPacing } from '../../../src/emulators/slack/channelPacing.js';

const ALICE = { id: 'U0ALICE', name: 'alice' };
const ALERTS = { id: 'C0ALERTS01', name: 'alerts' };
const OTHER = { id: 'C0OTHER001', name: 'other' };

let emulator: SlackEmulator | null = null;
let clock = 1_000_000;

afterEach(async () => {
  await emulator?.close();
  emulator = null;
});

async function start(limit?: Omit<ChannelRateLimit, 'now'>): Promise<SlackEmulator> {
  clock = 1_000_000;
  emulator = await startSlackEmulator({
    users: [ALICE],
    channels: [ALERTS, OTHER],
    ...(limit ? { channelRateLimit: { ...limit, now: () => clock } } : {}),
  });
  return emulator;
}

/** One Web API call as JSON; the status, Retry-After header and body. */
async function call(slack: SlackEmulator, method: string, args: Record<string, unknown>) {
  const res = await fetch(`${slack.apiUrl}${method}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json; charset=utf-8', Authorization: `Bearer ${slack.botToken}` },
    body: JSON.stringify(args),
  });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as { ok: boolean; error?: string; ts?: string } };
}

const post = (slack: SlackEmulator, channel: string, text = 'hello') => call(slack, 'chat.postMessage', { channel, text });

describe('off by default', () => {
  it('lets any number of posts into one channel at once and reports nothing', async () => {
    const slack = await start();
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => post(slack, ALERTS.id, `n${i}`)));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(slack.messages(ALERTS.id)).toHaveLength(6);
    expect(slack.pacingReport()).toBeNull();
  });
});

describe('one post per second per channel', () => {
  it('lets a burst through, then answers 429 ratelimited with Retry-After, and nothing is posted', async () => {
    const slack = await start({ perSecond: 1, burst: 2 });
    expect((await post(slack, ALERTS.id)).status).toBe(200);
    expect((await post(slack, ALERTS.id)).status).toBe(200);
    const third = await post(slack, ALERTS.id, 'refused');
    expect(third).toEqual({ status: 429, retryAfter: '1', body: { ok: false, error: 'ratelimited' } });
    expect(slack.messages(ALERTS.id).map((m) => m.text)).toEqual(['hello', 'hello']);
    expect(slack.callsTo('chat.postMessage').map((c) => c.status)).toEqual([200, 200, 429]);
  });

  it('refills one post per second: after the Retry-After the next post goes, and one more does not', async () => {
    const slack = await start({ perSecond: 1 });
    expect((await post(slack, ALERTS.id)).status).toBe(200);
    clock += 400;
    expect(await post(slack, ALERTS.id)).toMatchObject({ status: 429, retryAfter: '1' });
    clock += 1_000;
    expect((await post(slack, ALERTS.id)).status).toBe(200);
    expect((await post(slack, ALERTS.id)).status).toBe(429);
    const report = slack.pacingReport();
    expect(report?.admitted).toBe(2);
    expect(report?.refusals).toHaveLength(2);
    expect(report?.ignored).toHaveLength(0);
  });

  it('paces each channel apart, and a channel named by #name or a DM by user id shares its bucket', async () => {
    const slack = await start({ perSecond: 1 });
    expect((await post(slack, ALERTS.id)).status).toBe(200);
    expect((await post(slack, OTHER.id)).status).toBe(200);
    expect((await post(slack, `#${ALERTS.name}`)).status).toBe(429);
    expect((await post(slack, ALICE.id)).status).toBe(200);
    expect((await post(slack, slack.dmChannelOf(ALICE.id))).status).toBe(429);
    expect([...(slack.pacingReport()?.admittedByChannel ?? [])]).toEqual([
      [ALERTS.id, 1],
      [OTHER.id, 1],
      [slack.dmChannelOf(ALICE.id), 1],
    ]);
  });

  it('says Retry-After in whole seconds, rounded up (0.5 posts a second: 2 s)', async () => {
    const slack = await start({ perSecond: 0.5 });
    expect((await post(slack, ALERTS.id)).status).toBe(200);
    clock += 100;
    expect(await post(slack, ALERTS.id)).toMatchObject({ status: 429, retryAfter: '2' });
  });

  it('thread replies count against their channel', async () => {
    const slack = await start({ perSecond: 1 });
    const parent = await post(slack, ALERTS.id);
    const reply = await call(slack, 'chat.postMessage', { channel: ALERTS.id, thread_ts: parent.body.ts, text: 'reply' });
    expect(reply.status).toBe(429);
    expect(slack.thread(ALERTS.id, parent.body.ts ?? '')).toHaveLength(0);
  });
});

describe('a client that does not wait out Retry-After', () => {
  it('is refused for the rest of the Retry-After, and each such post is recorded as ignored', async () => {
    const slack = await start({ perSecond: 1 });
    await post(slack, ALERTS.id);
    clock += 100;
    expect(await post(slack, ALERTS.id)).toMatchObject({ status: 429, retryAfter: '1' }); // announced until +1100
    clock += 950; // a token is back (at +1000) but the Retry-After runs until +1100
    expect(await post(slack, ALERTS.id)).toMatchObject({ status: 429, retryAfter: '1' }); // what is left, rounded up
    clock += 100; // +1150: past the Retry-After announced first
    expect((await post(slack, ALERTS.id)).status).toBe(200);
    const report = slack.pacingReport();
    expect(report?.refusals.map((r) => r.ignoredRetryAfter)).toEqual([false, true]);
    expect(report?.ignored[0]).toEqual({ channel: ALERTS.id, method: 'chat.postMessage', at: 1_001_050, retryAfterSeconds: 1, ignoredRetryAfter: true });
  });

  it('a post honouring the Retry-After is not counted as ignored', async () => {
    const slack = await start({ perSecond: 1 });
    await post(slack, ALERTS.id);
    await post(slack, ALERTS.id);
    clock += 1_000;
    expect((await post(slack, ALERTS.id)).status).toBe(200);
    expect(slack.pacingReport()?.ignored).toEqual([]);
  });
});

describe('which methods', () => {
  it('limits chat.postMessage only by default: updates and ephemerals are tiered per workspace, not per channel', async () => {
    const slack = await start({ perSecond: 1 });
    const parent = await post(slack, ALERTS.id);
    const update = await call(slack, 'chat.update', { channel: ALERTS.id, ts: parent.body.ts, text: 'edited' });
    const ephemeral = await call(slack, 'chat.postEphemeral', { channel: ALERTS.id, user: ALICE.id, text: 'psst' });
    expect([update.status, ephemeral.status]).toEqual([200, 200]);
  });

  it('limits the methods named', async () => {
    const slack = await start({ perSecond: 1, methods: ['chat.postMessage', 'chat.postEphemeral'] });
    const first = await call(slack, 'chat.postEphemeral', { channel: ALERTS.id, user: ALICE.id, text: 'one' });
    const second = await call(slack, 'chat.postEphemeral', { channel: ALERTS.id, user: ALICE.id, text: 'two' });
    expect([first.status, second.status]).toEqual([200, 429]);
    expect((await post(slack, ALERTS.id)).status).toBe(429);
  });
});

describe('what @slack/web-api makes of it', () => {
  it('raises its rate-limited error carrying the Retry-After seconds (as keywarden reads them)', async () => {
    const slack = await start({ perSecond: 1 });
    const web = new WebClient(slack.botToken, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true });
    await web.chat.postMessage({ channel: ALERTS.id, text: 'first' });
    await expect(web.chat.postMessage({ channel: ALERTS.id, text: 'second' })).rejects.toMatchObject({ code: ErrorCode.RateLimitedError, retryAfter: 1 });
  });
});

describe('settings', () => {
  it('refuses a rate that is not positive and a burst below one', () => {
    expect(() => new ChannelPacing({ perSecond: 0 })).toThrow(/perSecond must be positive/);
    expect(() => new ChannelPacing({ perSecond: 1, burst: 0 })).toThrow(/burst must be at least 1/);
  });
});
