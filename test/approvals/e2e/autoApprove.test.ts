/**
 * Auto-approve rules from the policy file: by key lifetime and by the requester's user group. A matching request is
 * approved by keywarden at once; the thread and the audit entry name the rule; the requester reveals the key as usual.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VIEW } from '../../../src/platform/slack/ids.js';
import { APPROVAL_CHANNEL, REVEAL, USERS, actionIdsIn, startHarness, type Harness } from '../../support/harness.js';
import { sendRequest } from '../../support/requestFlow.js';

const RESEARCHERS = 'S0RESEARCHRS';
const POLICY = `
defaults:
  approvers: [${USERS.approver}]
projects:
  Support Bot:
    auto_approve: { max_days: 7 }
  Research Assistant:
    auto_approve: { requesters: [${RESEARCHERS}] }
`;

let h: Harness;
beforeAll(async () => {
  // keys last 5 days unless asked otherwise: within Support Bot's 7-day rule
  h = await startHarness({ policy: POLICY, env: { KEYWARDEN_KEY_DAYS: '5,90' } });
  h.slack.addUsergroup({ id: RESEARCHERS, handle: 'researchers', users: [USERS.requester] });
});
afterAll(async () => {
  await h?.stop();
});

async function auditOf(target: string): Promise<Record<string, string>[]> {
  const rows = await h.redis.xrange(`${h.namespace}:{kw}:audit`, '-', '+');
  return rows
    .map(([, flat]) => Object.fromEntries(flat.flatMap((v, i) => (i % 2 === 0 ? [[v, flat[i + 1] ?? '']] : []))) as Record<string, string>)
    .filter((e) => e.target === target);
}

const threadTexts = (ts: string) => h.slack.thread(APPROVAL_CHANNEL, ts).map((m) => m.text);

describe('auto-approve', () => {
  it('approves a key within the lifetime rule at once, names the rule, and the requester reveals it as usual', async () => {
    const { res, message, requestId } = await sendRequest(h, 'request Support Bot answer routine support questions');
    const r = await h.waitForState(requestId, 'awaiting_reveal');
    // the requester is told it is approved, not that it waits for an approver
    const told = await h.waitFor(() => h.slack.responseUrlPosts.find((p) => p.url === res.responseUrl));
    expect(JSON.stringify(told.body)).toContain('approved automatically');
    expect(JSON.stringify(told.body)).not.toContain('waiting for an approver');
    expect(r.decidedBy).toBe('keywarden');
    expect(r.autoApprovedBy).toBe('projects.Support Bot.auto_approve');
    const note = await h.waitFor(() => threadTexts(message.ts).find((t) => /Approved automatically by keywarden/.test(t)));
    expect(note).toContain('projects.Support Bot.auto_approve');
    expect(note).toContain('keys of at most 7 days');
    const parent = await h.waitFor(() => {
      const m = h.slack.message(APPROVAL_CHANNEL, message.ts);
      return m && /automatically/.test(JSON.stringify(m.blocks)) ? m : undefined;
    });
    expect(JSON.stringify(parent.blocks)).not.toContain('<@keywarden>');

    const approval = (await auditOf(requestId)).find((e) => e.action === 'request.approve');
    expect(approval?.actor).toBe('keywarden');
    expect(approval?.detail).toContain('projects.Support Bot.auto_approve');

    const dmChannel = h.slack.dmChannelOf(USERS.requester);
    const dm = await h.waitFor(() => h.slack.messages(dmChannel).find((m) => actionIdsIn(m).includes(REVEAL) && JSON.stringify(m.blocks).includes(requestId)));
    await h.driver.clickButton({ userId: USERS.requester, actionId: REVEAL, value: requestId, channel: dm.channel, messageTs: dm.ts });
    await h.waitFor(() => h.slack.views(USERS.requester).find((v) => v.callback_id === VIEW.revealedKey));
    await h.waitForState(requestId, 'active');
  });

  it('approves a request from a member of the rule’s user group, and leaves anyone else’s to the approvers', async () => {
    const mine = await sendRequest(h, 'request Research Assistant tag new papers by topic');
    const approved = await h.waitForState(mine.requestId, 'awaiting_reveal');
    expect(approved.autoApprovedBy).toBe('projects.Research Assistant.auto_approve');
    const note = await h.waitFor(() => threadTexts(mine.message.ts).find((t) => /Approved automatically/.test(t)));
    expect(note).toContain(`<!subteam^${RESEARCHERS}>`);

    const theirs = await sendRequest(h, 'request Research Assistant try the new embedding model', USERS.outsider);
    await new Promise((r) => setTimeout(r, 700));
    const pending = await h.request(theirs.requestId);
    expect(pending?.state).toBe('pending');
    expect(pending?.autoApprovedBy).toBeUndefined();
    expect(threadTexts(theirs.message.ts).some((t) => /automatically/.test(t))).toBe(false);
  });
});
