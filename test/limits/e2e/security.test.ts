/**
 * Who may do what with limits, against the real app over signed HTTP on loopback, the emulators and Redis: a
 * member's change (by command or by the limit form) is only a request and changes nothing at OpenAI until an
 * approver approves it; nobody decides their own request, and nobody but an approver decides one at all; rate
 * limits and the audit log are for admins; a request Slack did not sign (forged, unsigned, altered, smuggled as an
 * SSL check, or older than 5 minutes) is refused and changes nothing, and one Slack did sign, sent again, decides
 * nothing twice; keywarden's own secrets are never said in Slack nor logged.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ACTION } from '../../../src/platform/slack/ids.js';
import type { SlackMessage } from '../../../src/emulators/slack/index.js';
import { APPROVAL_CHANNEL, GENERAL_CHANNEL, SPEND_CHANNEL, USERS, actionIdsIn, waitUntil, type Harness } from '../../support/harness.js';
import { FORGED_SIGNATURE, captureSlackRequests, signedMinutesAgo, withFields, withPayload, type SlackRequestCapture } from '../../support/capturedSlackRequests.js';
import { expectNoSecretsSaid } from '../../support/secretsSeen.js';
import { keywardenForSuite } from '../../support/suiteHarness.js';
import { ask, capWrites, limitSupportBot, openHigherCapForm, requestChange, textOf, typed } from './world.js';

let h: Harness;
keywardenForSuite((started) => (h = started));

const limitsOf = (projectId: string) => h.limitsOf(projectId);
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Audit entries (field, value, field, value…) about `target` with this outcome. */
const audited = async (target: string, outcome: string) =>
  (await h.redis.xrange(`${h.namespace}:{kw}:audit`, '-', '+')).filter(([, f]) => f.includes(target) && f.includes(outcome));

/** Runs `use` with a capture of Slack's requests (see captureSlackRequests), closed after. */
async function withCapture<T>(passOn: boolean, use: (capture: SlackRequestCapture) => Promise<T>): Promise<T> {
  const capture = await captureSlackRequests(h, { passOn });
  try {
    return await use(capture);
  } finally {
    await capture.close();
  }
}

beforeAll(async () => {
  // Support Bot at soft $1,250.50, hard $2,000, announced in #openai-spend; Research Assistant capped at $500
  await limitSupportBot(h);
  await ask(h, USERS.admin, 'limit "Research Assistant" soft 300 hard 500');
  await waitUntil(async () => (await limitsOf(h.projects.research))?.hardCents === 50_000, 15_000, 'Research Assistant limits stored');
  // both announced (posts to a channel are paced at one a second)
  await h.waitFor(() => h.slack.messages(SPEND_CHANNEL).find((m) => textOf(m).includes('Research Assistant')));
});

/** The member's change of Support Bot opened by the first test, still waiting for an approver. */
let pending: { message: SlackMessage; requestId: string };

describe('a member changing limits', () => {
  it('becomes a request: nothing changes at OpenAI or in keywarden, and nothing is announced, until an approver approves', async () => {
    const before = await limitsOf(h.projects.support);
    const writes = capWrites(h, h.projects.support).length;
    const announcements = h.slack.messages(SPEND_CHANNEL).length;
    pending = await requestChange(h, 'limit "Support Bot" soft 100 hard 5k');
    expect(pending.requestId).toMatch(/^lim_/);
    expect(actionIdsIn(pending.message)).toEqual([ACTION.approveLimitChange, ACTION.denyLimitChange]);
    await pause(1_000);
    expect(capWrites(h, h.projects.support)).toHaveLength(writes);
    expect(h.openai.spendLimit(h.projects.support)?.threshold_amount).toBe(200_000);
    expect(await limitsOf(h.projects.support)).toEqual(before);
    expect(h.slack.messages(SPEND_CHANNEL)).toHaveLength(announcements);
    expect(h.slack.messages(SPEND_CHANNEL).filter((m) => /5,000\.00/.test(textOf(m)))).toHaveLength(0);
  });

  it('is refused when the requester approves it themselves, and denied with a reason by button', async () => {
    // an approver (not an admin) asks, so their own click is a self-approval
    const { message, requestId } = await requestChange(h, 'limit "Research Assistant" hard 900', USERS.approver);
    await h.driver.clickButton({ userId: USERS.approver, actionId: ACTION.approveLimitChange, value: requestId, channel: APPROVAL_CHANNEL, messageTs: message.ts });
    await h.waitFor(() => h.slack.ephemerals(USERS.approver).find((e) => /your own/i.test(`${e.text} ${JSON.stringify(e.blocks)}`)));
    const views = h.slack.views(USERS.groupApprover).length;
    await h.driver.clickButton({ userId: USERS.groupApprover, actionId: ACTION.denyLimitChange, value: requestId, channel: APPROVAL_CHANNEL, messageTs: message.ts });
    const form = await h.waitFor(() => h.slack.views(USERS.groupApprover).slice(views).at(-1));
    await h.driver.submitView({ userId: USERS.groupApprover, viewId: form.id, values: { 'kw.in.reason': { 'kw.in.reason.text': { type: 'plain_text_input', value: 'wait for next quarter' } } } });
    await h.waitFor(() => h.slack.messages(h.slack.dmChannelOf(USERS.approver)).find((m) => /wait for next quarter/.test(m.text)));
    const audit = await h.redis.xrange(`${h.namespace}:{kw}:audit`, '-', '+');
    expect(audit.some(([, f]) => f.includes(requestId) && f.includes('refused:self_decision'))).toBe(true);
    expect((await limitsOf(h.projects.research))?.hardCents).toBe(50_000);
    expect(h.openai.spendLimit(h.projects.research)?.threshold_amount).toBe(50_000);
  });

  it('is decided by no one who is not an approver: their Approve click and thread reply are refused, their Deny only explains', async () => {
    const { message, requestId } = pending;
    const writes = capWrites(h, h.projects.support).length;
    await h.driver.clickButton({ userId: USERS.outsider, actionId: ACTION.approveLimitChange, value: requestId, channel: APPROVAL_CHANNEL, messageTs: message.ts });
    await h.waitFor(() => h.slack.ephemerals(USERS.outsider).find((e) => /only approvers/i.test(textOf(e))));
    await h.driver.postMessage({ userId: USERS.outsider, channel: APPROVAL_CHANNEL, text: 'approve', threadTs: message.ts });
    await waitUntil(async () => (await audited(requestId, 'refused:not_approver')).length === 2, 15_000, 'both refusals audited');

    const views = h.slack.views(USERS.outsider).length;
    await h.driver.clickButton({ userId: USERS.outsider, actionId: ACTION.denyLimitChange, value: requestId, channel: APPROVAL_CHANNEL, messageTs: message.ts });
    const explained = await h.waitFor(() => {
      const view = h.slack.views(USERS.outsider).slice(views).at(-1);
      return view && /Cannot deny/.test(JSON.stringify(view)) ? view : undefined;
    });
    expect(JSON.stringify(explained.blocks)).toMatch(/only approvers/i);

    await pause(500);
    expect((await h.request(requestId))?.state).toBe('pending');
    expect(actionIdsIn(h.slack.message(APPROVAL_CHANNEL, message.ts))).toEqual([ACTION.approveLimitChange, ACTION.denyLimitChange]);
    expect(capWrites(h, h.projects.support)).toHaveLength(writes);
    expect(h.openai.spendLimit(h.projects.support)?.threshold_amount).toBe(200_000);
  });
});

describe('rate limits and the audit log, for admins', () => {
  beforeAll(async () => {
    // a change OpenAI refused, for the audit log to show
    h.openai.inject({ method: 'POST', path: /spend_limit$/, status: 400, message: 'threshold_amount exceeds your organization budget', times: 1 });
    expect(await ask(h, USERS.admin, 'limit "Support Bot" hard 5000')).toMatch(/OpenAI did not accept/);
  });

  it('lets an admin change a model’s rate limit at OpenAI, and refuses a member', async () => {
    const refused = await ask(h, USERS.requester, 'ratelimit "Support Bot" gpt-4o-mini rpm 100');
    expect(refused).toMatch(/Only admins/);
    const shown = await ask(h, USERS.admin, 'ratelimit "Support Bot"');
    expect(shown).toMatch(/gpt-4o-mini/);
    const changed = await ask(h, USERS.admin, 'ratelimit "Support Bot" gpt-4o-mini rpm 100 tpm 20k');
    expect(changed).toMatch(/100/);
    const limit = h.openai.rateLimits(h.projects.support).find((r) => r.model === 'gpt-4o-mini');
    expect(limit?.max_requests_per_1_minute).toBe(100);
    expect(limit?.max_tokens_per_1_minute).toBe(20_000);
  });

  describe('the audit log', () => {
    it('shows admins the audit log, newest first, and refuses members', async () => {
      expect(await ask(h, USERS.requester, 'audit')).toMatch(/Only admins/);
      const log = await ask(h, USERS.admin, 'audit "Support Bot" 7');
      expect(log).toMatch(/changed the spend limits of \*Support Bot\*/);
      expect(log).toMatch(/changed the rate limits of `gpt-4o-mini`[^"]* — requests a minute 100, tokens a minute 20,000/);
      expect(log).toMatch(/tried to change the spend limits of \*Support Bot\*: OpenAI refused/);
      // the channel set in the first change is a real channel link, not escaped text
      expect(log).toContain(`<#${SPEND_CHANNEL}>`);
    });

    it('says every audit entry in words: names, mentions, dollars, no internal codes', async () => {
      const log = await ask(h, USERS.admin, 'audit');
      expect(log).toMatch(/tried to approve the limit change `lim_[a-z0-9]+` in \*Research Assistant\*: refused: nobody decides their own request/);
      expect(log).toMatch(/<@U[A-Z0-9]+> denied the limit change/);
      expect(log).not.toMatch(/refused:\S|self_decision|none cents|\\"rpm|applied:v\d|&lt;#C|limits\.change|ratelimit\.change/);
      expect(log).not.toContain(h.projects.support);
      expect(log).not.toContain(h.projects.research);
    });
  });
});

describe('requests Slack did not sign', () => {
  it('refuses an admin’s `limit` forged, unsigned, altered or 6 minutes old (401), or smuggled as an SSL check, changing nothing; as Slack signed it, it applies', async () => {
    await withCapture(false, async (capture) => {
      await capture.driver.slashCommand({ userId: USERS.admin, text: 'limit "Support Bot" hard 3k', channelId: GENERAL_CHANNEL });
      const signed = capture.last();
      const before = await limitsOf(h.projects.support);
      const writes = capWrites(h, h.projects.support).length;
      const answers = h.slack.responseUrlPosts.length;
      const announcements = h.slack.messages(SPEND_CHANNEL).length;

      const higher = withFields(signed, { text: 'limit "Support Bot" hard 9k' });
      expect(higher.body).not.toBe(signed.body);
      for (const forged of [{ ...signed, signature: FORGED_SIGNATURE }, { ...signed, signature: '' }, higher, signedMinutesAgo(signed, 6)]) {
        expect((await capture.send(forged)).status).toBe(401);
      }
      // Slack's SSL check needs no signature: the command riding along with it is not run
      expect((await capture.send({ ...withFields(signed, { ssl_check: '1' }), signature: '' })).status).toBe(200);

      await pause(1_000);
      expect(await limitsOf(h.projects.support)).toEqual(before);
      expect(capWrites(h, h.projects.support)).toHaveLength(writes);
      expect(h.slack.responseUrlPosts).toHaveLength(answers);
      expect(h.slack.messages(SPEND_CHANNEL)).toHaveLength(announcements);

      expect((await capture.send(signed)).status).toBe(200);
      await waitUntil(async () => (await limitsOf(h.projects.support))?.hardCents === 300_000, 15_000, 'the signed change applied');
      expect(h.openai.spendLimit(h.projects.support)?.threshold_amount).toBe(300_000);
    });
  });

  it('refuses a non-approver’s click changed to name an approver, and an approver’s click 6 minutes old; the request stays pending', async () => {
    const { message, requestId } = pending;
    const writes = capWrites(h, h.projects.support).length;
    await withCapture(false, async (capture) => {
      await capture.driver.clickButton({ userId: USERS.outsider, actionId: ACTION.approveLimitChange, value: requestId, channel: APPROVAL_CHANNEL, messageTs: message.ts });
      const asApprover = withPayload(capture.last(), (payload) => {
        payload.user.id = USERS.approver;
      });
      expect((await capture.send(asApprover)).status).toBe(401);
      await capture.driver.clickButton({ userId: USERS.approver, actionId: ACTION.approveLimitChange, value: requestId, channel: APPROVAL_CHANNEL, messageTs: message.ts });
      expect((await capture.send(signedMinutesAgo(capture.last(), 6))).status).toBe(401);
    });
    await pause(1_000);
    expect((await h.request(requestId))?.state).toBe('pending');
    expect(await audited(requestId, 'approved')).toHaveLength(0);
    expect(capWrites(h, h.projects.support)).toHaveLength(writes);
    expect(h.openai.spendLimit(h.projects.support)?.threshold_amount).toBe(300_000);
  });

  it('refuses a member’s limit form altered to name another project (401); as Slack signed it, it only opens a request', async () => {
    const supportBefore = await limitsOf(h.projects.support);
    const researchBefore = await limitsOf(h.projects.research);
    const writes = capWrites(h, h.projects.support).length + capWrites(h, h.projects.research).length;
    const requests = h.slack.messages(APPROVAL_CHANNEL).length;
    const form = await openHigherCapForm(h, USERS.requester, h.projects.support);
    await withCapture(false, async (capture) => {
      await capture.driver.submitView({ userId: USERS.requester, viewId: form.id, values: typed({ hard: '6000', reason: 'the launch needs more' }) as never });
      const signed = capture.last();
      const elsewhere = withPayload(signed, (payload) => {
        if (payload.view) payload.view.private_metadata = JSON.stringify({ projectId: h.projects.research, higherCap: '1' });
      });
      expect(elsewhere.body).not.toBe(signed.body);
      expect((await capture.send(elsewhere)).status).toBe(401);
      await pause(500);
      expect(h.slack.messages(APPROVAL_CHANNEL)).toHaveLength(requests);

      expect((await capture.send(signed)).status).toBe(200);
    });
    const request = await h.waitFor(() => h.slack.messages(APPROVAL_CHANNEL).slice(requests).find((m) => /lim_[a-z0-9]+/.test(JSON.stringify(m.blocks))));
    expect(textOf(request)).toContain('Support Bot');
    expect(textOf(request)).not.toContain('Research Assistant');
    await pause(500);
    expect(h.slack.messages(APPROVAL_CHANNEL)).toHaveLength(requests + 1);
    expect(capWrites(h, h.projects.support).length + capWrites(h, h.projects.research).length).toBe(writes);
    expect(await limitsOf(h.projects.support)).toEqual(supportBefore);
    expect(await limitsOf(h.projects.research)).toEqual(researchBefore);
  });
});

describe('a request Slack signed, sent again', () => {
  // A replay repeats the signature too (an HMAC of the timestamp and body): keywarden acknowledges it with an empty
  // 200 and handles it no more, whatever it is (a click, an admin's command, a member's command).
  it('decides an approval once: the same signed click again is acknowledged and changes neither OpenAI nor the record', async () => {
    const { message, requestId } = await requestChange(h, 'limit "Research Assistant" hard 700');
    const writes = capWrites(h, h.projects.research).length;
    await withCapture(true, async (capture) => {
      await capture.driver.clickButton({ userId: USERS.approver, actionId: ACTION.approveLimitChange, value: requestId, channel: APPROVAL_CHANNEL, messageTs: message.ts });
      await waitUntil(async () => (await limitsOf(h.projects.research))?.hardCents === 70_000, 15_000, 'the approved change applied');
      const applied = await limitsOf(h.projects.research);
      const announced = () => h.slack.messages(SPEND_CHANNEL).filter((m) => m.text.includes('Research Assistant') && /700\.00/.test(textOf(m)));
      await h.waitFor(() => announced()[0]);
      const ephemerals = h.slack.ephemerals(USERS.approver).length;

      const replayed = await capture.send(capture.last());
      expect(replayed.status).toBe(200);
      expect(replayed.body).toBe('');
      await pause(1_500);
      expect(await audited(requestId, 'approved')).toHaveLength(1);
      expect(await audited(requestId, 'refused:already_decided')).toHaveLength(0);
      expect(h.slack.ephemerals(USERS.approver)).toHaveLength(ephemerals);
      expect(capWrites(h, h.projects.research)).toHaveLength(writes + 1);
      expect(await limitsOf(h.projects.research)).toEqual(applied);
      expect(announced()).toHaveLength(1);
    });
  });

  it('handles an admin’s `limit` once: sent again, it is acknowledged, answered no more, and changes nothing', async () => {
    await withCapture(true, async (capture) => {
      const sent = await capture.driver.slashCommand({ userId: USERS.admin, text: 'limit "Research Assistant" soft 350', channelId: GENERAL_CHANNEL });
      await waitUntil(async () => (await limitsOf(h.projects.research))?.softCents === 35_000, 15_000, 'the change applied');
      const applied = await limitsOf(h.projects.research);
      const announced = () => h.slack.messages(SPEND_CHANNEL).filter((m) => m.text.includes('Research Assistant') && /350\.00/.test(textOf(m)));
      await h.waitFor(() => announced()[0]);
      const writes = capWrites(h, h.projects.research).length;
      const answers = () => h.slack.responseUrlPosts.filter((p) => p.url === sent.responseUrl);
      await h.waitFor(() => answers()[0]);

      expect((await capture.send(capture.last())).status).toBe(200);
      await pause(1_500);
      expect(answers()).toHaveLength(1);
      expect(await limitsOf(h.projects.research)).toEqual(applied);
      expect(capWrites(h, h.projects.research)).toHaveLength(writes);
      expect(announced()).toHaveLength(1);
    });
  });

  it('opens one request for a member’s `limit` sent again with its signature, not a second one', async () => {
    await withCapture(true, async (capture) => {
      const before = h.slack.messages(APPROVAL_CHANNEL).length;
      const limitRequests = () => h.slack.messages(APPROVAL_CHANNEL).slice(before).filter((m) => /lim_[a-z0-9]{10}/.test(JSON.stringify(m.blocks)));
      await capture.driver.slashCommand({ userId: USERS.requester, text: 'limit "Research Assistant" hard 650', channelId: GENERAL_CHANNEL });
      await h.waitFor(() => limitRequests()[0]);

      expect((await capture.send(capture.last())).status).toBe(200);
      await pause(2_000);
      expect(limitRequests()).toHaveLength(1);
    });
  });
});

describe('keywarden’s own secrets', () => {
  it('are never said in Slack nor logged through these flows, an admin key OpenAI refuses included', async () => {
    h.openai.inject({ method: 'POST', path: /spend_limit$/, status: 401, times: 1 });
    expect(await ask(h, USERS.admin, 'limit "Support Bot" hard 8k')).toMatch(/OPENAI_ADMIN_KEY/);
    expectNoSecretsSaid(h);
  });
});
