/**
 * The higher-cap form answers in the form: what can be checked against the stored limits and the month's spend is
 * refused on its block (`response_action: errors`) within Slack's 3 s, and the form stays open with what was typed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION, INPUT } from '../../../src/platform/slack/ids.js';
import { GENERAL_CHANNEL, SPEND_CHANNEL, USERS, startHarness, waitUntil, type Harness } from '../../support/harness.js';
import type { SlackView } from '../../../src/emulators/slack/index.js';

const BASE = Date.UTC(2026, 10, 15, 12, 0, 0); // mid-month, whatever day the test runs
const started = Date.now();
const now = () => BASE + (Date.now() - started);
const day = (d: number) => Math.floor(Date.UTC(2026, 10, d, 10) / 1000);

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ now });
});
afterAll(async () => {
  await h?.stop();
});

const limitsOf = (projectId: string) => h.limitsOf(projectId);

const typed = (fields: { soft?: string; hard?: string; at?: string; reason?: string }) => {
  const text = (action: string, value: string | undefined) => ({ [action]: { type: 'plain_text_input', value: value ?? null } });
  return {
    [INPUT.limitSoft.block]: text(INPUT.limitSoft.action, fields.soft),
    [INPUT.limitHard.block]: text(INPUT.limitHard.action, fields.hard),
    [INPUT.limitThresholds.block]: text(INPUT.limitThresholds.action, fields.at),
    [INPUT.limitReason.block]: text(INPUT.limitReason.action, fields.reason),
  };
};

/** Clicks "Request a higher cap" (as on a hard-cap notice) and waits for the filled-in form. */
async function openHigherCapForm(userId: string, projectId: string): Promise<SlackView> {
  const notice = h.slack.messages(SPEND_CHANNEL).at(-1);
  if (!notice) throw new Error('no message to click on');
  const before = h.slack.views(userId).length;
  await h.driver.clickButton({ userId, actionId: ACTION.requestHigherCap, blockId: 'kw.test.cap', value: projectId, channel: SPEND_CHANNEL, messageTs: notice.ts });
  return h.waitFor(() => {
    const view = h.slack.views(userId).slice(before).at(-1);
    return view && JSON.stringify(view.blocks).includes(INPUT.limitHard.block) ? view : undefined;
  });
}

async function submit(userId: string, view: SlackView, fields: Parameters<typeof typed>[0]) {
  const res = await h.driver.submitView({ userId, viewId: view.id, values: typed(fields) as never });
  expect(res.status).toBe(200);
  expect(res.ms).toBeLessThan(3000);
  return { res, after: h.slack.view(view.id) };
}

describe('the higher-cap form', () => {
  beforeAll(async () => {
    const res = await h.driver.slashCommand({ userId: USERS.admin, text: 'limit "Support Bot" soft 80 hard 100', channelId: GENERAL_CHANNEL });
    expect(res.status).toBe(200);
    await waitUntil(async () => (await limitsOf(h.projects.support))?.hardCents === 10_000, 15_000, 'limits stored');
    await h.waitFor(() => h.slack.messages(SPEND_CHANNEL).at(-1));
    // $150 spent this month, as the last poll saw it: the $100 cap is reached
    h.openai.addCost({ projectId: h.projects.support, day: day(14), usd: 150 });
    await h.app.pollSpendNow();
  });

  it('refuses a cap below what was already spent this month, on the hard-cap field, and stays open', async () => {
    const form = await openHigherCapForm(USERS.admin, h.projects.support);
    const { res, after } = await submit(USERS.admin, form, { soft: '$80.00', hard: '120', at: '50%, 80%, 100%' });
    const answer = res.json as { response_action?: string; errors?: Record<string, string> };
    expect(answer.response_action).toBe('errors');
    expect(answer.errors?.[INPUT.limitHard.block]).toMatch(/\$150\.00 is already spent this month/);
    expect(answer.errors?.[INPUT.limitHard.block]).toMatch(/\$120\.00/);
    expect(after?.closedAt).toBeUndefined();
    expect(after?.errors?.[INPUT.limitHard.block]).toMatch(/150\.00/);
    expect(h.openai.spendLimit(h.projects.support)?.threshold_amount).toBe(10_000);
    // nothing is said by DM: the answer is in the form
    await new Promise((r) => setTimeout(r, 300));
    expect(h.slack.messages(h.slack.dmChannelOf(USERS.admin)).filter((m) => /not made/.test(m.text))).toHaveLength(0);
  });

  it('refuses a cap below the current one, with both figures', async () => {
    const form = await openHigherCapForm(USERS.admin, h.projects.support);
    const { res, after } = await submit(USERS.admin, form, { hard: '90' });
    const answer = res.json as { response_action?: string; errors?: Record<string, string> };
    expect(answer.response_action).toBe('errors');
    expect(answer.errors?.[INPUT.limitHard.block]).toMatch(/above the current \$100\.00; \$90\.00 is lower/);
    expect(after?.closedAt).toBeUndefined();
  });

  it('refuses a soft limit above the hard cap on the soft field, against the stored values', async () => {
    const form = await openHigherCapForm(USERS.admin, h.projects.support);
    const { res, after } = await submit(USERS.admin, form, { soft: '500', hard: '200' });
    const answer = res.json as { response_action?: string; errors?: Record<string, string> };
    expect(answer.response_action).toBe('errors');
    expect(answer.errors?.[INPUT.limitSoft.block]).toMatch(/soft limit \(\$500\.00\) can't be above the hard limit \(\$200\.00\)/);
    expect(after?.closedAt).toBeUndefined();
    expect((await limitsOf(h.projects.support))?.softCents).toBe(8_000);
  });

  it('refuses thresholds that do not go up on the thresholds field', async () => {
    const form = await openHigherCapForm(USERS.admin, h.projects.support);
    const { res } = await submit(USERS.admin, form, { hard: '200', at: '80, 50' });
    const answer = res.json as { response_action?: string; errors?: Record<string, string> };
    expect(answer.errors?.[INPUT.limitThresholds.block]).toMatch(/go up/);
  });

  it('asks a member for a reason in the form, and refuses their low cap there too', async () => {
    const form = await openHigherCapForm(USERS.requester, h.projects.support);
    const { res } = await submit(USERS.requester, form, { hard: '140', reason: 'the launch needs more' });
    const answer = res.json as { response_action?: string; errors?: Record<string, string> };
    expect(answer.errors?.[INPUT.limitHard.block]).toMatch(/150\.00 is already spent/);
  });

  it('closes and applies a cap above both, then confirms by DM without repeating the announcement', async () => {
    const form = await openHigherCapForm(USERS.admin, h.projects.support);
    const { res, after } = await submit(USERS.admin, form, { hard: '300' });
    expect((res.json as { response_action?: string } | undefined)?.response_action).toBeUndefined();
    expect(after?.closedAt).toBeDefined();
    await waitUntil(async () => (await limitsOf(h.projects.support))?.hardCents === 30_000, 15_000, 'cap raised');
    expect(h.openai.spendLimit(h.projects.support)?.threshold_amount).toBe(30_000);
    const dm = await h.waitFor(() => h.slack.messages(h.slack.dmChannelOf(USERS.admin)).find((m) => /Done/.test(m.text)));
    expect(JSON.stringify(dm.blocks)).toContain(`<#${SPEND_CHANNEL}>`);
  });
});
