/**
 * An issued key appears in exactly one place: the modal its owner opens to reveal it. This file takes keys through
 * every path and then searches everything else — Slack traffic, logs, job data, and every Redis value — for them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { VIEW } from '../../../src/platform/slack/ids.js';
import { APPROVAL_CHANNEL, APPROVE, GENERAL_CHANNEL, REVEAL, USERS, actionIdsIn, startHarness, type Harness } from '../../support/harness.js';
import { captureSlackRequests } from '../../support/capturedSlackRequests.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

/** Every value stored under the namespace, read by type (DUMP would compress long strings and hide them). */
async function dumpNamespace(redis: Redis, namespace: string): Promise<string> {
  const parts: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${namespace}:*`, 'COUNT', 500);
    cursor = next;
    for (const key of keys) {
      const type = await redis.type(key);
      parts.push(key);
      if (type === 'string') parts.push((await redis.get(key)) ?? '');
      else if (type === 'hash') parts.push(JSON.stringify(await redis.hgetall(key)));
      else if (type === 'list') parts.push(JSON.stringify(await redis.lrange(key, 0, -1)));
      else if (type === 'set') parts.push(JSON.stringify(await redis.smembers(key)));
      else if (type === 'zset') parts.push(JSON.stringify(await redis.zrange(key, '0', '-1')));
      else if (type === 'stream') parts.push(JSON.stringify(await redis.xrange(key, '-', '+')));
    }
  } while (cursor !== '0');
  return parts.join('\n');
}

async function approveAndReveal(purpose: string): Promise<{ requestId: string; key: string }> {
  const before = h.slack.messages(APPROVAL_CHANNEL).length;
  await h.driver.slashCommand({ userId: USERS.requester, text: `request Support Bot ${purpose}`, channelId: GENERAL_CHANNEL });
  const message = await h.waitFor(() => (h.slack.messages(APPROVAL_CHANNEL).length > before ? h.slack.messages(APPROVAL_CHANNEL).at(-1) : undefined));
  const requestId = h.requestIdOf(message);
  await h.driver.clickButton({ userId: USERS.approver, actionId: APPROVE, value: requestId, channel: APPROVAL_CHANNEL, messageTs: message.ts });
  await h.waitForState(requestId, 'awaiting_reveal');
  const dm = await h.waitFor(() => h.slack.messages(h.slack.dmChannelOf(USERS.requester)).find((m) => actionIdsIn(m).includes(REVEAL) && JSON.stringify(m.blocks).includes(requestId)));
  await h.driver.clickButton({ userId: USERS.requester, actionId: REVEAL, value: requestId, channel: dm.channel, messageTs: dm.ts });
  const modal = await h.waitFor(() => h.slack.views(USERS.requester).find((v) => v.callback_id === VIEW.revealedKey && !revealModals.has(v.id)));
  revealModals.add(modal.id);
  const key = /sk-svcacct-[A-Za-z0-9_-]{20,}/.exec(JSON.stringify(modal.blocks))?.[0];
  if (!key) throw new Error('no key in the reveal modal');
  // a second click on the button as it was (the DM loses it once the key is revealed)
  const revealBlockId = (dm.blocks as { block_id?: string; elements?: { action_id?: string }[] }[]).find((b) => b.elements?.some((e) => e.action_id === REVEAL))?.block_id;
  await h.driver.clickButton({ userId: USERS.requester, actionId: REVEAL, value: requestId, channel: dm.channel, messageTs: dm.ts, ...(revealBlockId ? { blockId: revealBlockId } : {}) });
  await h.waitFor(() => h.slack.thread(APPROVAL_CHANNEL, message.ts).find((m) => /revealed/i.test(m.text)));
  return { requestId, key };
}

const revealModals = new Set<string>();

describe('where an issued key may appear', () => {
  it('appears only in its reveal modal: not in Slack traffic, logs, job data or Redis', async () => {
    const first = await approveAndReveal('answer billing questions in the help centre');
    const second = await approveAndReveal('route tickets to the right team automatically');
    await h.driver.slashCommand({ userId: USERS.requester, text: 'list' });
    await h.driver.slashCommand({ userId: USERS.requester, text: `revoke ${second.requestId}` });
    await h.waitForState(second.requestId, 'revoked');
    await new Promise((r) => setTimeout(r, 1000));

    const keys = [first.key, second.key];
    // each key was in exactly one modal
    for (const key of keys) {
      const carrying = h.slack.views().filter((v) => JSON.stringify(v).includes(key));
      expect(carrying).toHaveLength(1);
      expect(carrying[0]?.callback_id).toBe(VIEW.revealedKey);
    }

    const slackTraffic = JSON.stringify(
      h.slack.calls.filter((c) => !(c.method === 'views.open' && JSON.stringify(c.args).includes('"callback_id":"' + VIEW.revealedKey + '"'))),
    );
    const everywhere = {
      slackTraffic,
      messages: JSON.stringify([APPROVAL_CHANNEL, GENERAL_CHANNEL, h.slack.dmChannelOf(USERS.requester)].map((c) => [h.slack.messages(c), ...h.slack.messages(c).map((m) => h.slack.thread(c, m.ts))])),
      ephemerals: JSON.stringify(Object.values(USERS).map((u) => h.slack.ephemerals(u))),
      responseUrls: JSON.stringify(h.slack.responseUrlPosts),
      logs: h.logLines.join(''),
      redis: await dumpNamespace(h.redis, h.namespace),
    };
    expect(everywhere.redis.length).toBeGreaterThan(1000); // the dump really holds the requests, jobs and audit
    expect(everywhere.logs.length).toBeGreaterThan(100);
    for (const key of keys) {
      for (const [where, text] of Object.entries(everywhere)) {
        expect(text.includes(key), `key found in ${where}`).toBe(false);
        expect(text.includes(key.slice(11, 31)), `a long part of the key found in ${where}`).toBe(false);
      }
    }
  });

  it('never logs the Slack tokens, the signing secret or the admin key', () => {
    const logs = h.logLines.join('');
    for (const secret of [h.env.SLACK_BOT_TOKEN, h.env.SLACK_SIGNING_SECRET, h.env.OPENAI_ADMIN_KEY, h.env.KEYWARDEN_SECRET]) {
      expect(secret).toBeTruthy();
      expect(logs).not.toContain(secret);
    }
  });
});

describe('a secret pasted into /openai-key by mistake', () => {
  it('is never quoted back in the answer, whichever command it lands in', async () => {
    const openaiKey = 'sk-proj-PastedByMistake0123456789abcdefXYZ';
    const slackToken = 'xoxb-1234567890-PastedByMistake';
    const texts = [openaiKey, `help ${openaiKey}`, `revoke ${slackToken}`, `revoke ${openaiKey}`, `cancel ${slackToken}`, slackToken];
    for (const text of texts) {
      const res = await h.driver.slashCommand({ userId: USERS.requester, text, channelId: GENERAL_CHANNEL });
      expect(res.status, text).toBe(200);
      expect(res.body.length, `${text}: answered in the ack`).toBeGreaterThan(0);
      expect(res.body, text).not.toContain('PastedByMistake');
    }
  });

  it('in a request’s purpose is refused: the request is not opened, and the secret is in no message and not in Redis', async () => {
    const seen = h.slack.ephemerals(USERS.requester).length;
    const before = h.slack.messages(APPROVAL_CHANNEL).length;
    await h.driver.slashCommand({ userId: USERS.requester, text: 'request Support Bot try the bot with sk-proj-PastedIntoPurpose0123456789', channelId: GENERAL_CHANNEL });
    const reply = await h.waitFor(() => h.slack.ephemerals(USERS.requester).slice(seen).find((e) => /Leave the key or token out of the purpose/.test(e.text ?? '')));
    expect(JSON.stringify(reply)).not.toContain('PastedIntoPurpose');
    expect(h.slack.messages(APPROVAL_CHANNEL).length).toBe(before);
    expect(await dumpNamespace(h.redis, h.namespace)).not.toContain('PastedIntoPurpose');
  });
});

describe('a key request Slack signed, sent again with its signature (a replay)', () => {
  it('is acknowledged with an empty 200 and handled no more: one request, one answer, no duplicate warning', async () => {
    const capture = await captureSlackRequests(h, { passOn: true });
    try {
      const before = h.slack.messages(APPROVAL_CHANNEL).length;
      const sent = await capture.driver.slashCommand({ userId: USERS.outsider, text: 'request "Support Bot" replay check for the security suite', channelId: GENERAL_CHANNEL });
      await h.waitFor(() => h.slack.messages(APPROVAL_CHANNEL)[before]);
      const answers = () => h.slack.responseUrlPosts.filter((p) => p.url === sent.responseUrl);
      await h.waitFor(() => answers()[0]);
      const ephemerals = h.slack.ephemerals(USERS.outsider).length;

      const replayed = await capture.send(capture.last());
      expect(replayed.status).toBe(200);
      expect(replayed.body).toBe('');
      await new Promise((r) => setTimeout(r, 1_500));
      expect(h.slack.messages(APPROVAL_CHANNEL).slice(before)).toHaveLength(1);
      expect(answers()).toHaveLength(1);
      expect(h.slack.ephemerals(USERS.outsider)).toHaveLength(ephemerals);
    } finally {
      await capture.close();
    }
  });
});
