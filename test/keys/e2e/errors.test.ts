/** What goes wrong: refusals, races, bad input, OpenAI and Slack failing. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPROVAL_CHANNEL, APPROVE, GENERAL_CHANNEL, USERS, actionIdsIn, startHarness, waitUntil, type Harness } from '../../support/harness.js';
import { sendRequest } from '../../support/requestFlow.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

/** A request by command; a warning about one already waiting for the project is confirmed with its button. */
async function newRequest(text: string, userId: string = USERS.requester) {
  const { message, requestId } = await sendRequest(h, text, userId);
  return { message, requestId };
}

async function auditOf(target: string): Promise<Record<string, string>[]> {
  const rows = await h.redis.xrange(`${h.namespace}:{kw}:audit`, '-', '+');
  return rows
    .map(([, flat]) => Object.fromEntries(flat.flatMap((v, i) => (i % 2 === 0 ? [[v, flat[i + 1] ?? '']] : []))) as Record<string, string>)
    .filter((e) => e.target === target);
}

const FORM = 'application/x-www-form-urlencoded';
const ephemeralTexts = (userId: string) => h.slack.ephemerals(userId).map((e) => `${e.text ?? ''} ${JSON.stringify(e.blocks ?? [])}`);

describe('who may decide', () => {
  it('refuses a non-approver, with an ephemeral explanation and an audit entry', async () => {
    const { message, requestId } = await newRequest('request Support Bot answer support tickets faster');
    await h.driver.clickButton({ userId: USERS.outsider, actionId: APPROVE, value: requestId, channel: APPROVAL_CHANNEL, messageTs: message.ts });
    await h.waitFor(() => ephemeralTexts(USERS.outsider).find((t) => /only approvers/i.test(t)));
    expect((await h.request(requestId))?.state).toBe('pending');
    const audit = await auditOf(requestId);
    expect(audit.some((e) => e.actor === USERS.outsider && e.outcome === 'refused:not_approver')).toBe(true);

    await h.driver.postMessage({ userId: USERS.outsider, channel: APPROVAL_CHANNEL, text: 'approve', threadTs: message.ts });
    await waitUntil(async () => (await auditOf(requestId)).filter((e) => e.outcome === 'refused:not_approver').length === 2);
    expect((await h.request(requestId))?.state).toBe('pending');
  });

  it('refuses the requester approving their own request, even an admin', async () => {
    const { message, requestId } = await newRequest('request Support Bot evaluate a new support prompt', USERS.admin);
    await h.driver.clickButton({ userId: USERS.admin, actionId: APPROVE, value: requestId, channel: APPROVAL_CHANNEL, messageTs: message.ts });
    await h.waitFor(() => ephemeralTexts(USERS.admin).find((t) => /your own request/i.test(t)));
    expect((await h.request(requestId))?.state).toBe('pending');
    expect((await auditOf(requestId)).some((e) => e.outcome === 'refused:self_decision')).toBe(true);
  });

  it('gives exactly one decision and one service account for 20 concurrent Approve clicks', async () => {
    const { message, requestId } = await newRequest('request Research Assistant run the nightly literature digest');
    const clickers = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? USERS.approver : USERS.groupApprover));
    const answers = await Promise.all(
      clickers.map((userId) => h.driver.clickButton({ userId, actionId: APPROVE, value: requestId, channel: APPROVAL_CHANNEL, messageTs: message.ts })),
    );
    expect(answers.every((a) => a.status === 200)).toBe(true);
    const r = await h.waitForState(requestId, 'awaiting_reveal');
    await new Promise((res) => setTimeout(res, 500));
    expect(h.openai.serviceAccounts(h.projects.research).filter((sa) => sa.name === `keywarden-${requestId}`)).toHaveLength(1);
    expect(h.openai.callsTo('POST', /service_accounts$/).filter((c) => JSON.stringify(c.body).includes(requestId))).toHaveLength(1);
    const approvals = (await auditOf(requestId)).filter((e) => e.action === 'request.approve');
    expect(approvals.filter((e) => e.outcome === 'approved')).toHaveLength(1);
    expect(approvals.filter((e) => e.outcome === 'refused:already_decided')).toHaveLength(19);
    const thread = await h.waitFor(() => {
      const t = h.slack.thread(APPROVAL_CHANNEL, message.ts);
      return t.some((m) => /Sent .* a DM/.test(m.text)) ? t : undefined;
    });
    expect(thread.filter((m) => /Approved by/.test(m.text))).toHaveLength(1);
    expect(r.decidedBy).toBeTruthy();
  });

  it('tells a late approver the request was already decided, and by whom', async () => {
    const { message, requestId } = await newRequest('request Support Bot summarise escalations for managers');
    await h.driver.clickButton({ userId: USERS.approver, actionId: APPROVE, value: requestId, channel: APPROVAL_CHANNEL, messageTs: message.ts });
    await h.waitForState(requestId, 'awaiting_reveal');
    await h.driver.postMessage({ userId: USERS.groupApprover, channel: APPROVAL_CHANNEL, text: 'deny too late', threadTs: message.ts });
    const told = await h.waitFor(() => ephemeralTexts(USERS.groupApprover).find((t) => /already decided/.test(t)));
    expect(told).toContain(USERS.approver);
  });
});

describe('bad requests', () => {
  it('rejects a bad signature and a stale timestamp with 401, and does nothing', async () => {
    const body = new URLSearchParams({ command: '/openai-key', text: 'request Support Bot sneak in a key please', user_id: USERS.requester, team_id: 'T0', channel_id: GENERAL_CHANNEL, response_url: 'http://127.0.0.1:9/none', trigger_id: 'x' }).toString();
    const before = h.slack.messages(APPROVAL_CHANNEL).length;
    const forged = await h.driver.sendRaw({ body, contentType: FORM, signature: 'v0=' + '0'.repeat(64) });
    expect(forged.status).toBe(401);
    const stale = await h.driver.sendRaw({ body, contentType: FORM, timestamp: Math.floor(Date.now() / 1000) - 6 * 60 });
    expect(stale.status).toBe(401);
    const fresh = await h.driver.sendRaw({ body, contentType: FORM, timestamp: Math.floor(Date.now() / 1000) - 4 * 60 });
    expect(fresh.status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    // only the fresh one got through (its reply URL is unreachable, which keywarden survives)
    expect(h.slack.messages(APPROVAL_CHANNEL).length).toBeLessThanOrEqual(before + 1);
  });

  it('answers garbage and oversized command text with a clear ephemeral error, the usage of that command only, and where the full help is', async () => {
    const cases = ['frobnicate the widgets', '\u0007\u0000 ☃ <script>alert(1)</script>', 'x'.repeat(5_000), 'revoke', 'request'.padEnd(4_100, ' y')];
    for (const text of cases) {
      const res = await h.driver.slashCommand({ userId: USERS.requester, text });
      expect(res.status).toBe(200);
      expect(res.ms).toBeLessThan(3000);
      const reply = JSON.parse(res.body) as { response_type: string; text: string; blocks: unknown[] };
      expect(reply.response_type).toBe('ephemeral');
      expect(reply.text.length).toBeGreaterThan(10);
      expect(res.body).not.toMatch(/at .*\.ts:\d+|TypeError|stack/);
      expect(JSON.stringify(reply.blocks)).toContain('`/openai-key help` lists everything');
      // never the whole 40-line help after an error
      expect(JSON.stringify(reply.blocks)).not.toContain('/openai-key audit');
    }
    // an error about one command shows that command's usage and an example
    const revoke = JSON.parse((await h.driver.slashCommand({ userId: USERS.requester, text: 'revoke' })).body) as { blocks: unknown[] };
    expect(JSON.stringify(revoke.blocks)).toContain('`/openai-key revoke &lt;request id | key id | masked key&gt;`');
    expect(JSON.stringify(revoke.blocks)).toContain('Example: `/openai-key revoke req_8f3k2m9q1z`');
    expect(JSON.stringify(revoke.blocks)).not.toContain('/openai-key ratelimit');
  });

  it('answers a negative rate limit with "positive whole number", and help <command> with that command only', async () => {
    const negative = JSON.parse((await h.driver.slashCommand({ userId: USERS.admin, text: 'ratelimit P gpt-4o rpm -5' })).body) as { text: string };
    expect(negative.text).toContain('It must be a positive whole number; "-5" is negative.');
    expect(negative.text).not.toContain('is not a number');
    const limitsOfPerson = JSON.parse((await h.driver.slashCommand({ userId: USERS.requester, text: 'limits <@U0APPROVER1|avery>' })).body) as { text: string };
    expect(limitsOfPerson.text).toContain('is a person or group, not a project');
    expect(limitsOfPerson.text).toContain('`/openai-key limits` lists every project');
    expect(limitsOfPerson.text).not.toContain('/openai-key request');
    const help = JSON.parse((await h.driver.slashCommand({ userId: USERS.requester, text: 'help cancel' })).body) as { text: string; blocks: unknown[] };
    expect(JSON.stringify(help.blocks)).toContain('The person who made the request, or an admin.');
    expect(JSON.stringify(help.blocks)).not.toContain('/openai-key audit');
    const unknown = JSON.parse((await h.driver.slashCommand({ userId: USERS.requester, text: 'help fly' })).body) as { text: string };
    expect(unknown.text).toContain('"fly" is not an /openai-key command');
    expect(unknown.text).toContain('`cancel`');
  });

  it('answers a too-short purpose once, with the request usage, not the same advice twice', async () => {
    const seen = h.slack.ephemerals(USERS.requester).length;
    await h.driver.slashCommand({ userId: USERS.requester, text: 'request Support Bot short', channelId: GENERAL_CHANNEL });
    const reply = await waitUntil(() => h.slack.ephemerals(USERS.requester).slice(seen).find((e) => /at least 10 characters/.test(e.text ?? '')));
    expect((reply.text ?? '').match(/10/g)).toHaveLength(1);
    expect(reply.text).not.toContain('Try:');
    expect(JSON.stringify(reply.blocks)).toContain('Example: `/openai-key request \\"Support Bot\\" answer support tickets faster`');
  });

  it('names the closest projects for an unknown one and refuses an archived one', async () => {
    await h.driver.slashCommand({ userId: USERS.requester, text: 'request Suport Bott answer tickets quickly' });
    const unknown = await h.waitFor(() => ephemeralTexts(USERS.requester).find((t) => /Support Bot/.test(t) && /no project|not find|unknown|Did you mean/i.test(t)));
    expect(unknown).toBeTruthy();
    await h.driver.slashCommand({ userId: USERS.requester, text: 'request Legacy Prototype revive the old demo please' });
    await h.waitFor(() => ephemeralTexts(USERS.requester).find((t) => /archived/i.test(t)));
  });
});

describe('OpenAI failing', () => {
  it('retries a 429 and then creates the key, saying so in the thread', async () => {
    h.openai.inject({ method: 'GET', path: /service_accounts$/, status: 429, retryAfterSeconds: 1, times: 1 });
    const { message, requestId } = await newRequest('request Support Bot classify inbound emails by topic');
    await h.driver.clickButton({ userId: USERS.approver, actionId: APPROVE, value: requestId, channel: APPROVAL_CHANNEL, messageTs: message.ts });
    const r = await h.waitForState(requestId, 'awaiting_reveal', 20_000);
    expect(r.serviceAccountId).toBeTruthy();
    await h.waitFor(() => h.slack.thread(APPROVAL_CHANNEL, message.ts).find((m) => /rate limiting/i.test(m.text)));
    expect(h.openai.serviceAccounts(h.projects.support).filter((sa) => sa.name === `keywarden-${requestId}`)).toHaveLength(1);
  });

  it('does not retry a 401, and says plainly that the admin key was refused', async () => {
    h.openai.inject({ method: 'GET', path: /service_accounts$/, status: 401, times: 1 });
    const { message, requestId } = await newRequest('request Support Bot detect duplicate tickets automatically');
    const calls = h.openai.calls.length;
    await h.driver.clickButton({ userId: USERS.approver, actionId: APPROVE, value: requestId, channel: APPROVAL_CHANNEL, messageTs: message.ts });
    const failed = await h.waitForState(requestId, 'failed');
    expect(failed.failure).toMatch(/OPENAI_ADMIN_KEY/);
    await h.waitFor(() => h.slack.thread(APPROVAL_CHANNEL, message.ts).find((m) => /OPENAI_ADMIN_KEY/.test(m.text)));
    await h.waitFor(() => h.slack.messages(h.slack.dmChannelOf(USERS.requester)).find((m) => /OPENAI_ADMIN_KEY/.test(m.text) || /could not|failed/i.test(m.text)));
    await new Promise((r) => setTimeout(r, 1500));
    // one attempt, refused, never retried; nothing was created (a sweep by name afterwards finds nothing to delete)
    const made = h.openai.calls.slice(calls).filter((c) => c.path.includes('service_accounts'));
    expect(made.filter((c) => c.status === 401)).toHaveLength(1);
    expect(made.filter((c) => c.method === 'POST')).toHaveLength(0);
    const parent = h.slack.message(APPROVAL_CHANNEL, message.ts);
    expect(actionIdsIn(parent)).toEqual([]);
  });
});

describe('Slack failing', () => {
  it('honours a 429 with Retry-After on a post, and posts the request message exactly once', async () => {
    h.slack.inject('chat.postMessage', { status: 429, retryAfterSeconds: 1, times: 1 });
    const before = h.slack.messages(APPROVAL_CHANNEL).length;
    const started = Date.now();
    await h.driver.slashCommand({ userId: USERS.requester, text: 'request Research Assistant tag papers by field of study', channelId: GENERAL_CHANNEL });
    const message = await h.waitFor(() => h.slack.messages(APPROVAL_CHANNEL).slice(before).find((m) => m.text.includes('Research Assistant')));
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    const requestId = h.requestIdOf(message);
    await new Promise((r) => setTimeout(r, 1500));
    expect(h.slack.messages(APPROVAL_CHANNEL).filter((m) => JSON.stringify(m.blocks).includes(requestId))).toHaveLength(1);
    const rateLimited = h.slack.callsTo('chat.postMessage').filter((c) => c.status === 429);
    expect(rateLimited.length).toBeGreaterThanOrEqual(1);
  });
});
