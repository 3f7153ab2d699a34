/**
 * Who may do what from a spend alert, against the real app over signed HTTP on loopback, the emulators and Redis,
 * on a fixed clock: the hard-cap notice's "Request a higher cap" gives a member a form that asks why, and what they
 * submit is only a request, changing nothing at OpenAI; a click on that button Slack did not sign (forged, changed to
 * name the admin, or older than 5 minutes) is refused with 401 and opens no form; and keywarden's own secrets are
 * never said in Slack nor logged while it polls, alerts, and meets OpenAI and Slack failing.
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { ACTION, INPUT } from '../../../src/platform/slack/ids.js';
import type { SlackMessage } from '../../../src/emulators/slack/index.js';
import { pollJobId } from '../../../src/spend/spendPoll.js';
import { APPROVAL_CHANNEL, REDIS_URL, SPEND_CHANNEL, USERS, actionIdsIn, type Harness } from '../../support/harness.js';
import { FORGED_SIGNATURE, captureSlackRequests, signedMinutesAgo, withPayload } from '../../support/capturedSlackRequests.js';
import { expectNoSecretsSaid } from '../../support/secretsSeen.js';
import { keywardenForSuite, suiteClock } from '../../support/suiteHarness.js';
import { capWrites, typed } from '../../limits/e2e/world.js';
import { SPEND_BASE, day, pause, repliesSettled, setLimits, statusOf } from './world.js';

let h: Harness;
const clock = suiteClock(SPEND_BASE);
keywardenForSuite((started) => (h = started), { clock });

/** Support Bot's hard-cap notice, with its "Request a higher cap" button. */
let notice: SlackMessage;

beforeAll(async () => {
  // Support Bot capped at $150 with $160 billed: the poll tells the hard cap
  await setLimits(h, 'Support Bot', h.projects.support, 'soft 100 hard 150 at 50,80,100');
  h.openai.addCost({ projectId: h.projects.support, day: day(14), usd: 160 });
  await h.app.pollSpendNow();
  const status = await h.waitFor(statusOf(h, h.projects.support), 20_000);
  const [told] = await repliesSettled(h, status.ts, 1);
  if (!told || !actionIdsIn(told).includes(ACTION.requestHigherCap)) throw new Error('no hard-cap notice with its button');
  notice = told;
});

/** Views shown to `userId` that are the limit form. */
const limitForms = (userId: string) => h.slack.views(userId).filter((v) => JSON.stringify(v.blocks).includes(INPUT.limitHard.block));

describe('the hard-cap notice’s "Request a higher cap"', () => {
  it('gives a member the form that asks why; what they submit only opens a request, and the cap stays at OpenAI', async () => {
    const before = await h.limitsOf(h.projects.support);
    const writes = capWrites(h, h.projects.support).length;
    const requests = h.slack.messages(APPROVAL_CHANNEL).length;
    const forms = limitForms(USERS.requester).length;
    await h.driver.clickButton({ userId: USERS.requester, actionId: ACTION.requestHigherCap, channel: SPEND_CHANNEL, messageTs: notice.ts });
    const form = await h.waitFor(() => limitForms(USERS.requester)[forms]);
    const why = (form.blocks as { block_id?: string; optional?: boolean }[]).find((b) => b.block_id === INPUT.limitReason.block);
    expect(why).toBeDefined();
    expect(why?.optional).not.toBe(true);

    const res = await h.driver.submitView({ userId: USERS.requester, viewId: form.id, values: typed({ hard: '300', reason: 'the launch needs more' }) as never });
    expect(res.status).toBe(200);
    expect((res.json as { response_action?: string } | undefined)?.response_action).toBeUndefined();
    const request = await h.waitFor(() => h.slack.messages(APPROVAL_CHANNEL).slice(requests).find((m) => /lim_[a-z0-9]+/.test(JSON.stringify(m.blocks))));
    expect(JSON.stringify(request)).toContain('Support Bot');
    expect(actionIdsIn(request)).toEqual([ACTION.approveLimitChange, ACTION.denyLimitChange]);
    await h.waitFor(() => h.slack.messages(h.slack.dmChannelOf(USERS.requester)).find((m) => /lim_[a-z0-9]+/.test(`${m.text} ${JSON.stringify(m.blocks)}`)));
    await pause(1_000);
    expect(capWrites(h, h.projects.support)).toHaveLength(writes);
    expect(h.openai.spendLimit(h.projects.support)?.threshold_amount).toBe(15_000);
    expect(await h.limitsOf(h.projects.support)).toEqual(before);
  });

  it('refuses a click Slack did not sign (forged, changed to name the admin, or 6 minutes old) with 401 and opens no form; as signed, it opens one', async () => {
    const capture = await captureSlackRequests(h, { passOn: false });
    try {
      await capture.driver.clickButton({ userId: USERS.requester, actionId: ACTION.requestHigherCap, channel: SPEND_CHANNEL, messageTs: notice.ts });
      const signed = capture.last();
      const asAdmin = withPayload(signed, (payload) => {
        payload.user.id = USERS.admin;
      });
      const views = { requester: h.slack.views(USERS.requester).length, admin: h.slack.views(USERS.admin).length };
      for (const forged of [{ ...signed, signature: FORGED_SIGNATURE }, asAdmin, signedMinutesAgo(signed, 6)]) {
        expect((await capture.send(forged)).status).toBe(401);
      }
      await pause(1_000);
      expect(h.slack.views(USERS.requester)).toHaveLength(views.requester);
      expect(h.slack.views(USERS.admin)).toHaveLength(views.admin);

      const forms = limitForms(USERS.requester).length;
      expect((await capture.send(signed)).status).toBe(200);
      await h.waitFor(() => limitForms(USERS.requester)[forms]);
      expect(h.slack.views(USERS.admin)).toHaveLength(views.admin);
    } finally {
      await capture.close();
    }
  });
});

describe('keywarden’s own secrets', () => {
  it('are never said in Slack nor logged while it polls and alerts, OpenAI refusing the admin key and failing, Slack rate limiting', async () => {
    const project = h.openai.addProject({ name: 'Secret Scan' }).id;
    await setLimits(h, 'Secret Scan', project, 'soft 10 at 50');
    h.openai.addCost({ projectId: project, day: day(14), usd: 6 });
    // a poll queued as the clock queues it, which OpenAI refuses: the worker logs the failure
    const connection = new Redis(REDIS_URL, { protocol: 2, maxRetriesPerRequest: null });
    const spendQueue = new Queue('spend', { connection, prefix: `${h.namespace}:{kw}` });
    let failed = '';
    try {
      h.openai.inject({ method: 'GET', path: /\/costs$/, status: 401, times: 1 });
      await spendQueue.add('poll-spend', { tickAt: clock.now() }, { jobId: pollJobId(clock.now()), attempts: 1 });
      failed = await h.waitFor(() => h.logLines.find((l) => l.includes('job failed')));
    } finally {
      await spendQueue.close();
      connection.disconnect();
    }
    h.openai.inject({ method: 'GET', path: /\/costs$/, status: 500, times: 2 });
    h.slack.inject('chat.postMessage', { status: 429, retryAfterSeconds: 1, times: 2 });
    await h.app.pollSpendNow().catch(() => undefined);
    await h.app.pollSpendNow();
    await h.waitFor(statusOf(h, project), 20_000);
    expect(h.openai.callsTo('GET', /\/costs$/).filter((c) => c.status === 401)).toHaveLength(1);
    expect(h.slack.callsTo('chat.postMessage').filter((c) => c.status === 429).length).toBeGreaterThanOrEqual(1);
    expect(failed).toMatch(/OPENAI_ADMIN_KEY/); // the refusal is logged, in words
    expectNoSecretsSaid(h);
  });
});
