/** The `request_openai_key` Workflow Builder step, run as Slack runs it (test/support/workflowSteps.ts). */
import { describe, expect, it } from 'vitest';
import { STEP } from '../../../src/platform/slack/ids.js';
import { APPROVAL_CHANNEL, APPROVE, USERS, type Harness } from '../../support/harness.js';
import { runStep, withStepsHarness } from '../../support/workflowSteps.js';

const requestMessages = (h: Harness) => h.slack.messages(APPROVAL_CHANNEL).filter((m) => /req_[a-z2-7]{10}/.test(JSON.stringify(m.blocks ?? [])));

describe.each(['http', 'socket'] as const)('Workflow Builder steps over %s', (mode) => {
  let h: Harness;
  withStepsHarness(mode, (started) => (h = started));

  describe('request_openai_key', () => {
    it('opens a request as /openai-key request does, posts its approval message, and completes with its id and state', async () => {
      const run = await runStep(h, STEP.requestKey, {
        requester: USERS.requester,
        project: 'Support Bot',
        purpose: 'answer support tickets faster',
        lifetime_days: 30,
      });
      expect(run.state).toBe('completed');
      expect(run.outputs).toEqual({ request_id: expect.stringMatching(/^req_[a-z2-7]{10}$/), state: 'pending', state_text: 'waiting for an approver' });
      const requestId = run.outputs?.request_id as string;
      const stored = await h.request(requestId);
      expect(stored).toMatchObject({ requesterId: USERS.requester, projectId: h.projects.support, lifetimeDays: 30, state: 'pending' });

      // the same approval message and thread as a slash-command request, decided under the same policy
      const message = await h.waitFor(() => requestMessages(h).find((m) => h.requestIdOf(m) === requestId));
      const self = await h.driver.clickButton({ userId: USERS.requester, actionId: APPROVE, channel: APPROVAL_CHANNEL, messageTs: message.ts });
      expect(self.status).toBe(200);
      expect((await h.request(requestId))?.state).toBe('pending');
      await h.driver.clickButton({ userId: USERS.approver, actionId: APPROVE, channel: APPROVAL_CHANNEL, messageTs: message.ts });
      await h.waitForState(requestId, 'awaiting_reveal');

      // completed with the execution's own token: Slack accepted the call, and the token is spent now
      const completion = h.slack.callsTo('functions.completeSuccess').filter((c) => c.args.function_execution_id === run.id);
      expect(completion.map((c) => c.ok)).toEqual([true]);
    });

    it('opens one request when Slack delivers the event again (a retry, and again under a new event id)', async () => {
      const before = requestMessages(h).length;
      const stored = async () => (await h.redis.keys(`${h.namespace}:{kw}:request:req_*`)).length;
      const storedBefore = await stored();
      const run = await runStep(h, STEP.requestKey, { requester: USERS.admin, project: 'Research Assistant', purpose: 'summarise research papers weekly' });
      expect(run.state).toBe('completed');
      expect(run.outputs?.state).toBe('pending');
      const retried = await h.driver.redeliverEvent({ eventId: run.eventId, retryNum: 1 });
      expect(retried.status).toBe(200);
      const again = await h.driver.redeliverAsNewEvent(run.eventId);
      expect(again.status).toBe(200);
      await h.waitFor(() => requestMessages(h).length === before + 1);
      await new Promise((r) => setTimeout(r, 1_500));
      expect(requestMessages(h)).toHaveLength(before + 1);
      expect(await stored()).toBe(storedBefore + 1);
      const execution = h.slack.functions.execution(run.id);
      expect(execution?.completions.map((c) => c.method)).toEqual(['functions.completeSuccess']);
    });

    it.each([
      { what: 'a misspelt project, with the closest name', inputs: { project: 'Suport Bot' }, error: /No project is named "Suport Bot"\. Did you mean "Support Bot"\?/ },
      { what: 'an archived project', inputs: { project: 'Legacy Prototype' }, error: /"Legacy Prototype" is archived/ },
      { what: 'a purpose too short', inputs: { purpose: 'evals' }, error: /at least 10 characters/ },
      { what: 'a lifetime over the maximum', inputs: { lifetime_days: 365 }, error: /at most 90 days; you asked for 365/ },
      { what: 'a lifetime of zero', inputs: { lifetime_days: 0 }, error: /at least 1 day/ },
    ])('refuses $what with completeError in plain words, and sends nothing', async ({ inputs, error }) => {
      const before = requestMessages(h).length;
      const run = await runStep(h, STEP.requestKey, { requester: USERS.outsider, project: 'Support Bot', purpose: 'try the new models on our data', ...inputs });
      expect(run.state).toBe('failed');
      expect(run.error).toMatch(/^The key request was not sent: /);
      expect(run.error).toMatch(error);
      expect(run.error).not.toMatch(/\n\s+at |Error:|undefined|\[object/);
      await new Promise((r) => setTimeout(r, 300));
      expect(requestMessages(h)).toHaveLength(before);
    });

    it('refuses a second request while the requester has one waiting for the same project, naming it', async () => {
      const first = await runStep(h, STEP.requestKey, { requester: USERS.groupApprover, project: 'Support Bot', purpose: 'build an internal search tool' });
      expect(first.state).toBe('completed');
      const second = await runStep(h, STEP.requestKey, { requester: USERS.groupApprover, project: 'Support Bot', purpose: 'build an internal search tool' });
      expect(second.state).toBe('failed');
      expect(second.error).toContain(first.outputs?.request_id as string);
      expect(second.error).toMatch(/already has a request waiting for an approver/);
    });
  });
});

describe('Workflow Builder steps with the store down', () => {
  let h: Harness;
  // nothing listens on port 1: keywarden starts, cannot reach Redis, and must still answer every step
  withStepsHarness('http', (started) => (h = started), { REDIS_URL: 'redis://127.0.0.1:1' });

  it.each([
    { step: STEP.requestKey, inputs: { requester: USERS.requester, project: 'Support Bot', purpose: 'answer support tickets faster' }, prefix: 'The key request was not sent' },
  ])('completes $step with an error saying the store cannot be reached', async ({ step, inputs, prefix }) => {
    const run = await runStep(h, step, inputs);
    expect(run.state).toBe('failed');
    expect(run.error).toBe(`${prefix}: keywarden cannot reach its store right now, try again in a minute.`);
  }, 20_000);
});
