/**
 * The same scenarios over both ways Slack reaches keywarden: signed HTTP requests and Socket Mode envelopes. Each
 * runs the real app against the emulators and the real Redis; only the harness mode differs, so what passes over
 * HTTP and fails over the socket is a Socket Mode fault.
 */
import { sendRequest } from '../../support/requestFlow.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlackMessage } from '../../../src/emulators/slack/index.js';
import { INPUT, VIEW } from '../../../src/platform/slack/ids.js';
import {
  APPROVAL_CHANNEL,
  APPROVE,
  DENY,
  GENERAL_CHANNEL,
  REVEAL,
  SPEND_CHANNEL,
  USERS,
  actionIdsIn,
  startHarness,
  waitUntil,
  type Harness,
  type HarnessMode,
} from '../../support/harness.js';

// mid-month whatever day the tests run, so the spend scenario's forecast and month are fixed
const BASE = Date.UTC(2026, 10, 15, 12, 0, 0);
const started = Date.now();
const now = () => BASE + (Date.now() - started);
const day = (d: number) => Math.floor(Date.UTC(2026, 10, d, 10) / 1000);

describe.each<HarnessMode>(['http', 'socket'])('over %s', (mode) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ mode, now });
  });
  afterAll(async () => {
    await h?.stop();
  });

  const dmTo = (userId: string) => h.slack.messages(h.slack.dmChannelOf(userId));

  /** By command, confirming a deliberate duplicate when keywarden asks (an earlier scenario may have left one waiting). */
  async function requestByCommand(text: string) {
    const { res, message, requestId } = await sendRequest(h, text);
    expect(res.status).toBe(200);
    expect(res.ms).toBeLessThan(3000);
    return { message, requestId };
  }

  it('is really in that mode', () => {
    expect(h.config.slack.mode).toBe(mode);
    if (mode === 'socket') expect(h.slack.socketMode.openConnectionCount()).toBe(1);
    else expect(h.slack.callsTo('apps.connections.open')).toHaveLength(0);
  });

  it('happy path by command: request, approve, reveal once', async () => {
    const { message, requestId } = await requestByCommand('request Support Bot answer support tickets faster');
    expect(actionIdsIn(message)).toEqual([APPROVE, DENY]);
    await h.waitFor(() => h.slack.ephemerals(USERS.requester).find((e) => /waiting for an approver/.test(JSON.stringify(e))));

    const click = await h.driver.clickButton({ userId: USERS.approver, actionId: APPROVE, value: requestId, channel: APPROVAL_CHANNEL, messageTs: message.ts });
    expect(click.status).toBe(200);
    await h.waitForState(requestId, 'awaiting_reveal');

    const dm = await h.waitFor(() => dmTo(USERS.requester).find((m) => actionIdsIn(m).includes(REVEAL)));
    const reveal = await h.driver.clickButton({ userId: USERS.requester, actionId: REVEAL, value: requestId, channel: dm.channel, messageTs: dm.ts });
    expect(reveal.status).toBe(200);
    const modal = await h.waitFor(() => h.slack.views(USERS.requester).find((v) => v.callback_id === VIEW.revealedKey));
    const key = /sk-svcacct-[A-Za-z0-9_-]{20,}/.exec(JSON.stringify(modal.blocks))?.[0];
    expect(key).toBeTruthy();
    await h.waitForState(requestId, 'active');
    // the key is in the reveal modal only: not in any message, ephemeral, ack or log line
    const everywhereElse = JSON.stringify([
      h.slack.messages(APPROVAL_CHANNEL),
      h.slack.thread(APPROVAL_CHANNEL, message.ts),
      dmTo(USERS.requester),
      h.slack.ephemerals(USERS.requester),
      h.slack.socketMode.acks(),
      h.logLines,
    ]);
    expect(everywhereElse).not.toContain(key);
  });

  it('happy path by form, and a bad submission answered in the form', async () => {
    const views = h.slack.views(USERS.requester).length;
    const opened = await h.driver.slashCommand({ userId: USERS.requester, text: 'request', channelId: GENERAL_CHANNEL });
    expect(opened.status).toBe(200);
    const form = await h.waitFor(() =>
      h.slack.views(USERS.requester).slice(views).find((v) => v.callback_id === VIEW.requestKey),
    );
    // the project is picked as Slack's type-ahead offers it, over this transport
    const offered = await h.driver.suggestOptions({ userId: USERS.requester, viewId: form.id, actionId: INPUT.project.action, value: 'resea' });
    expect(offered.options).toEqual([{ text: 'Research Assistant', value: h.projects.research }]);
    const values = (purpose: string) => ({
      [INPUT.project.block]: { [INPUT.project.action]: { type: 'external_select', selected_option: { value: h.projects.research } } },
      [INPUT.purpose.block]: { [INPUT.purpose.action]: { type: 'plain_text_input', value: purpose } },
      [INPUT.lifetime.block]: { [INPUT.lifetime.action]: { type: 'number_input', value: '14' } },
    });
    const bad = await h.driver.submitView({ userId: USERS.requester, viewId: form.id, values: values('short') });
    expect(bad.status).toBe(200);
    expect(bad.json).toMatchObject({ response_action: 'errors', errors: { [INPUT.purpose.block]: expect.stringMatching(/at least 10 characters/) } });
    expect(h.slack.view(form.id)?.closedAt).toBeUndefined();

    const before = h.slack.messages(APPROVAL_CHANNEL).length;
    const good = await h.driver.submitView({ userId: USERS.requester, viewId: form.id, values: values('summarise research papers for the weekly digest') });
    expect(good.status).toBe(200);
    const message = await h.waitFor(() => (h.slack.messages(APPROVAL_CHANNEL).length > before ? h.slack.messages(APPROVAL_CHANNEL).at(-1) : undefined));
    const stored = await h.request(h.requestIdOf(message));
    expect(stored).toMatchObject({ lifetimeDays: 14, projectId: h.projects.research, state: 'pending' });
  });

  it('deny with a reason from the Deny button', async () => {
    const { message, requestId } = await requestByCommand('request Support Bot load testing the staging chatbot');
    const views = h.slack.views(USERS.approver).length;
    await h.driver.clickButton({ userId: USERS.approver, actionId: DENY, value: requestId, channel: APPROVAL_CHANNEL, messageTs: message.ts });
    const form = await h.waitFor(() => h.slack.views(USERS.approver).slice(views).find((v) => v.callback_id === VIEW.denyReason));
    await h.driver.submitView({
      userId: USERS.approver,
      viewId: form.id,
      values: { [INPUT.reason.block]: { [INPUT.reason.action]: { type: 'plain_text_input', value: 'use the shared staging key' } } },
    });
    expect((await h.waitForState(requestId, 'denied')).denyReason).toBe('use the shared staging key');
    await h.waitFor(() => dmTo(USERS.requester).find((m) => /denied/i.test(m.text) && m.text.includes('use the shared staging key')));
  });

  it('20 concurrent Approve clicks make exactly one key', async () => {
    const { message, requestId } = await requestByCommand('request Research Assistant run the nightly literature digest');
    const clickers = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? USERS.approver : USERS.groupApprover));
    const answers = await Promise.all(
      clickers.map((userId) => h.driver.clickButton({ userId, actionId: APPROVE, value: requestId, channel: APPROVAL_CHANNEL, messageTs: message.ts })),
    );
    expect(answers.map((a) => a.status)).toEqual(clickers.map(() => 200));
    await h.waitForState(requestId, 'awaiting_reveal');
    await h.waitFor(() => h.slack.thread(APPROVAL_CHANNEL, message.ts).find((m) => /Sent .* a DM/.test(m.text)));
    await new Promise((r) => setTimeout(r, 500));
    expect(h.openai.callsTo('POST', /service_accounts$/).filter((c) => JSON.stringify(c.body).includes(requestId))).toHaveLength(1);
    expect(h.slack.thread(APPROVAL_CHANNEL, message.ts).filter((m) => /Approved by/.test(m.text))).toHaveLength(1);
  });

  it('a limit change by an admin is applied at OpenAI and announced', async () => {
    const before = h.slack.ephemerals(USERS.admin).length;
    const res = await h.driver.slashCommand({ userId: USERS.admin, text: 'limit "Support Bot" soft 100 hard 150 at 50,80', channelId: GENERAL_CHANNEL });
    expect(res.status).toBe(200);
    await h.waitFor(() => h.slack.ephemerals(USERS.admin).slice(before).find((e) => /100\.00/.test(`${e.text} ${JSON.stringify(e.blocks)}`)));
    await waitUntil(async () => (await h.redis.exists(`${h.namespace}:{kw}:limits:${h.projects.support}`)) === 1, 15_000, 'limits stored');
    expect(h.openai.spendLimit(h.projects.support)?.threshold_amount).toBe(15_000);
    await h.waitFor(() => h.slack.messages(SPEND_CHANNEL).find((m) => /100\.00/.test(JSON.stringify(m))));
  });

  it('a spend alert is posted once', async () => {
    // the limits of the previous scenario: soft $100 at 50 and 80 %
    h.openai.addCost({ projectId: h.projects.support, day: day(14), usd: 55 });
    const first = await h.app.pollSpendNow();
    expect(first.alertsClaimed).toBeGreaterThanOrEqual(1);
    const nameOf = (m: SlackMessage) => (m.metadata as { event_payload?: { name?: string } } | undefined)?.event_payload?.name ?? '';
    const status = await h.waitFor(() => h.slack.messages(SPEND_CHANNEL).find((m) => nameOf(m).startsWith('status.')), 20_000);
    await h.waitFor(() => h.slack.thread(SPEND_CHANNEL, status.ts).find((r) => /50%/.test(JSON.stringify(r))), 20_000);
    expect((await h.app.pollSpendNow()).alertsClaimed).toBe(0);
    await new Promise((r) => setTimeout(r, 800));
    expect(h.slack.messages(SPEND_CHANNEL).filter((m) => nameOf(m).startsWith('status.'))).toHaveLength(1);
    expect(h.slack.thread(SPEND_CHANNEL, status.ts).filter((r) => /50%/.test(JSON.stringify(r)))).toHaveLength(1);
  });
});
