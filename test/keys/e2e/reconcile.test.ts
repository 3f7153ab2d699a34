/**
 * What a crash between two steps leaves behind, and the reconciler (run on every clock tick) putting it right; and a
 * request Slack will never show, ended with the reason instead of waiting unseen.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openKeyRequest, type KeyRequest } from '../../../src/keys/domain/keyRequest.js';
import { redisKeys } from '../../../src/platform/redis/redis.js';
import { RequestStore } from '../../../src/approvals/requestStore.js';
import { KeyRequestStore } from '../../../src/keys/keyRequestStore.js';
import { ACTION } from '../../../src/platform/slack/ids.js';
import { APPROVAL_CHANNEL, GENERAL_CHANNEL, REDIS_URL, USERS, actionIdsIn, startHarness, waitUntil, type Harness } from '../../support/harness.js';

let h: Harness;
let requests: RequestStore;
let keyRequests: KeyRequestStore;
let redis: Redis;
beforeAll(async () => {
  h = await startHarness();
  redis = new Redis(REDIS_URL, { protocol: 2 });
  requests = new RequestStore(redis, redisKeys(h.namespace));
  keyRequests = new KeyRequestStore(redis, redisKeys(h.namespace));
});

/** Stores a key request as the engine's `open` does (with the key kind's indexes), and nothing more: a crash right after. */
const storeOnly = (request: KeyRequest) => requests.create(request, keyRequests.indexesOnOpen(request));
afterAll(async () => {
  redis?.disconnect();
  await h?.stop();
});

const stored = (id: string, over: Partial<KeyRequest> = {}): KeyRequest => ({
  ...openKeyRequest({ id, requesterId: USERS.requester, projectId: h.projects.support, projectName: 'Support Bot', purpose: 'answer support tickets faster', lifetimeDays: 30 }, Date.now() - 120_000, 72 * 3_600_000),
  ...over,
});

describe('the reconciler', () => {
  it('posts the message of a request stored just before a crash', async () => {
    const id = 'req_crashmsg01';
    expect(await storeOnly(stored(id))).toBe(true);
    await h.app.reconcileNow();
    const message = await h.waitFor(() => h.slack.messages(APPROVAL_CHANNEL).find((m) => JSON.stringify(m.blocks).includes(id)));
    expect(actionIdsIn(message)).toEqual([ACTION.approveRequest, ACTION.denyRequest]);
    // running it again changes nothing
    await h.app.reconcileNow();
    await new Promise((r) => setTimeout(r, 800));
    expect(h.slack.messages(APPROVAL_CHANNEL).filter((m) => JSON.stringify(m.blocks).includes(id))).toHaveLength(1);
  });

  it('provisions a request approved just before a crash', async () => {
    const id = 'req_crashprv01';
    await storeOnly(stored(id, { state: 'approved', decidedBy: USERS.approver, decidedAt: Date.now() - 120_000 }));
    await h.app.reconcileNow();
    const r = await h.waitForState(id, 'awaiting_reveal');
    expect(h.openai.serviceAccounts(h.projects.support).filter((sa) => sa.id === r.serviceAccountId)).toHaveLength(1);
    await h.waitFor(() => h.slack.messages(h.slack.dmChannelOf(USERS.requester)).find((m) => JSON.stringify(m.blocks).includes(id) && actionIdsIn(m).includes(ACTION.revealKey)));
  });

  it('deletes the service account of a revoked request until OpenAI confirms it, then lets the request go', async () => {
    const account = h.openai.addServiceAccount({ projectId: h.projects.support, name: 'keywarden-req_crashdel01' }).serviceAccount;
    const id = 'req_crashdel01';
    await storeOnly(stored(id, { state: 'revoked', decidedBy: USERS.approver, serviceAccountId: account.id, revokedAt: Date.now() - 120_000 }));
    h.openai.inject({ method: 'DELETE', path: /service_accounts\//, status: 503, times: 1 });
    await h.app.reconcileNow();
    await waitUntil(() => !h.openai.serviceAccounts(h.projects.support).some((sa) => sa.id === account.id), 20_000, 'the account deleted after a retry');
    await waitUntil(async () => (await h.request(id))?.serviceAccountDeletedAt !== undefined, 10_000, 'the deletion recorded');
    await h.app.reconcileNow();
    expect(await keyRequests.unsettled()).not.toContain(id);
    // settled requests are kept half a year, then go
    const ttl = await redis.ttl(`${h.namespace}:{kw}:request:${id}`);
    expect(ttl).toBeGreaterThan(179 * 86_400);
    expect(ttl).toBeLessThanOrEqual(180 * 86_400);
  });

  it('expires a request whose expiry job was lost', async () => {
    const id = 'req_crashexp01';
    await storeOnly(stored(id, { decideBy: Date.now() - 1_000 }));
    const report = await h.app.reconcileNow();
    expect(report.redone).toBeGreaterThanOrEqual(1);
    expect((await h.request(id))?.state).toBe('expired');
  });
});

describe('a request Slack will not show', () => {
  it('ends at once and tells the requester what an admin must do', async () => {
    h.slack.setBotMembership(APPROVAL_CHANNEL, false);
    try {
      await h.driver.slashCommand({ userId: USERS.requester, text: 'request Research Assistant summarise the weekly papers', channelId: GENERAL_CHANNEL });
      // the request this command made (other tests' requests may be in flight too)
      const mine = await waitUntil(async () => {
        for (const m of h.slack.messages(h.slack.dmChannelOf(USERS.requester)).filter((d) => /could not post your request/.test(d.text))) {
          const id = /req_[a-z0-9]+/.exec(m.text)?.[0] ?? '';
          const r = await h.request(id);
          if (r?.purpose === 'summarise the weekly papers') return { dm: m, id };
        }
        return undefined;
      }, 30_000).catch((error: unknown) => {
        console.log('DMs', h.slack.messages(h.slack.dmChannelOf(USERS.requester)).map((m) => m.text.slice(0, 100)));
        console.log('requests', h.slack.callsTo('chat.postMessage').slice(-6).map((c) => `${String(c.args.channel)} ${c.ok} ${c.error ?? ''}`));
        console.log(h.logLines.filter((l) => /"level":(40|50)/.test(l)).slice(-8).join(''));
        throw error;
      });
      expect(mine.dm.text).toContain('/invite @keywarden');
      const r = await h.waitForState(mine.id, 'expired');
      expect(r.messageUnpostable).toBe(true);
    } finally {
      h.slack.setBotMembership(APPROVAL_CHANNEL, true);
    }
  });
});

describe('a Deny click from someone who may not deny', () => {
  it('opens the form at once and turns it into the explanation', async () => {
    const before = h.slack.messages(APPROVAL_CHANNEL).length;
    // (the requester has requests for Support Bot waiting from the tests above: another person asks here)
    await h.driver.slashCommand({ userId: USERS.groupApprover, text: 'request Support Bot label incoming feedback by theme', channelId: GENERAL_CHANNEL });
    const message = await h.waitFor(() => h.slack.messages(APPROVAL_CHANNEL).slice(before).find((m) => m.text.includes('Support Bot') && /label incoming feedback/.test(JSON.stringify(m.blocks))));
    const id = h.requestIdOf(message);
    await h.driver.clickButton({ userId: USERS.outsider, actionId: ACTION.denyRequest, value: id, channel: APPROVAL_CHANNEL, messageTs: message.ts });
    const view = await h.waitFor(() => h.slack.views(USERS.outsider).find((v) => /only approvers/i.test(JSON.stringify(v.blocks))));
    expect(view.submit).toBeUndefined();
    expect((await h.request(id))?.state).toBe('pending');
  });
});
