/**
 * The approvals engine under a policy file: a quorum of two for one project, per-project approvers for another,
 * and a kind override for limit changes. The real app over signed HTTP, real Redis, both emulators.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION } from '../../../src/platform/slack/ids.js';
import { APPROVAL_CHANNEL, APPROVE, GENERAL_CHANNEL, USERS, actionIdsIn, startHarness, waitUntil, type Harness } from '../../support/harness.js';
import { sendRequest } from '../../support/requestFlow.js';

/** 20 more people who may approve Support Bot's keys (added to the Slack workspace once it runs). */
const QUORUM_APPROVERS = Array.from({ length: 20 }, (_, i) => `U0QUORUM${String(i).padStart(2, '0')}`);

const POLICY = `
defaults:
  approvers: [${USERS.approver}, S0APPROVERS]
projects:
  Support Bot:
    approvals: 2
    approvers: [${USERS.approver}, S0APPROVERS, ${QUORUM_APPROVERS.join(', ')}]
  Research Assistant:
    approvers: [${USERS.outsider}]
kinds:
  limit:
    approvals: 2
`;

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ policy: POLICY });
  for (const id of QUORUM_APPROVERS) h.slack.addUser({ id, name: id.toLowerCase(), realName: `Quorum ${id.slice(-2)}` });
});
afterAll(async () => {
  await h?.stop();
});

const ephemeralTexts = (userId: string) => h.slack.ephemerals(userId).map((e) => `${e.text ?? ''} ${JSON.stringify(e.blocks ?? [])}`);

async function auditOf(target: string): Promise<Record<string, string>[]> {
  const rows = await h.redis.xrange(`${h.namespace}:{kw}:audit`, '-', '+');
  return rows
    .map(([, flat]) => Object.fromEntries(flat.flatMap((v, i) => (i % 2 === 0 ? [[v, flat[i + 1] ?? '']] : []))) as Record<string, string>)
    .filter((e) => e.target === target);
}

const click = (userId: string, requestId: string, messageTs: string, actionId: string = APPROVE) =>
  h.driver.clickButton({ userId, actionId, value: requestId, channel: APPROVAL_CHANNEL, messageTs });

const threadTexts = (ts: string) => h.slack.thread(APPROVAL_CHANNEL, ts).map((m) => m.text);

describe('a quorum of two approvals', () => {
  it('records the first approval, keeps the buttons, counts the same approver once, and approves on a second approver', async () => {
    const { message, requestId } = await sendRequest(h, 'request Support Bot triage incoming support tickets');
    await click(USERS.approver, requestId, message.ts);
    await h.waitFor(() => threadTexts(message.ts).find((t) => t.includes(`1 of 2 approvals: <@${USERS.approver}>`)));
    const parent = await h.waitFor(() => {
      const m = h.slack.message(APPROVAL_CHANNEL, message.ts);
      return m && /1 of 2 so far/.test(JSON.stringify(m.blocks)) ? m : undefined;
    });
    expect(JSON.stringify(parent.blocks)).toContain(USERS.approver);
    expect(actionIdsIn(parent)).toEqual([ACTION.approveRequest, ACTION.denyRequest]);
    expect((await h.request(requestId))?.state).toBe('pending');

    // the same person again: told it counts once, still pending
    await click(USERS.approver, requestId, message.ts);
    await h.waitFor(() => ephemeralTexts(USERS.approver).find((t) => /already approved.*counts once/.test(t)));
    expect((await h.request(requestId))?.state).toBe('pending');

    await h.driver.postMessage({ userId: USERS.groupApprover, channel: APPROVAL_CHANNEL, text: 'approve', threadTs: message.ts });
    const r = await h.waitForState(requestId, 'awaiting_reveal');
    expect(r.votes?.map((v) => v.userId)).toEqual([USERS.approver, USERS.groupApprover]);
    await h.waitFor(() => threadTexts(message.ts).find((t) => t.includes(`Approved by <@${USERS.approver}> and <@${USERS.groupApprover}>`)));
    expect(h.openai.serviceAccounts(h.projects.support).filter((sa) => sa.name === `keywarden-${requestId}`)).toHaveLength(1);
    const audit = await auditOf(requestId);
    expect(audit.filter((e) => e.outcome === 'vote')).toHaveLength(1);
    expect(audit.filter((e) => e.outcome === 'approved')).toHaveLength(1);
    expect(audit.filter((e) => e.outcome === 'refused:already_voted')).toHaveLength(1);
  });

  it('never counts the requester, even an admin', async () => {
    const { message, requestId } = await sendRequest(h, 'request Support Bot evaluate the support macros', USERS.admin);
    await click(USERS.admin, requestId, message.ts);
    await h.waitFor(() => ephemeralTexts(USERS.admin).find((t) => /your own request/.test(t)));
    await click(USERS.approver, requestId, message.ts);
    await h.waitFor(() => threadTexts(message.ts).find((t) => t.includes('1 of 2 approvals')));
    const r = await h.request(requestId);
    expect(r?.state).toBe('pending');
    expect(r?.votes?.map((v) => v.userId)).toEqual([USERS.approver]);
  });

  it('is denied by one Deny after one Approve', async () => {
    const { message, requestId } = await sendRequest(h, 'request Support Bot draft replies for the help centre');
    await click(USERS.approver, requestId, message.ts);
    await h.waitFor(() => threadTexts(message.ts).find((t) => t.includes('1 of 2 approvals')));
    await h.driver.postMessage({ userId: USERS.groupApprover, channel: APPROVAL_CHANNEL, text: 'deny use the shared key', threadTs: message.ts });
    const r = await h.waitForState(requestId, 'denied');
    expect(r.decidedBy).toBe(USERS.groupApprover);
    await h.waitFor(() => h.slack.messages(h.slack.dmChannelOf(USERS.requester)).find((m) => /use the shared key/.test(m.text)));
    expect(h.openai.serviceAccounts(h.projects.support).filter((sa) => sa.name === `keywarden-${requestId}`)).toHaveLength(0);
  });

  it('makes exactly one key and one service account from 20 concurrent clicks by 20 eligible approvers', async () => {
    const { message, requestId } = await sendRequest(h, 'request Support Bot summarise the weekly ticket backlog');
    const answers = await Promise.all(QUORUM_APPROVERS.map((userId) => click(userId, requestId, message.ts)));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    const r = await h.waitForState(requestId, 'awaiting_reveal');
    await new Promise((res) => setTimeout(res, 500));
    expect(r.votes).toHaveLength(2);
    expect(h.openai.serviceAccounts(h.projects.support).filter((sa) => sa.name === `keywarden-${requestId}`)).toHaveLength(1);
    expect(h.openai.callsTo('POST', /service_accounts$/).filter((c) => JSON.stringify(c.body).includes(requestId))).toHaveLength(1);
    const approvals = (await auditOf(requestId)).filter((e) => e.action === 'request.approve');
    expect(approvals.filter((e) => e.outcome === 'approved')).toHaveLength(1);
    expect(approvals.filter((e) => e.outcome === 'vote')).toHaveLength(1);
    expect(approvals.filter((e) => e.outcome === 'refused:already_decided')).toHaveLength(18);
    const thread = await h.waitFor(() => {
      const t = h.slack.thread(APPROVAL_CHANNEL, message.ts);
      return t.some((m) => /Sent .* a DM/.test(m.text)) ? t : undefined;
    });
    expect(thread.filter((m) => /Approved by/.test(m.text))).toHaveLength(1);
    expect(thread.filter((m) => /1 of 2 approvals/.test(m.text))).toHaveLength(1);
  });
});

describe('per-project approvers', () => {
  it('refuses an approver of another project, saying why, and takes the project’s own approver', async () => {
    const { message, requestId } = await sendRequest(h, 'request Research Assistant index the paper archive');
    await click(USERS.approver, requestId, message.ts);
    const told = await h.waitFor(() => ephemeralTexts(USERS.approver).find((t) => /not an approver of project \*Research Assistant\*/.test(t)));
    expect(told).toContain(USERS.outsider);
    expect((await h.request(requestId))?.state).toBe('pending');
    expect((await auditOf(requestId)).some((e) => e.actor === USERS.approver && e.outcome === 'refused:not_approver')).toBe(true);

    await click(USERS.outsider, requestId, message.ts);
    await h.waitForState(requestId, 'awaiting_reveal');
  });
});

describe('a kind override for limit changes', () => {
  it('needs two approvals for a limit change where a key request needs one', async () => {
    const before = h.slack.messages(APPROVAL_CHANNEL).length;
    await h.driver.slashCommand({ userId: USERS.requester, text: 'limit "Research Assistant" soft 300', channelId: GENERAL_CHANNEL });
    const message = await h.waitFor(() => h.slack.messages(APPROVAL_CHANNEL).slice(before).find((m) => /lim_[a-z0-9]+/.test(JSON.stringify(m.blocks))));
    const requestId = /lim_[a-z0-9]{10}/.exec(JSON.stringify(message.blocks))?.[0] ?? '';
    const limitsKey = `${h.namespace}:{kw}:limits:${h.projects.research}`;

    await click(USERS.outsider, requestId, message.ts, ACTION.approveLimitChange);
    await h.waitFor(() => threadTexts(message.ts).find((t) => t.includes(`1 of 2 approvals: <@${USERS.outsider}>`)));
    expect(await h.redis.get(limitsKey)).toBeNull();
    const parent = h.slack.message(APPROVAL_CHANNEL, message.ts);
    expect(actionIdsIn(parent)).toEqual([ACTION.approveLimitChange, ACTION.denyLimitChange]);

    // admins may always decide, and count as one approver
    await h.driver.postMessage({ userId: USERS.admin, channel: APPROVAL_CHANNEL, text: 'approve', threadTs: message.ts });
    await waitUntil(async () => JSON.parse((await h.redis.get(limitsKey)) ?? 'null')?.softCents === 30_000, 15_000, 'limits applied');
    await h.waitFor(() => threadTexts(message.ts).find((t) => /applied|in effect/i.test(t)));
    // each limit notice is posted once, by name
    const notes = threadTexts(message.ts);
    expect(new Set(notes).size).toBe(notes.length);
  });
});

describe('/openai-key policy', () => {
  async function ask(text: string): Promise<string> {
    const before = h.slack.ephemerals(USERS.outsider).length;
    await h.driver.slashCommand({ userId: USERS.outsider, text, channelId: GENERAL_CHANNEL });
    const reply = await h.waitFor(() => h.slack.ephemerals(USERS.outsider).slice(before).at(-1));
    return `${reply.text ?? ''} ${JSON.stringify(reply.blocks ?? [])}`;
  }

  it('shows one project’s effective policy in plain words, per kind of request', async () => {
    const text = await ask('policy "Research Assistant"');
    expect(text).toContain('*Research Assistant*');
    expect(text).toContain(`Approvers: <@${USERS.outsider}>; admins (<@${USERS.admin}>) may always decide`);
    expect(text).toMatch(/_Key requests_\\n[^•]*• Approvers[^•]*• Approvals needed: one approver[\s\S]*_Spend limit changes_/);
    expect(text).toMatch(/_Spend limit changes_[\s\S]*Approvals needed: 2 different approvers/);
    expect(text).toContain('Time to decide: 3 days');
    expect(text).toContain('From the policy file');
    expect(text).not.toMatch(/undefined|NaN|\[object/);
  });

  it('shows the defaults and every project the file names without a project, and is in help', async () => {
    const text = await ask('policy');
    expect(text).toContain('*Defaults*');
    expect(text).toContain('*Support Bot*');
    expect(text).toContain('*Research Assistant*');
    expect(text).toMatch(/Support Bot[\s\S]*Approvals needed: 2 different approvers/);
    expect(await ask('help policy')).toContain('policy [project]');
    expect(await ask('policy "Suport Bott"')).toMatch(/Support Bot/);
  });
});
