/** The key-request flow end to end, over signed Slack requests, against the emulators and a real Redis. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INPUT, VIEW } from '../../../src/platform/slack/ids.js';
import { APPROVAL_CHANNEL, APPROVE, DENY, GENERAL_CHANNEL, REVEAL, USERS, actionIdsIn, startHarness, waitUntil, type Harness } from '../../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  if (process.env.DEBUG_E2E) console.log(h.logLines.filter((l) => !/"level":20/.test(l)).join(''), h.slack.calls.map((c) => `${c.method} ${c.ok} ${c.error ?? ''}`).join('\n'));
  await h?.stop();
});

async function requestByCommand(text: string, userId: string = USERS.requester) {
  const before = h.slack.messages(APPROVAL_CHANNEL).length;
  const res = await h.driver.slashCommand({ userId, text, channelId: GENERAL_CHANNEL });
  expect(res.status).toBe(200);
  const message = await h.waitFor(() => (h.slack.messages(APPROVAL_CHANNEL).length > before ? h.slack.messages(APPROVAL_CHANNEL).at(-1) : undefined));
  return { res, message, requestId: h.requestIdOf(message) };
}

function dmTo(userId: string) {
  return h.slack.messages(h.slack.dmChannelOf(userId));
}

describe('a key request by command', () => {
  it('goes from request to approval in the thread to a key revealed once', async () => {
    const { res, message, requestId } = await requestByCommand('request Support Bot answer support tickets faster');
    expect(res.ms).toBeLessThan(3000);
    expect(actionIdsIn(message)).toEqual([APPROVE, DENY]);
    expect(message.text).toContain('Support Bot');
    // the requester was told, privately, where the request waits
    const told = await h.waitFor(() => h.slack.ephemerals(USERS.requester).find((e) => /waiting for an approver/.test(JSON.stringify(e))));
    expect(told).toBeTruthy();

    await h.driver.clickButton({ userId: USERS.approver, actionId: APPROVE, value: requestId, channel: APPROVAL_CHANNEL, messageTs: message.ts });
    const active = await h.waitForState(requestId, 'awaiting_reveal');
    expect(active.decidedBy).toBe(USERS.approver);
    expect(active.serviceAccountId).toBeTruthy();

    // exactly one service account, named after the request
    const accounts = h.openai.serviceAccounts(h.projects.support).filter((sa) => sa.name === `keywarden-${requestId}`);
    expect(accounts).toHaveLength(1);

    // the parent lost its buttons and says who approved; the thread has the story
    const parent = await h.waitFor(() => {
      const m = h.slack.message(APPROVAL_CHANNEL, message.ts);
      return m && actionIdsIn(m).length === 0 && JSON.stringify(m.blocks).includes('Approved') ? m : undefined;
    });
    expect(JSON.stringify(parent.blocks)).toContain(USERS.approver);
    const thread = await h.waitFor(() => {
      const t = h.slack.thread(APPROVAL_CHANNEL, message.ts);
      return t.some((m) => /created/i.test(m.text)) && t.some((m) => /DM/.test(m.text)) ? t : undefined;
    });
    expect(thread.some((m) => /Approved by/.test(m.text))).toBe(true);

    // the requester's DM carries the Reveal key button
    const dm = await h.waitFor(() => dmTo(USERS.requester).find((m) => actionIdsIn(m).includes(REVEAL)));
    const click = await h.driver.clickButton({ userId: USERS.requester, actionId: REVEAL, value: requestId, channel: dm.channel, messageTs: dm.ts });
    expect(click.status).toBe(200);
    const modal = await h.waitFor(() => h.slack.views(USERS.requester).find((v) => v.callback_id === VIEW.revealedKey));
    const key = /sk-svcacct-[A-Za-z0-9_-]{20,}/.exec(JSON.stringify(modal.blocks))?.[0];
    expect(key).toBeTruthy();
    const revealed = await h.waitForState(requestId, 'active');
    expect(revealed.redactedKey?.slice(-4)).toBe(key?.slice(-4));
    expect(await h.redis.exists(`${h.namespace}:{kw}:secret:${requestId}`)).toBe(0);

    // a second click (on the button as it was: the DM loses it once the key is revealed) shows no key and says
    // how to get a new one
    const views = h.slack.views(USERS.requester).length;
    const revealBlockId = (dm.blocks as { block_id?: string; elements?: { action_id?: string }[] }[]).find((b) => b.elements?.some((e) => e.action_id === REVEAL))?.block_id;
    await h.driver.clickButton({ userId: USERS.requester, actionId: REVEAL, value: requestId, channel: dm.channel, messageTs: dm.ts, ...(revealBlockId ? { blockId: revealBlockId } : {}) });
    const second = await h.waitFor(() => (h.slack.views(USERS.requester).length > views ? h.slack.views(USERS.requester).at(-1) : undefined));
    expect(JSON.stringify(second.blocks)).toMatch(/already revealed/i);
    expect(JSON.stringify(second.blocks)).not.toContain(key);
    expect(JSON.stringify(second.blocks)).toContain('/openai-key request');

    // the thread learns the key was revealed, and the audit log has every step
    await h.waitFor(() => h.slack.thread(APPROVAL_CHANNEL, message.ts).find((m) => /revealed/i.test(m.text)));
    const audit = await h.redis.xrange(`${h.namespace}:{kw}:audit`, '-', '+');
    const actions = audit.map(([, f]) => f[f.indexOf('action') + 1]);
    expect(actions).toEqual(expect.arrayContaining(['request.open', 'request.approve', 'key.create', 'key.reveal']));
  });
});

describe('a key request by modal', () => {
  it('opens the form, takes the submission, and is approved by a thread reply from a user-group approver', async () => {
    const views = h.slack.views(USERS.requester).length;
    await h.driver.slashCommand({ userId: USERS.requester, text: 'request', channelId: GENERAL_CHANNEL });
    const form = await h.waitFor(() =>
      h.slack.views(USERS.requester).slice(views).find((v) => v.callback_id === VIEW.requestKey),
    );
    // the picker offers the active projects, not the archived one
    const offered = await h.driver.suggestOptions({ userId: USERS.requester, viewId: form.id, actionId: INPUT.project.action, value: '' });
    expect(offered.options.map((o) => o.text)).toEqual(['Research Assistant', 'Support Bot']);

    const before = h.slack.messages(APPROVAL_CHANNEL).length;
    const submitted = await h.driver.submitView({
      userId: USERS.requester,
      viewId: form.id,
      values: {
        [INPUT.project.block]: { [INPUT.project.action]: { type: 'external_select', selected_option: { value: h.projects.research } } },
        [INPUT.purpose.block]: { [INPUT.purpose.action]: { type: 'plain_text_input', value: 'summarise research papers for the weekly digest' } },
        [INPUT.lifetime.block]: { [INPUT.lifetime.action]: { type: 'number_input', value: '14' } },
      },
    });
    expect(submitted.status).toBe(200);
    const message = await h.waitFor(() => (h.slack.messages(APPROVAL_CHANNEL).length > before ? h.slack.messages(APPROVAL_CHANNEL).at(-1) : undefined));
    const requestId = h.requestIdOf(message);
    const stored = await h.request(requestId);
    expect(stored?.lifetimeDays).toBe(14);
    expect(stored?.projectId).toBe(h.projects.research);

    await h.driver.postMessage({ userId: USERS.groupApprover, channel: APPROVAL_CHANNEL, text: 'approve', threadTs: message.ts });
    const r = await h.waitForState(requestId, 'awaiting_reveal');
    expect(r.decidedBy).toBe(USERS.groupApprover);
    expect(r.keyExpiresAt! - r.keyCreatedAt!).toBeGreaterThan(13 * 86_400_000);
    expect(r.keyExpiresAt! - r.keyCreatedAt!).toBeLessThanOrEqual(14 * 86_400_000 + 5_000);
  });

  it('answers a bad submission in the form itself', async () => {
    const views = h.slack.views(USERS.requester).length;
    await h.driver.slashCommand({ userId: USERS.requester, text: 'request', channelId: GENERAL_CHANNEL });
    const form = await h.waitFor(() => h.slack.views(USERS.requester).slice(views).find((v) => v.callback_id === VIEW.requestKey));
    const res = await h.driver.submitView({
      userId: USERS.requester,
      viewId: form.id,
      values: {
        [INPUT.project.block]: { [INPUT.project.action]: { type: 'external_select', selected_option: { value: h.projects.support } } },
        [INPUT.purpose.block]: { [INPUT.purpose.action]: { type: 'plain_text_input', value: 'short' } },
        [INPUT.lifetime.block]: { [INPUT.lifetime.action]: { type: 'number_input', value: '30' } },
      },
    });
    const body = JSON.parse(res.body) as { response_action: string; errors: Record<string, string> };
    expect(body.response_action).toBe('errors');
    expect(body.errors[INPUT.purpose.block]).toMatch(/at least 10 characters/);
  });
});

describe('denials', () => {
  it('asks for a reason from the Deny button and tells the requester', async () => {
    const { message, requestId } = await requestByCommand('request Support Bot load testing the staging chatbot');
    const views = h.slack.views(USERS.approver).length;
    await h.driver.clickButton({ userId: USERS.approver, actionId: DENY, value: requestId, channel: APPROVAL_CHANNEL, messageTs: message.ts });
    const form = await h.waitFor(() => h.slack.views(USERS.approver).slice(views).find((v) => v.callback_id === VIEW.denyReason));
    await h.driver.submitView({
      userId: USERS.approver,
      viewId: form.id,
      values: { [INPUT.reason.block]: { [INPUT.reason.action]: { type: 'plain_text_input', value: 'use the shared staging key' } } },
    });
    const denied = await h.waitForState(requestId, 'denied');
    expect(denied.denyReason).toBe('use the shared staging key');
    const dm = await h.waitFor(() => dmTo(USERS.requester).find((m) => /denied/i.test(m.text) && m.text.includes('use the shared staging key')));
    expect(dm).toBeTruthy();
    const parent = await h.waitFor(() => {
      const m = h.slack.message(APPROVAL_CHANNEL, message.ts);
      return m && actionIdsIn(m).length === 0 ? m : undefined;
    });
    expect(JSON.stringify(parent.blocks)).toContain('use the shared staging key');
    expect(h.openai.serviceAccounts(h.projects.support).some((sa) => sa.name === `keywarden-${requestId}`)).toBe(false);
  });

  it('takes `deny <reason>` as a thread reply', async () => {
    const { message, requestId } = await requestByCommand('request Research Assistant crawl the whole internet');
    await h.driver.postMessage({ userId: USERS.approver, channel: APPROVAL_CHANNEL, text: 'deny too broad, narrow the scope', threadTs: message.ts });
    const denied = await h.waitForState(requestId, 'denied');
    expect(denied.denyReason).toBe('too broad, narrow the scope');
  });

  it('ignores ordinary conversation in the thread', async () => {
    const { message, requestId } = await requestByCommand('request Research Assistant evaluate summarisation quality');
    await h.driver.postMessage({ userId: USERS.approver, channel: APPROVAL_CHANNEL, text: 'what is this for exactly?', threadTs: message.ts });
    await new Promise((r) => setTimeout(r, 300));
    expect((await h.request(requestId))?.state).toBe('pending');
  });
});

describe('list and revoke', () => {
  it('lists the caller’s requests and lets the owner revoke a key, deleting its service account', async () => {
    const { message, requestId } = await requestByCommand('request Support Bot triage incoming bug reports');
    await h.driver.clickButton({ userId: USERS.approver, actionId: APPROVE, value: requestId, channel: APPROVAL_CHANNEL, messageTs: message.ts });
    const r = await h.waitForState(requestId, 'awaiting_reveal');

    const seen = h.slack.ephemerals(USERS.requester).length;
    const listed = await h.driver.slashCommand({ userId: USERS.requester, text: 'list' });
    const listing = await waitUntil(() => h.slack.ephemerals(USERS.requester).slice(seen).find((e) => e.via === 'response_url'));
    expect(listed.status).toBe(200);
    expect(JSON.stringify(listing.blocks)).toContain(r.redactedKey!.slice(-4));

    // someone else may not revoke it
    await h.driver.slashCommand({ userId: USERS.outsider, text: `revoke ${requestId}` });
    const refused = await waitUntil(() => h.slack.ephemerals(USERS.outsider).find((e) => /owner or an admin/.test(JSON.stringify(e))));
    expect(refused).toBeTruthy();

    const before = h.slack.ephemerals(USERS.requester).length;
    await h.driver.slashCommand({ userId: USERS.requester, text: `revoke ${r.keyId}` });
    await h.waitForState(requestId, 'revoked');
    const answer = await waitUntil(() => h.slack.ephemerals(USERS.requester).slice(before).find((e) => /Revoking the key/.test(e.text ?? '')));
    expect(answer.text).toContain('Its service account is being deleted at OpenAI');
    await waitUntil(() => !h.openai.serviceAccounts(h.projects.support).some((sa) => sa.id === r.serviceAccountId));
    await h.waitFor(() => h.slack.thread(APPROVAL_CHANNEL, message.ts).find((m) => /revoked/i.test(m.text)));
    await h.waitFor(() => dmTo(USERS.requester).find((m) => /revoked/i.test(m.text)));
  });

  it('says no key was created when revoked while the key is still being created, and leaves no service account', async () => {
    h.openai.inject({ method: 'POST', path: /service_accounts$/, status: 200, delayMs: 1_500, times: 1 });
    const { message, requestId } = await requestByCommand('request Support Bot summarise weekly status reports');
    await h.driver.clickButton({ userId: USERS.approver, actionId: APPROVE, value: requestId, channel: APPROVAL_CHANNEL, messageTs: message.ts });
    await h.waitForState(requestId, 'provisioning');

    const before = h.slack.ephemerals(USERS.requester).length;
    await h.driver.slashCommand({ userId: USERS.requester, text: `revoke ${requestId}` });
    const answer = await waitUntil(() => h.slack.ephemerals(USERS.requester).slice(before).find((e) => e.text?.includes(requestId)));
    expect(answer.text).toContain('before its key was created');
    expect(answer.text).not.toContain('service account is being deleted');
    expect((await h.request(requestId))?.state).toBe('revoked');
    await waitUntil(() => !h.openai.serviceAccounts(h.projects.support).some((sa) => sa.name === `keywarden-${requestId}`));
  });
});
