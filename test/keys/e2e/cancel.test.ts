/**
 * Ids where people look, withdrawing a request, deliberate duplicates, revoking by the masked key, and messages that
 * stay true after a key is revealed or revoked: the real app over signed HTTP, the emulators and a real Redis.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION, INPUT, VIEW } from '../../../src/platform/slack/ids.js';
import { APPROVAL_CHANNEL, APPROVE, GENERAL_CHANNEL, REVEAL, USERS, actionIdsIn, startHarness, waitUntil, type Harness } from '../../support/harness.js';
import { duplicateWarning, sendRequest } from '../../support/requestFlow.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

const textOf = (m: { text?: string; blocks?: unknown[] } | undefined): string => `${m?.text ?? ''} ${JSON.stringify(m?.blocks ?? [])}`;

/** Runs a command and returns the answer keywarden sent through its response_url (or the ack). */
async function answerTo(userId: string, text: string): Promise<string> {
  const seen = h.slack.ephemerals(userId).length;
  await h.driver.slashCommand({ userId, text, channelId: GENERAL_CHANNEL });
  const answer = await waitUntil(() => h.slack.ephemerals(userId).slice(seen)[0], 10_000, `an answer to ${text}`);
  return textOf(answer);
}

async function auditActions(target: string): Promise<string[]> {
  const rows = await h.redis.xrange(`${h.namespace}:{kw}:audit`, '-', '+');
  return rows
    .map(([, f]) => Object.fromEntries(f.flatMap((v, i) => (i % 2 === 0 ? [[v, f[i + 1] ?? '']] : []))) as Record<string, string>)
    .filter((e) => e.target === target)
    .map((e) => `${e.action}:${e.outcome}`);
}

const dmTo = (userId: string) => h.slack.messages(h.slack.dmChannelOf(userId));

async function approveToReveal(text: string, userId: string = USERS.requester) {
  const { message, requestId } = await sendRequest(h, text, userId);
  await h.driver.clickButton({ userId: USERS.approver, actionId: APPROVE, value: requestId, channel: APPROVAL_CHANNEL, messageTs: message.ts });
  const r = await h.waitForState(requestId, 'awaiting_reveal');
  const dm = await h.waitFor(() => dmTo(userId).find((m) => actionIdsIn(m).includes(REVEAL) && textOf(m).includes(requestId)));
  return { message, requestId, r, dm };
}

describe('cancel', () => {
  it('lets the requester withdraw a pending request: message updated, approvers refused, audited, requester told', async () => {
    const { message, requestId } = await sendRequest(h, 'request Research Assistant tag papers by research topic');
    const answer = await answerTo(USERS.requester, `cancel ${requestId}`);
    expect(answer).toContain(`Your request \`${requestId}\``);
    expect(answer).toContain('is cancelled');
    const r = await h.waitForState(requestId, 'cancelled');
    expect(r.cancelledBy).toBe(USERS.requester);

    // the approval message lost its buttons and says who cancelled it
    const parent = await h.waitFor(() => {
      const m = h.slack.message(APPROVAL_CHANNEL, message.ts);
      return m && actionIdsIn(m).length === 0 && textOf(m).includes('Cancelled by') ? m : undefined;
    });
    expect(textOf(parent)).toContain(`<@${USERS.requester}>`);
    await h.waitFor(() => h.slack.thread(APPROVAL_CHANNEL, message.ts).find((m) => /Cancelled by/.test(m.text)));

    // a stale Approve button and a thread reply are refused in plain words
    await h.driver.clickButton({ userId: USERS.approver, actionId: APPROVE, blockId: 'stale', value: requestId, channel: APPROVAL_CHANNEL, messageTs: message.ts });
    const refused = await h.waitFor(() => h.slack.ephemerals(USERS.approver).find((e) => /was cancelled by/.test(textOf(e))));
    expect(textOf(refused)).toContain('can no longer be approved or denied');
    expect(textOf(refused)).not.toMatch(/refused:|cancelled:/);
    await h.driver.postMessage({ userId: USERS.groupApprover, channel: APPROVAL_CHANNEL, text: 'approve', threadTs: message.ts });
    await h.waitFor(() => h.slack.ephemerals(USERS.groupApprover).find((e) => /was cancelled by/.test(textOf(e))));
    expect((await h.request(requestId))?.state).toBe('cancelled');
    expect(h.openai.serviceAccounts(h.projects.research).some((sa) => sa.name === `keywarden-${requestId}`)).toBe(false);
    expect(await auditActions(requestId)).toEqual(expect.arrayContaining(['request.open:pending', 'request.cancel:cancelled', 'request.approve:refused:cancelled']));
  });

  it('lets an admin cancel someone’s request, and tells the requester by DM', async () => {
    const { requestId } = await sendRequest(h, 'request Research Assistant compare embedding models', USERS.outsider);
    const answer = await answerTo(USERS.admin, `cancel ${requestId}`);
    expect(answer).toContain(`The request by <@${USERS.outsider}>`);
    await h.waitForState(requestId, 'cancelled');
    const dm = await h.waitFor(() => dmTo(USERS.outsider).find((m) => /was cancelled by/.test(m.text)));
    expect(dm.text).toContain(`<@${USERS.admin}>`);
    expect(dm.text).toContain(requestId);
  });

  it('refuses someone else, and a request that was already decided', async () => {
    const { message, requestId } = await sendRequest(h, 'request Support Bot draft answers for the FAQ page', USERS.outsider);
    expect(await answerTo(USERS.approver, `cancel ${requestId}`)).toContain(`Only the person who made ${requestId}, or an admin, can cancel it.`);
    expect((await h.request(requestId))?.state).toBe('pending');
    expect(await auditActions(requestId)).toContain('request.cancel:refused:not_allowed');

    await h.driver.clickButton({ userId: USERS.approver, actionId: APPROVE, value: requestId, channel: APPROVAL_CHANNEL, messageTs: message.ts });
    await h.waitForState(requestId, 'awaiting_reveal');
    const late = await answerTo(USERS.outsider, `cancel ${requestId}`);
    expect(late).toContain('was already approved');
    expect(late).toContain(`/openai-key revoke ${requestId}`);
    expect((await h.request(requestId))?.state).toBe('awaiting_reveal');
  });

  it('points `revoke req_…` on a pending request to cancel', async () => {
    const { requestId } = await sendRequest(h, 'request Support Bot sort feedback into themes', USERS.groupApprover);
    const answer = await answerTo(USERS.groupApprover, `revoke ${requestId}`);
    expect(answer).toContain('still waiting for an approver');
    expect(answer).toContain(`/openai-key cancel ${requestId}`);
    expect(answer).not.toContain('holds no key to revoke (it is');
  });
});

describe('a second pending request for the same project', () => {
  it('by command: shows the first one’s id and asks; a double click on "Send another request" sends one', async () => {
    const first = await sendRequest(h, 'request Support Bot summarise the on-call handover', USERS.admin);
    const before = h.slack.messages(APPROVAL_CHANNEL).length;
    const seen = h.slack.ephemerals(USERS.admin).length;
    await h.driver.slashCommand({ userId: USERS.admin, text: 'request Support Bot summarise the weekly handover', channelId: GENERAL_CHANNEL });
    const warning = await h.waitFor(() => duplicateWarning(h, USERS.admin, seen));
    expect(textOf(warning)).toContain(first.requestId);
    expect(textOf(warning)).toContain('Send another request');
    await new Promise((r) => setTimeout(r, 300));
    expect(h.slack.messages(APPROVAL_CHANNEL).length).toBe(before);

    const click = () => h.driver.clickButton({ userId: USERS.admin, actionId: ACTION.sendAnotherRequest, channel: warning.channel, messageTs: warning.ts });
    const clicks = await Promise.all([click(), click()]);
    expect(clicks.map((c) => c.status)).toEqual([200, 200]);
    const second = await h.waitFor(() => (h.slack.messages(APPROVAL_CHANNEL).length > before ? h.slack.messages(APPROVAL_CHANNEL).at(-1) : undefined));
    await new Promise((r) => setTimeout(r, 1_500));
    const added = h.slack.messages(APPROVAL_CHANNEL).slice(before);
    expect(added).toHaveLength(1);
    const secondId = h.requestIdOf(second);
    expect(secondId).not.toBe(first.requestId);
    const stored = await h.request(secondId);
    expect(stored?.purpose).toBe('summarise the weekly handover');
    // the other click was told what became of it
    await h.waitFor(() => h.slack.ephemerals(USERS.admin).find((e) => /already sent|being sent/.test(textOf(e))));
  });

  it('by form: answers with the waiting request’s id and the button, carrying the typed purpose and lifetime', async () => {
    const first = await sendRequest(h, 'request Research Assistant find related work for the grant', USERS.approver);
    const views = h.slack.views(USERS.approver).length;
    await h.driver.slashCommand({ userId: USERS.approver, text: 'request', channelId: GENERAL_CHANNEL });
    const form = await h.waitFor(() => h.slack.views(USERS.approver).slice(views).find((v) => v.callback_id === VIEW.requestKey));
    const seen = h.slack.ephemerals(USERS.approver).length;
    const before = h.slack.messages(APPROVAL_CHANNEL).length;
    const submitted = await h.driver.submitView({
      userId: USERS.approver,
      viewId: form.id,
      values: {
        [INPUT.project.block]: { [INPUT.project.action]: { type: 'external_select', selected_option: { value: h.projects.research } } },
        [INPUT.purpose.block]: { [INPUT.purpose.action]: { type: 'plain_text_input', value: 'find related work for the renewal' } },
        [INPUT.lifetime.block]: { [INPUT.lifetime.action]: { type: 'number_input', value: '7' } },
      },
    });
    expect(submitted.status).toBe(200);
    const warning = await h.waitFor(() => duplicateWarning(h, USERS.approver, seen));
    expect(textOf(warning)).toContain(first.requestId);
    expect(h.slack.messages(APPROVAL_CHANNEL).length).toBe(before);
    await h.driver.clickButton({ userId: USERS.approver, actionId: ACTION.sendAnotherRequest, channel: warning.channel, messageTs: warning.ts });
    const second = await h.waitFor(() => (h.slack.messages(APPROVAL_CHANNEL).length > before ? h.slack.messages(APPROVAL_CHANNEL).at(-1) : undefined));
    const stored = await h.request(h.requestIdOf(second));
    expect(stored?.purpose).toBe('find related work for the renewal');
    expect(stored?.lifetimeDays).toBe(7);
  });
});

describe('ids where people look', () => {
  it('list, the approval message and the reveal modal show the request id and the key id', async () => {
    const { message, requestId, r, dm } = await approveToReveal('request Support Bot classify refund requests');
    expect(textOf(h.slack.message(APPROVAL_CHANNEL, message.ts))).toContain(requestId);
    await h.waitFor(() => textOf(h.slack.message(APPROVAL_CHANNEL, message.ts)).includes(r.keyId!) || undefined);

    const listing = await answerTo(USERS.requester, 'list');
    expect(listing).toContain(requestId);
    expect(listing).toContain(r.keyId!);

    await h.driver.clickButton({ userId: USERS.requester, actionId: REVEAL, value: requestId, channel: dm.channel, messageTs: dm.ts });
    const modal = await h.waitFor(() => h.slack.views(USERS.requester).find((v) => v.callback_id === VIEW.revealedKey && textOf(v).includes(requestId)));
    expect(textOf(modal)).toContain(`*Key id*\\n\`${r.keyId}\``);
    expect(textOf(modal)).toContain('*Key (masked)*');

    // the DM that offered the button is updated in place: same ts, no button, says it was revealed
    const updated = await h.waitFor(() => {
      const m = h.slack.message(dm.channel, dm.ts);
      return m && !actionIdsIn(m).includes(REVEAL) ? m : undefined;
    });
    expect(updated.ts).toBe(dm.ts);
    expect(updated.text).toContain('you revealed it');
  });
});

describe('revoke by the masked key people see', () => {
  it('revokes the one key it names, and says so with the owner’s words', async () => {
    const { requestId, r, dm } = await approveToReveal('request Support Bot route emails to the right queue');
    const answer = await answerTo(USERS.requester, `revoke ${r.redactedKey}`);
    expect(answer).toContain(`Revoking the key for Support Bot (request ${requestId})`);
    await h.waitForState(requestId, 'revoked');
    // the owner is told "you revoked", and the DM's Reveal key button is gone
    await h.waitFor(() => dmTo(USERS.requester).find((m) => m.text.includes('You revoked your key') && m.text.includes(r.redactedKey!)));
    const updated = await h.waitFor(() => {
      const m = h.slack.message(dm.channel, dm.ts);
      return m && !actionIdsIn(m).includes(REVEAL) ? m : undefined;
    });
    expect(updated.text).toContain('You revoked it');
  });

  it('refuses a masked value that matches two keys, listing their request ids', async () => {
    const a = await approveToReveal('request Research Assistant draft abstracts for posters');
    const b = await approveToReveal('request Research Assistant draft abstracts for talks');
    // two keys whose masked values collide (same prefix and last 4 characters): made so by hand, as chance rarely does
    const prefix = `${h.namespace}:{kw}`;
    const stored = JSON.parse((await h.redis.get(`${prefix}:request:${b.requestId}`))!) as Record<string, unknown>;
    await h.redis.set(`${prefix}:request:${b.requestId}`, JSON.stringify({ ...stored, redactedKey: a.r.redactedKey }), 'KEEPTTL');
    await h.redis.sadd(`${prefix}:masked:${a.r.redactedKey}`, b.requestId);

    const answer = await answerTo(USERS.requester, `revoke ${a.r.redactedKey!.replace('…', '...')}`);
    expect(answer).toContain('matches 2 keys');
    expect(answer).toContain(a.requestId);
    expect(answer).toContain(b.requestId);
    expect((await h.request(a.requestId))?.state).toBe('awaiting_reveal');
    expect((await h.request(b.requestId))?.state).toBe('awaiting_reveal');
  });
});

describe('reveal refusals say the real reason', () => {
  it('a key an admin revoked before it was revealed: says revoked, by whom and when, and the DM is updated', async () => {
    const { requestId, dm } = await approveToReveal('request Support Bot answer billing questions', USERS.outsider);
    await answerTo(USERS.admin, `revoke ${requestId}`);
    const r = await h.waitForState(requestId, 'revoked');
    const updated = await h.waitFor(() => {
      const m = h.slack.message(dm.channel, dm.ts);
      return m && !actionIdsIn(m).includes(REVEAL) ? m : undefined;
    });
    expect(updated.text).toContain(`revoked by <@${USERS.admin}>`);

    // a stale Reveal button (an old client) shows why, truthfully
    const views = h.slack.views(USERS.outsider).length;
    await h.driver.clickButton({ userId: USERS.outsider, actionId: REVEAL, blockId: 'stale', value: requestId, channel: dm.channel, messageTs: dm.ts });
    const modal = await h.waitFor(() => h.slack.views(USERS.outsider).slice(views)[0]);
    const said = textOf(modal);
    expect((modal.title as { text?: string } | undefined)?.text).toBe('Key revoked');
    expect(said).toContain('cannot be revealed: it no longer works');
    expect(said).toContain(`revoked by <@${USERS.admin}>`);
    expect(said).toContain(`<!date^${Math.floor(r.revokedAt! / 1000)}^`);
    expect(said).not.toMatch(/reveal is over|time to reveal/i);
  });

  it('an already revealed key says when it was revealed', async () => {
    const { requestId, dm } = await approveToReveal('request Research Assistant label survey answers', USERS.outsider);
    await h.driver.clickButton({ userId: USERS.outsider, actionId: REVEAL, value: requestId, channel: dm.channel, messageTs: dm.ts });
    const r = await h.waitForState(requestId, 'active');
    // the first reveal's modal is opened after the state changes: count the views once it is there
    await h.waitFor(() => h.slack.views(USERS.outsider).find((v) => v.callback_id === VIEW.revealedKey));
    const views = h.slack.views(USERS.outsider).length;
    await h.driver.clickButton({ userId: USERS.outsider, actionId: REVEAL, blockId: 'stale', value: requestId, channel: dm.channel, messageTs: dm.ts });
    const modal = await h.waitFor(() => h.slack.views(USERS.outsider).slice(views)[0]);
    expect(textOf(modal)).toContain('already revealed');
    expect(textOf(modal)).toContain(`<!date^${Math.floor(r.revealedAt! / 1000)}^`);
  });
});
