/** The `get_project_spend` Workflow Builder step, run as Slack runs it (test/support/workflowSteps.ts). */
import { describe, expect, it } from 'vitest';
import { STEP } from '../../../src/platform/slack/ids.js';
import { GENERAL_CHANNEL, USERS, waitUntil, type Harness } from '../../support/harness.js';
import { runStep, withStepsHarness } from '../../support/workflowSteps.js';

const day = (d: number) => Math.floor(Date.UTC(2026, 10, d, 10) / 1000);

describe.each(['http', 'socket'] as const)('Workflow Builder steps over %s', (mode) => {
  let h: Harness;
  withStepsHarness(mode, (started) => (h = started));

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
  // nothing listens on port 1: keywarden starts, cannot reach Redis, and must still answer every step
  withStepsHarness('http', (started) => (h = started), { REDIS_URL: 'redis://127.0.0.1:1' });

  it.each([
    { step: STEP.projectSpend, inputs: { project: 'Support Bot' }, prefix: 'No spend figures' },
  ])('completes $step with an error saying the store cannot be reached', async ({ step, inputs, prefix }) => {
    const run = await runStep(h, step, inputs);
    expect(run.state).toBe('failed');
    expect(run.error).toBe(`${prefix}: keywarden cannot reach its store right now, try again in a minute.`);
  }, 20_000);
});
