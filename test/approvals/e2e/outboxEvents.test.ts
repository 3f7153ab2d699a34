/**
 * An event in a request's outbox that fits no schema (stored by another release, or by hand) is logged and skipped:
 * the delivery goes on with the events after it, in order, and nothing is posted for it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RequestOutbox } from '../../../src/approvals/outbox.js';
import { redisKeys } from '../../../src/platform/redis/redis.js';
import { APPROVAL_CHANNEL, USERS, startHarness, waitUntil, type Harness } from '../../support/harness.js';
import { sendRequest } from '../../support/requestFlow.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

describe('an outbox event that does not fit', () => {
  it('is skipped, logged, and the events after it are told', async () => {
    const { message, requestId } = await sendRequest(h, 'request Support Bot answer support tickets faster');
    // A key request's `key_created` without its masked key: waiting, undelivered, ahead of what comes next.
    const outbox = new RequestOutbox<object>(h.redis, redisKeys(h.namespace));
    await outbox.append(requestId, { kind: 'key_created', keyExpiresAt: 'soon' });

    await h.driver.postMessage({ userId: USERS.approver, channel: APPROVAL_CHANNEL, text: 'deny use the shared staging key', threadTs: message.ts });
    await h.waitForState(requestId, 'denied');
    const denied = await h.waitFor(() => h.slack.thread(APPROVAL_CHANNEL, message.ts).find((m) => /Denied by/.test(m.text)));
    expect(denied.text).toContain('use the shared staging key');
    await h.waitFor(() => h.slack.messages(h.slack.dmChannelOf(USERS.requester)).find((m) => /denied/i.test(m.text)));

    // nothing was posted for the event that did not fit, and the delivery went past it
    expect(h.slack.thread(APPROVAL_CHANNEL, message.ts).filter((m) => /Key .* created/.test(m.text))).toEqual([]);
    // the cursor moves on just after the DM is posted: wait for it rather than race it
    await waitUntil(async () => (await outbox.next(requestId)) === null, 10_000, 'the outbox delivered to its end');
    const skipped = h.logLines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.msg === 'an outbox event does not fit its schema; skipped');
    expect(skipped.map((line) => [line.requestId, line.eventKind, line.step])).toEqual([
      [requestId, 'key_created', 'thread'],
      [requestId, 'key_created', 'dm'],
    ]);
    expect(String(skipped[0]?.problems)).toContain('redactedKey');
  });
});
