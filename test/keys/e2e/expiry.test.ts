/** Deadlines: a request nobody decides, a key nobody reveals. Short TTLs, real delayed jobs. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPROVAL_CHANNEL, APPROVE, GENERAL_CHANNEL, REVEAL, USERS, actionIdsIn, startHarness, waitUntil, type Harness } from '../../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ env: { KEYWARDEN_REQUEST_TTL: '3s', KEYWARDEN_REVEAL_TTL: '3s' } });
});
afterAll(async () => {
  await h?.stop();
});

async function newRequest(text: string) {
  const before = h.slack.messages(APPROVAL_CHANNEL).length;
  await h.driver.slashCommand({ userId: USERS.requester, text, channelId: GENERAL_CHANNEL });
  const message = await h.waitFor(() => (h.slack.messages(APPROVAL_CHANNEL).length > before ? h.slack.messages(APPROVAL_CHANNEL).at(-1) : undefined));
  return { message, requestId: h.requestIdOf(message) };
}

describe('deadlines', () => {
  it('expires a request nobody decided: the message loses its buttons and the requester is told', async () => {
    const { message, requestId } = await newRequest('request Support Bot draft replies to common questions');
    const expired = await h.waitForState(requestId, 'expired', 10_000);
    expect(expired.decidedBy).toBeUndefined();
    await h.waitFor(() => {
      const m = h.slack.message(APPROVAL_CHANNEL, message.ts);
      return m && actionIdsIn(m).length === 0 && /expired/i.test(JSON.stringify(m.blocks)) ? m : undefined;
    });
    await h.waitFor(() => h.slack.messages(h.slack.dmChannelOf(USERS.requester)).find((m) => /expired/i.test(m.text)));
    await h.waitFor(() => h.slack.thread(APPROVAL_CHANNEL, message.ts).find((m) => /expired/i.test(m.text)));

    // a click that arrives afterwards is refused as expired
    await h.driver.clickButton({ userId: USERS.approver, actionId: APPROVE, value: requestId, blockId: 'stale', channel: APPROVAL_CHANNEL, messageTs: message.ts });
    await h.waitFor(() => h.slack.ephemerals(USERS.approver).find((e) => /expired/i.test(`${e.text} ${JSON.stringify(e.blocks)}`)));
    expect((await h.request(requestId))?.state).toBe('expired');
  });

  it('revokes a key nobody revealed in time: the service account is deleted and both the thread and requester hear', async () => {
    const { message, requestId } = await newRequest('request Research Assistant cluster survey answers by theme');
    await h.driver.clickButton({ userId: USERS.approver, actionId: APPROVE, value: requestId, channel: APPROVAL_CHANNEL, messageTs: message.ts });
    const created = await h.waitForState(requestId, 'awaiting_reveal');
    const revoked = await h.waitForState(requestId, 'revoked', 10_000);
    expect(revoked.endedReason).toMatch(/not revealed/);
    await waitUntil(() => !h.openai.serviceAccounts(h.projects.research).some((sa) => sa.id === created.serviceAccountId), 10_000, 'service account deleted');
    expect(await h.redis.exists(`${h.namespace}:{kw}:secret:${requestId}`)).toBe(0);
    await h.waitFor(() => h.slack.thread(APPROVAL_CHANNEL, message.ts).find((m) => /revoked|not revealed|reveal/i.test(m.text) && /time/i.test(m.text)));

    // the DM no longer offers the Reveal button: it was updated in place to say the key was not revealed in time
    const dm = await h.waitFor(() =>
      h.slack.messages(h.slack.dmChannelOf(USERS.requester)).find((m) => m.text.includes(created.redactedKey!) && /was not revealed/.test(m.text) && !actionIdsIn(m).includes(REVEAL)),
    );
    // a stale button (an old client) explains that the window passed
    const views = h.slack.views(USERS.requester).length;
    await h.driver.clickButton({ userId: USERS.requester, actionId: REVEAL, blockId: 'stale', value: requestId, channel: dm.channel, messageTs: dm.ts });
    const modal = await h.waitFor(() => (h.slack.views(USERS.requester).length > views ? h.slack.views(USERS.requester).at(-1) : undefined));
    expect(JSON.stringify(modal.blocks)).toMatch(/revoked/i);
    expect(JSON.stringify(modal.blocks)).not.toMatch(/sk-svcacct-[A-Za-z0-9_-]{20}/);
  });
});
