/**
 * keywarden's Workflow Builder steps, run as Slack runs them: the emulator declares the steps from manifest.yml,
 * the driver sends `function_executed` (over signed HTTP and over Socket Mode) with an execution id and an execution
 * bot token, and keywarden completes each step once through functions.completeSuccess / functions.completeError.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { functionDefinitionsOf, type ManifestFunctions, type SlackFunctionExecution } from '../../../src/emulators/slack/index.js';
import { STEP } from '../../../src/listeners/functions/outputs.js';
import { APPROVAL_CHANNEL, APPROVE, GENERAL_CHANNEL, USERS, startHarness, waitUntil, type Harness, type HarnessMode } from '../../support/harness.js';

const manifestPath = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../manifest.yml');
const declaredSteps = () => functionDefinitionsOf((parse(readFileSync(manifestPath, 'utf8')) as { functions: ManifestFunctions }).functions);

// 15 Nov 2026, 12:00 UTC: mid-month whatever day the tests run
const BASE = Date.UTC(2026, 10, 15, 12, 0, 0);
const started = Date.now();
const now = () => BASE + (Date.now() - started);
const day = (d: number) => Math.floor(Date.UTC(2026, 10, d, 10) / 1000);

async function startWithSteps(mode: HarnessMode, env: Record<string, string> = {}): Promise<Harness> {
  const h = await startHarness({ mode, now, env });
  h.slack.functions.define(declaredSteps());
  return h;
}

/** Runs a step and waits until keywarden has completed it (successfully or not). */
async function runStep(h: Harness, callbackId: string, inputs: Record<string, unknown>): Promise<SlackFunctionExecution & { eventId: string }> {
  const sent = await h.driver.executeFunction({ callbackId, inputs });
  expect(sent.status).toBe(200);
  const done = await h.waitFor(() => {
    const e = h.slack.functions.execution(sent.executionId);
    return e && e.state !== 'running' ? e : undefined;
  });
  return { ...done, eventId: sent.eventId };
}

const requestMessages = (h: Harness) => h.slack.messages(APPROVAL_CHANNEL).filter((m) => /req_[a-z2-7]{10}/.test(JSON.stringify(m.blocks ?? [])));

describe.each(['http', 'socket'] as const)('Workflow Builder steps over %s', (mode) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startWithSteps(mode);
  }, 30_000);
  afterAll(async () => {
    await h?.stop();
  });

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

  describe('get_project_spend', () => {
    it('says plainly that there are no figures before a poll has found any', async () => {
      const run = await runStep(h, STEP.projectSpend, { project: 'Research Assistant' });
      expect(run.state).toBe('failed');
      expect(run.error).toMatch(/no spend figures for "Research Assistant" for November 2026/);
    });

    it('gives month to date, limits and the forecast date from the last poll, not from OpenAI on each run', async () => {
      const admin = await h.driver.slashCommand({ userId: USERS.admin, text: 'limit "Support Bot" soft 100 hard 150', channelId: GENERAL_CHANNEL });
      expect(admin.status).toBe(200);
      await waitUntil(async () => (await h.redis.exists(`${h.namespace}:{kw}:limits:${h.projects.support}`)) === 1, 15_000, 'limits stored');
      h.openai.addCost({ projectId: h.projects.support, day: day(14), usd: 55 });
      h.openai.addCost({ projectId: h.projects.research, day: day(14), usd: 1234.56 });
      await h.app.pollSpendNow();

      const costsReads = () => h.openai.callsTo('GET', /\/costs/).length;
      const readsBefore = costsReads();
      const run = await runStep(h, STEP.projectSpend, { project: 'Support Bot' });
      expect(run.state).toBe('completed');
      expect(run.outputs).toEqual({
        project_name: 'Support Bot',
        month: 'November 2026',
        month_to_date: '$55.00',
        month_to_date_dollars: 55,
        soft_limit: '$100.00',
        soft_limit_dollars: 100,
        hard_cap: '$150.00',
        hard_cap_dollars: 150,
        forecast: expect.stringMatching(/^about \$\d[\d,]*\.\d\d by month end, at \$7\.86 a day$/),
        // 55 in the last week: at that pace the month passes the $150 cap on 27 Nov
        forecast_date: '2026-11-27',
        polled_at: expect.any(Number),
      });

      // a project without limits: its month-to-date total, no forecast, no limits
      const research = await runStep(h, STEP.projectSpend, { project: h.projects.research });
      expect(research.state).toBe('completed');
      expect(research.outputs).toMatchObject({
        project_name: 'Research Assistant',
        month_to_date: '$1,234.56',
        month_to_date_dollars: 1234.56,
        soft_limit: 'none set',
        hard_cap: 'none set',
        forecast: expect.stringMatching(/^none: /),
      });
      expect(research.outputs).not.toHaveProperty('hard_cap_dollars');
      expect(research.outputs).not.toHaveProperty('forecast_date');
      expect(costsReads()).toBe(readsBefore);
    });

    it('refuses an unknown project with the closest names', async () => {
      const run = await runStep(h, STEP.projectSpend, { project: 'Research Asistant' });
      expect(run.state).toBe('failed');
      expect(run.error).toBe('No project is named "Research Asistant". Did you mean "Research Assistant"?');
    });

    it('runs once when Slack delivers the event again', async () => {
      const run = await runStep(h, STEP.projectSpend, { project: 'Support Bot' });
      await h.driver.redeliverEvent({ eventId: run.eventId, retryNum: 1 });
      await h.driver.redeliverAsNewEvent(run.eventId);
      await new Promise((r) => setTimeout(r, 800));
      expect(h.slack.functions.execution(run.id)?.completions).toHaveLength(1);
      expect(h.slack.callsTo('functions.completeSuccess').filter((c) => c.args.function_execution_id === run.id)).toHaveLength(1);
    });
  });
});

describe('Workflow Builder steps with the store down', () => {
  let h: Harness;
  beforeAll(async () => {
    // nothing listens on port 1: keywarden starts, cannot reach Redis, and must still answer every step
    h = await startWithSteps('http', { REDIS_URL: 'redis://127.0.0.1:1' });
  }, 30_000);
  afterAll(async () => {
    await h?.stop();
  }, 30_000);

  it.each([
    { step: STEP.requestKey, inputs: { requester: USERS.requester, project: 'Support Bot', purpose: 'answer support tickets faster' }, prefix: 'The key request was not sent' },
    { step: STEP.projectSpend, inputs: { project: 'Support Bot' }, prefix: 'No spend figures' },
  ])('completes $step with an error saying the store cannot be reached', async ({ step, inputs, prefix }) => {
    const run = await runStep(h, step, inputs);
    expect(run.state).toBe('failed');
    expect(run.error).toBe(`${prefix}: keywarden cannot reach its store right now, try again in a minute.`);
  }, 20_000);
});
