/**
 * What goes wrong with limits, against the real app, the emulators and Redis: OpenAI refusing a cap leaves
 * everything as it was; every bad `limit` (and bad temporary raise) is answered clearly with nothing changed; the
 * higher-cap form refuses in the form what can be checked against the stored limits and the month's spend
 * (`response_action: errors`, within Slack's 3 s), and stays open with what was typed.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { INPUT } from '../../../src/platform/slack/ids.js';
import { APPROVAL_CHANNEL, PRIVATE_CHANNEL, USERS, type Harness } from '../../support/harness.js';
import { keywardenForSuite, suiteClock } from '../../support/suiteHarness.js';
import { ask, limitSupportBot, openHigherCapForm, submitLimitForm, supportBotOverItsCapSuite } from './world.js';

let h: Harness;
const limitsOf = (projectId: string) => h.limitsOf(projectId);

describe('a limit change that cannot be made', () => {
  keywardenForSuite((started) => (h = started));
  // Support Bot at soft $1,250.50, hard $2,000 (set at OpenAI)
  beforeAll(async () => {
    await limitSupportBot(h);
  });

  describe('OpenAI refusing the cap', () => {
    it('leaves everything unchanged when OpenAI refuses the cap, and says why', async () => {
      const before = await limitsOf(h.projects.support);
      h.openai.inject({ method: 'POST', path: /spend_limit$/, status: 400, message: 'threshold_amount exceeds your organization budget', times: 1 });
      const answer = await ask(h, USERS.admin, 'limit "Support Bot" hard 5000');
      expect(answer).toMatch(/OpenAI did not accept/);
      expect(answer).toMatch(/organization budget/);
      expect(await limitsOf(h.projects.support)).toEqual(before);
      expect(h.openai.spendLimit(h.projects.support)?.threshold_amount).toBe(200_000);
    });
  });

  describe('bad limit input, each answered clearly', () => {
    const cases: [string, RegExp][] = [
      ['limit "Support Bot" soft -5', /amount|positive|more than/i],
      ['limit "Support Bot" soft 12.345', /2 decimals|cents|decimal/i],
      ['limit "Support Bot" soft 2000001', /1,000,000/],
      ['limit "Support Bot" soft 3k', /soft.*hard|hard.*soft/i],
      ['limit "Support Bot" at 80,50', /go up|ascending/i],
      ['limit "Support Bot" at 10,20,30,40,50,60', /5/],
      ['limit "Support Bot" at 0,101', /1 to 100|from 1/i],
      ['limit "Suport Bott" soft 10', /Support Bot/],
      ['limit "Legacy Prototype" soft 10', /archived/i],
      [`limit "Support Bot" channel <#${PRIVATE_CHANNEL}|finance>`, /\/invite @keywarden/],
      ['ratelimit "Support Bot" gpt-9-turbo rpm 10', /gpt-4o/],
      ['limit "Support Bot"', /soft|hard|say what/i],
    ];
    for (const [text, expected] of cases) {
      it(`answers “${text}”`, async () => {
        const before = await limitsOf(h.projects.support);
        const answer = await ask(h, USERS.admin, text);
        expect(answer).toMatch(expected);
        expect(answer).not.toMatch(/TypeError|at .*\.ts:\d+/);
        expect(await limitsOf(h.projects.support)).toEqual(before);
      });
    }
  });
});

describe('bad raises, each answered with the usage and nothing changed', () => {
  // 20 Feb 2027, 09:30 UTC, whatever day CI runs: 1 Feb has passed, June 2028 is more than a year ahead
  keywardenForSuite((started) => (h = started), { clock: suiteClock(Date.UTC(2027, 1, 20, 9, 30, 0)) });

  const cases: [string, RegExp][] = [
    ['limit "Support Bot" hard 2k until 2027-02-01', /already passed/],
    ['limit "Support Bot" hard 2k until 2028-06-01', /more than a year ahead/],
    ['limit "Support Bot" hard off until 7d', /cannot go with hard off/],
    ['limit "Support Bot" until 7d', /needs the raised cap/],
    ['limit "Support Bot" hard 2k until soon', /not a date/],
  ];
  for (const [command, expected] of cases) {
    it(`answers “${command}”`, async () => {
      const before = await limitsOf(h.projects.support);
      const answer = await ask(h, USERS.admin, command);
      expect(answer).toMatch(expected);
      expect(answer).toMatch(/limit &lt;project&gt;|limit <project>/);
      expect(await limitsOf(h.projects.support)).toEqual(before);
    });
  }
});

describe('the higher-cap form', () => {
  supportBotOverItsCapSuite((started) => (h = started));

  it('refuses a cap below what was already spent this month, on the hard-cap field, and stays open', async () => {
    const form = await openHigherCapForm(h, USERS.admin, h.projects.support);
    const { res, after } = await submitLimitForm(h, USERS.admin, form, { soft: '$80.00', hard: '120', at: '50%, 80%, 100%' });
    const answer = res.json as { response_action?: string; errors?: Record<string, string> };
    expect(answer.response_action).toBe('errors');
    expect(answer.errors?.[INPUT.limitHard.block]).toMatch(/\$150\.00 is already spent this month/);
    expect(answer.errors?.[INPUT.limitHard.block]).toMatch(/\$120\.00/);
    expect(after?.closedAt).toBeUndefined();
    expect(after?.errors?.[INPUT.limitHard.block]).toMatch(/150\.00/);
    expect(h.openai.spendLimit(h.projects.support)?.threshold_amount).toBe(10_000);
    // nothing is said by DM: the answer is in the form
    await new Promise((r) => setTimeout(r, 300));
    expect(h.slack.messages(h.slack.dmChannelOf(USERS.admin)).filter((m) => /not made/.test(m.text))).toHaveLength(0);
  });

  it('refuses a reason with an API key in it, on the reason field, and stays open without showing it anywhere', async () => {
    const form = await openHigherCapForm(h, USERS.requester, h.projects.support);
    const pasted = 'sk-proj-PastedIntoReason0123456789abcdef';
    const { res, after } = await submitLimitForm(h, USERS.requester, form, { hard: '200', reason: `the launch needs more, key ${pasted}` });
    const answer = res.json as { response_action?: string; errors?: Record<string, string> };
    expect(answer.response_action).toBe('errors');
    expect(answer.errors?.[INPUT.limitReason.block]).toMatch(/Leave the key or token out of the reason/);
    expect(res.body).not.toContain('PastedIntoReason');
    expect(after?.closedAt).toBeUndefined();
    await new Promise((r) => setTimeout(r, 300));
    expect(JSON.stringify(h.slack.messages(APPROVAL_CHANNEL))).not.toContain('PastedIntoReason');
  });

  it('refuses a cap below the current one, with both figures', async () => {
    const form = await openHigherCapForm(h, USERS.admin, h.projects.support);
    const { res, after } = await submitLimitForm(h, USERS.admin, form, { hard: '90' });
    const answer = res.json as { response_action?: string; errors?: Record<string, string> };
    expect(answer.response_action).toBe('errors');
    expect(answer.errors?.[INPUT.limitHard.block]).toMatch(/above the current \$100\.00; \$90\.00 is lower/);
    expect(after?.closedAt).toBeUndefined();
  });

  it('refuses a soft limit above the hard cap on the soft field, against the stored values', async () => {
    const form = await openHigherCapForm(h, USERS.admin, h.projects.support);
    const { res, after } = await submitLimitForm(h, USERS.admin, form, { soft: '500', hard: '200' });
    const answer = res.json as { response_action?: string; errors?: Record<string, string> };
    expect(answer.response_action).toBe('errors');
    expect(answer.errors?.[INPUT.limitSoft.block]).toMatch(/soft limit \(\$500\.00\) can't be above the hard limit \(\$200\.00\)/);
    expect(after?.closedAt).toBeUndefined();
    expect((await limitsOf(h.projects.support))?.softCents).toBe(8_000);
  });

  it('refuses thresholds that do not go up on the thresholds field', async () => {
    const form = await openHigherCapForm(h, USERS.admin, h.projects.support);
    const { res } = await submitLimitForm(h, USERS.admin, form, { hard: '200', at: '80, 50' });
    const answer = res.json as { response_action?: string; errors?: Record<string, string> };
    expect(answer.errors?.[INPUT.limitThresholds.block]).toMatch(/go up/);
  });

  it('asks a member for a reason in the form, and refuses their low cap there too', async () => {
    const form = await openHigherCapForm(h, USERS.requester, h.projects.support);
    const { res } = await submitLimitForm(h, USERS.requester, form, { hard: '140', reason: 'the launch needs more' });
    const answer = res.json as { response_action?: string; errors?: Record<string, string> };
    expect(answer.errors?.[INPUT.limitHard.block]).toMatch(/150\.00 is already spent/);
  });
});
