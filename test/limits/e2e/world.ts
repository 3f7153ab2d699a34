/**
 * What the limits e2e files do alike, as a person in Slack does it: commands answered in an ephemeral, a member's
 * change opened as a request, and the higher-cap form of a hard-cap notice, on a project that reached its cap.
 */
import { beforeAll, expect } from 'vitest';
import { ACTION, INPUT } from '../../../src/platform/slack/ids.js';
import type { SlackMessage, SlackView } from '../../../src/emulators/slack/index.js';
import { APPROVAL_CHANNEL, GENERAL_CHANNEL, SPEND_CHANNEL, USERS, waitUntil, type Harness } from '../../support/harness.js';
import { keywardenForSuite, suiteClock } from '../../support/suiteHarness.js';

/** A message's text and blocks as one string, for matching. */
export const textOf = (m: { text?: string; blocks?: unknown[] } | undefined): string => `${m?.text ?? ''}\n${JSON.stringify(m?.blocks ?? [])}`;

/**
 * Sends a command as `userId` and returns the text of the ephemeral answer it produces (the ack or a response_url
 * post); the command is acknowledged with 200 within Slack's 3 s.
 */
export async function ask(h: Harness, userId: string, text: string, channelId: string = GENERAL_CHANNEL): Promise<string> {
  const before = h.slack.ephemerals(userId).length;
  const res = await h.driver.slashCommand({ userId, text, channelId });
  expect(res.status).toBe(200);
  expect(res.ms).toBeLessThan(3000);
  const reply = await h.waitFor(() => h.slack.ephemerals(userId).slice(before).at(-1));
  return textOf(reply);
}

/** The admin's first change of Support Bot's limits: soft $1,250.50, hard $2,000, alerts at 50/75/90 in #openai-spend. */
export const SUPPORT_BOT_LIMITS = `limit "Support Bot" soft $1,250.50 hard 2k at 50,75,90 channel <#${SPEND_CHANNEL}|openai-spend>`;

/** The calls keywarden made to set or delete a project's cap at OpenAI. */
export const capWrites = (h: Harness, projectId: string) => h.openai.calls.filter((c) => c.method !== 'GET' && c.path.endsWith(`/projects/${projectId}/spend_limit`));

/** Sets SUPPORT_BOT_LIMITS as the admin and waits until they are stored. */
export async function limitSupportBot(h: Harness): Promise<void> {
  await ask(h, USERS.admin, SUPPORT_BOT_LIMITS);
  await waitUntil(async () => (await h.limitsOf(h.projects.support))?.hardCents === 200_000, 15_000, 'Support Bot limits stored');
}

/** The id (lim_…) a limit-change request message carries, or '' */
const limitRequestIdOf = (message: SlackMessage): string => /lim_[a-z0-9]{10}/.exec(JSON.stringify(message.blocks))?.[0] ?? '';

/** A change asked for by someone who is not an admin: answered as a request, posted in the approval channel. */
export async function requestChange(h: Harness, text: string, userId: string = USERS.requester): Promise<{ message: SlackMessage; requestId: string }> {
  const before = h.slack.messages(APPROVAL_CHANNEL).length;
  const answer = await ask(h, userId, text);
  expect(answer).toMatch(/request/i);
  const message = await h.waitFor(() => h.slack.messages(APPROVAL_CHANNEL).slice(before).find((m) => /lim_[a-z0-9]+/.test(JSON.stringify(m.blocks))));
  return { message, requestId: limitRequestIdOf(message) };
}

// ---------------------------------------------------------------------------------------------------------------
// the higher-cap form

/** Mid-month (15 Nov 2026, 12:00 UTC), whatever day the test runs: the clock of the higher-cap form's suites. */
const HIGHER_CAP_BASE = Date.UTC(2026, 10, 15, 12, 0, 0);
/** Unix seconds of 10:00 UTC on day `d` of November 2026 */
const novemberDay = (d: number) => Math.floor(Date.UTC(2026, 10, d, 10) / 1000);

/**
 * Support Bot at soft $80, hard $100, with $150 spent this month as the last poll saw it: the cap is reached, and
 * its notice is the newest message in #openai-spend. On a clock at HIGHER_CAP_BASE.
 */
async function supportBotOverItsCap(h: Harness): Promise<void> {
  const res = await h.driver.slashCommand({ userId: USERS.admin, text: 'limit "Support Bot" soft 80 hard 100', channelId: GENERAL_CHANNEL });
  expect(res.status).toBe(200);
  await waitUntil(async () => (await h.limitsOf(h.projects.support))?.hardCents === 10_000, 15_000, 'limits stored');
  await h.waitFor(() => h.slack.messages(SPEND_CHANNEL).at(-1));
  h.openai.addCost({ projectId: h.projects.support, day: novemberDay(14), usd: 150 });
  await h.app.pollSpendNow();
}

/**
 * A keywarden for the enclosing suite (see keywardenForSuite) on a clock at HIGHER_CAP_BASE, where Support Bot is
 * over its cap (see supportBotOverItsCap) before the suite's tests run.
 */
export function supportBotOverItsCapSuite(started: (h: Harness) => void): void {
  let h: Harness;
  keywardenForSuite(
    (running) => {
      h = running;
      started(running);
    },
    { clock: suiteClock(HIGHER_CAP_BASE) },
  );
  beforeAll(async () => {
    await supportBotOverItsCap(h);
  });
}

/** What is typed in the limit form's fields, as Slack's view state; a field left out is empty. */
export const typed = (fields: { soft?: string; hard?: string; at?: string; reason?: string }) => {
  const text = (action: string, value: string | undefined) => ({ [action]: { type: 'plain_text_input', value: value ?? null } });
  return {
    [INPUT.limitSoft.block]: text(INPUT.limitSoft.action, fields.soft),
    [INPUT.limitHard.block]: text(INPUT.limitHard.action, fields.hard),
    [INPUT.limitThresholds.block]: text(INPUT.limitThresholds.action, fields.at),
    [INPUT.limitReason.block]: text(INPUT.limitReason.action, fields.reason),
  };
};

/** Clicks "Request a higher cap" (as on a hard-cap notice) and waits for the filled-in form. */
export async function openHigherCapForm(h: Harness, userId: string, projectId: string): Promise<SlackView> {
  const notice = h.slack.messages(SPEND_CHANNEL).at(-1);
  if (!notice) throw new Error('no message to click on');
  const before = h.slack.views(userId).length;
  await h.driver.clickButton({ userId, actionId: ACTION.requestHigherCap, blockId: 'kw.test.cap', value: projectId, channel: SPEND_CHANNEL, messageTs: notice.ts });
  return h.waitFor(() => {
    const view = h.slack.views(userId).slice(before).at(-1);
    return view && JSON.stringify(view.blocks).includes(INPUT.limitHard.block) ? view : undefined;
  });
}

/** Submits the limit form as `userId`: answered with 200 within Slack's 3 s; `after` is the form as Slack then shows it. */
export async function submitLimitForm(h: Harness, userId: string, view: SlackView, fields: Parameters<typeof typed>[0]) {
  const res = await h.driver.submitView({ userId, viewId: view.id, values: typed(fields) as never });
  expect(res.status).toBe(200);
  expect(res.ms).toBeLessThan(3000);
  return { res, after: h.slack.view(view.id) };
}
