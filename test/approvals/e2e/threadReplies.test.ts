/**
 * Thread replies as Slack really delivers them (field faults from neighbouring tools): a reply sent with "Also send
 * to channel" (subtype thread_broadcast) decides like a plain reply; other subtypes never decide; the same message
 * delivered again minutes later under a new event_id (no retry header) is dropped silently.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPROVAL_CHANNEL, USERS, startHarness, type Harness } from '../../support/harness.js';
import { sendRequest } from '../../support/requestFlow.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

const settle = () => new Promise((r) => setTimeout(r, 600));

describe('a reply sent with "Also send to channel"', () => {
  it('approves exactly like a plain reply', async () => {
    const { message, requestId } = await sendRequest(h, 'request Support Bot label support tickets by urgency');
    const sent = await h.driver.postMessage({ userId: USERS.approver, channel: APPROVAL_CHANNEL, text: 'approve', threadTs: message.ts, alsoSendToChannel: true });
    expect(sent.status).toBe(200);
    const decided = await h.waitForState(requestId, 'awaiting_reveal');
    expect(decided.decidedBy).toBe(USERS.approver);
  });

  it('denies with its reason', async () => {
    const { message, requestId } = await sendRequest(h, 'request Research Assistant scrape every forum we can find');
    await h.driver.postMessage({ userId: USERS.groupApprover, channel: APPROVAL_CHANNEL, text: 'deny ask legal first', threadTs: message.ts, alsoSendToChannel: true });
    const denied = await h.waitForState(requestId, 'denied');
    expect(denied.denyReason).toBe('ask legal first');
  });
});

describe('other message subtypes', () => {
  it('never decide: an edit to "approve", a bot message, a join', async () => {
    const { message, requestId } = await sendRequest(h, 'request Support Bot draft weekly status notes');
    const envelope = (event: Record<string, unknown>) =>
      JSON.stringify({ token: 'x', team_id: h.slack.teamId, api_app_id: 'A0KEYWARDEN', type: 'event_callback', event_id: `Ev${Math.random().toString(36).slice(2, 12).toUpperCase()}`, event_time: 1, event });
    const base = { type: 'message', channel: APPROVAL_CHANNEL, thread_ts: message.ts, event_ts: '1700000000.000100' };
    const events = [
      { ...base, subtype: 'message_changed', message: { user: USERS.approver, text: 'approve', ts: '1700000000.000100', thread_ts: message.ts }, ts: '1700000000.000101' },
      { ...base, subtype: 'bot_message', bot_id: 'B0OTHER', text: 'approve', ts: '1700000000.000102' },
      { ...base, subtype: 'channel_join', user: USERS.approver, text: 'approve', ts: '1700000000.000103' },
      { ...base, subtype: 'message_deleted', previous_message: { user: USERS.approver, text: 'approve' }, ts: '1700000000.000104' },
    ];
    for (const event of events) expect((await h.driver.sendRaw({ body: envelope(event) })).status).toBe(200);
    await settle();
    expect((await h.request(requestId))?.state).toBe('pending');
  });
});

describe('the same reply delivered again under a new event_id', () => {
  it('is dropped silently: no second decision and no "already decided" to the approver', async () => {
    const { message, requestId } = await sendRequest(h, 'request Research Assistant summarise the quarterly survey');
    const first = await h.driver.postMessage({ userId: USERS.approver, channel: APPROVAL_CHANNEL, text: 'deny use the survey tool instead', threadTs: message.ts });
    await h.waitForState(requestId, 'denied');
    // the thread note and the requester's DM are paced (about one post a second per channel): let them land first
    await h.waitFor(() => h.slack.thread(APPROVAL_CHANNEL, message.ts).find((m) => /denied/i.test(m.text)), 15_000);
    await settle();
    const ephemeralsBefore = h.slack.ephemerals(USERS.approver).length;
    const threadBefore = h.slack.thread(APPROVAL_CHANNEL, message.ts).length;
    const again = await h.driver.redeliverAsNewEvent(first.eventId);
    expect(again.status).toBe(200);
    expect(again.eventId).not.toBe(first.eventId);
    await new Promise((r) => setTimeout(r, 2_000));
    expect(h.slack.ephemerals(USERS.approver).length).toBe(ephemeralsBefore);
    expect(h.slack.thread(APPROVAL_CHANNEL, message.ts).length).toBe(threadBefore);
    expect((await h.request(requestId))?.denyReason).toBe('use the survey tool instead');
  });

  it('a copy of an approval is dropped too, while a new reply by another approver is still answered', async () => {
    const { message, requestId } = await sendRequest(h, 'request Support Bot sort inbound sales leads');
    const first = await h.driver.postMessage({ userId: USERS.approver, channel: APPROVAL_CHANNEL, text: 'approve', threadTs: message.ts });
    await h.waitForState(requestId, 'awaiting_reveal');
    await settle();
    const approverBefore = h.slack.ephemerals(USERS.approver).length;
    await h.driver.redeliverAsNewEvent(first.eventId);
    const lateBefore = h.slack.ephemerals(USERS.groupApprover).length;
    await h.driver.postMessage({ userId: USERS.groupApprover, channel: APPROVAL_CHANNEL, text: 'approve', threadTs: message.ts });
    await h.waitFor(() => (h.slack.ephemerals(USERS.groupApprover).length > lateBefore ? true : undefined));
    expect(h.slack.ephemerals(USERS.approver).length).toBe(approverBefore);
  });
});
