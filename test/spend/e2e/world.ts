/**
 * What the spend e2e files do alike: limits set by an admin, costs billed on chosen days of November 2026, polls
 * on a clock moved by hand, and the status messages and alert replies keywarden posts in #openai-spend.
 */
import { expect } from 'vitest';
import type { SlackMessage } from '../../../src/emulators/slack/index.js';
import type { RecordedCall as OpenAICall } from '../../../src/emulators/openai/index.js';
import { GENERAL_CHANNEL, SPEND_CHANNEL, USERS, waitUntil, type Harness } from '../../support/harness.js';
import type { SuiteClock } from '../../support/suiteHarness.js';

/** 15 Nov 2026, 12:00 UTC: mid-month, whatever day CI runs. The spend suites' clocks start here. */
export const SPEND_BASE = Date.UTC(2026, 10, 15, 12, 0, 0);
/** Unix seconds of 10:00 UTC on day `d` of `month` (0-based; November by default) 2026: a cost's or usage's day. */
export const day = (d: number, month = 10) => Math.floor(Date.UTC(2026, month, d, 10) / 1000);
export const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The name in a message's metadata (`status.<project>.<month>`, `reply.…`), or '' */
export const nameOf = (m: SlackMessage) => (m.metadata as { event_payload?: { name?: string } } | undefined)?.event_payload?.name ?? '';
/** The living status messages (one per project and month) in #openai-spend. */
export const statusMessages = (h: Harness) => h.slack.messages(SPEND_CHANNEL).filter((m) => nameOf(m).startsWith('status.'));
/** Finds the November 2026 status message of a project (`suffix` '.2' for the month's second one). */
export const statusOf = (h: Harness, projectId: string, suffix = '') => () =>
  h.slack.messages(SPEND_CHANNEL).find((m) => nameOf(m) === `status.${projectId}.2026-11${suffix}`);
/** The alert replies in the thread of the message at `ts` in #openai-spend. */
export const repliesTo = (h: Harness, ts: string) => h.slack.thread(SPEND_CHANNEL, ts).filter((r) => nameOf(r).startsWith('reply.'));

/**
 * Waits until the message `find` returns has at least `count` alert replies (the queue delivered them), then 1.2 s
 * more so extras would show; returns the message and its replies as they were when found.
 */
async function settledThread(h: Harness, find: () => SlackMessage | undefined, count: number): Promise<{ message: SlackMessage; replies: SlackMessage[] }> {
  const found = await h.waitFor(() => {
    const message = find();
    const replies = message ? repliesTo(h, message.ts) : [];
    return message && replies.length >= count ? { message, replies } : undefined;
  }, 20_000);
  await pause(1_200);
  return found;
}

/** The status message `status` finds, once it has `replies` alert replies (see settledThread). */
export const settled = async (h: Harness, status: () => SlackMessage | undefined, replies: number): Promise<SlackMessage> =>
  (await settledThread(h, status, replies)).message;

/** The alert replies under the status message at `ts`, once there are `count` of them (see settledThread). */
export const repliesSettled = async (h: Harness, ts: string, count: number): Promise<SlackMessage[]> =>
  (await settledThread(h, () => h.slack.message(SPEND_CHANNEL, ts), count)).replies;

/** Sends an `/openai-key` command as the admin; it is acknowledged with 200. */
export async function adminCommand(h: Harness, text: string): Promise<void> {
  const res = await h.driver.slashCommand({ userId: USERS.admin, text, channelId: GENERAL_CHANNEL });
  expect(res.status).toBe(200);
}

/** `limit "<projectName>" <text>` as the admin, waiting until the project's limits are stored. */
export async function setLimits(h: Harness, projectName: string, projectId: string, text: string): Promise<void> {
  await adminCommand(h, `limit "${projectName}" ${text}`);
  await waitUntil(async () => (await h.redis.exists(`${h.namespace}:{kw}:limits:${projectId}`)) === 1, 15_000, `limits of ${projectName} stored`);
}

// ---------------------------------------------------------------------------------------------------------------
// polls and the OpenAI calls they make

/** 5 minutes: how far the clock moves between two polls in the rate-limit suites. */
export const TICK = 5 * 60_000;
export const isSpendLimitRead = (c: OpenAICall) => c.method === 'GET' && /\/projects\/[^/]+\/spend_limit$/.test(c.path);
export const isSpendPage = (c: OpenAICall) => c.method === 'GET' && /\/organization\/(costs|usage\/completions)$/.test(c.path);
export const projectOf = (c: OpenAICall) => /\/projects\/([^/]+)\/spend_limit$/.exec(c.path)?.[1] ?? '';

/** One poll after `clock` moves on by `advanceMs`: the OpenAI calls it made. */
export async function pollAfter(h: Harness, clock: SuiteClock, advanceMs: number): Promise<{ reads: OpenAICall[]; pages: OpenAICall[]; all: OpenAICall[] }> {
  clock.offset += advanceMs;
  const before = h.openai.calls.length;
  await h.app.pollSpendNow();
  const all = h.openai.calls.slice(before);
  return { reads: all.filter(isSpendLimitRead), pages: all.filter(isSpendPage), all };
}
