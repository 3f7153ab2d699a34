/** Limits from Slack: admins apply at once, others ask in the approval thread; OpenAI's cap is the truth. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION } from '../../../src/platform/slack/ids.js';
import { APPROVAL_CHANNEL, GENERAL_CHANNEL, PRIVATE_CHANNEL, SPEND_CHANNEL, USERS, actionIdsIn, startHarness, waitUntil, type Harness } from '../../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  if (process.env.DEBUG_E2E) console.log(h.logLines.filter((l) => /"level":(40|50)/.test(l)).join(''));
  await h?.stop();
});

const limitsOf = (projectId: string) => h.limitsOf(projectId);

/** Sends a command and returns the text of the ephemeral answer it produces (ack or response_url). */
async function ask(userId: string, text: string): Promise<string> {
  const before = h.slack.ephemerals(userId).length;
  const res = await h.driver.slashCommand({ userId, text, channelId: GENERAL_CHANNEL });
  expect(res.status).toBe(200);
  expect(res.ms).toBeLessThan(3000);
  const reply = await h.waitFor(() => h.slack.ephemerals(userId).slice(before).at(-1));
  return `${reply.text ?? ''}\n${JSON.stringify(reply.blocks ?? [])}`;
}

describe('an admin changing limits', () => {
  it('sets soft, hard, thresholds and channel: the cap at OpenAI, the rest recorded, announced with before and after', async () => {
    const answer = await ask(USERS.admin, `limit "Support Bot" soft $1,250.50 hard 2k at 50,75,90 channel <#${SPEND_CHANNEL}|openai-spend>`);
    expect(answer).toMatch(/1,250\.50/);
    expect(h.openai.spendLimit(h.projects.support)?.threshold_amount).toBe(200_000);
    const stored = await limitsOf(h.projects.support);
    expect(stored).toMatchObject({ softCents: 125_050, hardCents: 200_000, thresholds: [50, 75, 90], channelId: SPEND_CHANNEL, version: 1, hardAtOpenAI: 200_000 });
    const announced = await h.waitFor(() => h.slack.messages(SPEND_CHANNEL).find((m) => /1,250\.50/.test(JSON.stringify(m))));
    expect(JSON.stringify(announced)).toContain('2,000.00');

    // a second change bumps the version and shows before → after
    await ask(USERS.admin, 'limit "Support Bot" soft 1500');
    expect((await limitsOf(h.projects.support))?.version).toBe(2);
    const second = await h.waitFor(() => h.slack.messages(SPEND_CHANNEL).find((m) => /1,500\.00/.test(JSON.stringify(m))));
    expect(JSON.stringify(second)).toMatch(/1,250\.50[^"]*→[^"]*1,500\.00/);

    const audit = await h.redis.xrange(`${h.namespace}:{kw}:audit`, '-', '+');
    expect(audit.filter(([, f]) => f.includes('limits.change'))).toHaveLength(2);
  });

  it('shows an admin their change once: typed in the alert channel, the answer is one line pointing at the announcement', async () => {
    const before = h.slack.ephemerals(USERS.admin).length;
    const res = await h.driver.slashCommand({ userId: USERS.admin, text: 'limit "Support Bot" soft 1600', channelId: SPEND_CHANNEL });
    expect(res.status).toBe(200);
    const reply = await h.waitFor(() => h.slack.ephemerals(USERS.admin).slice(before).at(-1));
    const answer = `${reply.text ?? ''}\n${JSON.stringify(reply.blocks ?? [])}`;
    expect(answer).toMatch(/announcement is in this channel/);
    // the before → after and the limits in effect are the announcement's, not repeated to the admin
    expect(answer).not.toMatch(/→|1,500\.00|Alerts at/);
    expect(reply.blocks ?? []).toHaveLength(1);
    const posts = () => h.slack.messages(SPEND_CHANNEL).filter((m) => /1,600\.00/.test(JSON.stringify(m)));
    const announced = await h.waitFor(() => (posts().length > 0 ? posts() : undefined));
    await new Promise((r) => setTimeout(r, 500));
    expect(posts()).toHaveLength(1);
    expect(JSON.stringify(announced[0])).toMatch(/1,500\.00[^"]*→[^"]*1,600\.00/);
  });

  it('shows every project with limits, and one in detail with its rate limits', async () => {
    const all = await ask(USERS.requester, 'limits');
    expect(all).toContain('Support Bot');
    expect(all).toMatch(/2,000\.00/);
    const one = await ask(USERS.requester, 'limits Support Bot');
    expect(one).toMatch(/gpt-4o/);
  });

  it('leaves everything unchanged when OpenAI refuses the cap, and says why', async () => {
    const before = await limitsOf(h.projects.support);
    h.openai.inject({ method: 'POST', path: /spend_limit$/, status: 400, message: 'threshold_amount exceeds your organization budget', times: 1 });
    const answer = await ask(USERS.admin, 'limit "Support Bot" hard 5000');
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
      const answer = await ask(USERS.admin, text);
      expect(answer).toMatch(expected);
      expect(answer).not.toMatch(/TypeError|at .*\.ts:\d+/);
      expect(await limitsOf(h.projects.support)).toEqual(before);
    });
  }
});

describe('help for limit', () => {
  const helpText = async (text: string): Promise<string> => {
    const res = await h.driver.slashCommand({ userId: USERS.requester, text, channelId: GENERAL_CHANNEL });
    expect(res.status).toBe(200);
    const reply = JSON.parse(res.body) as { response_type: string; blocks: { text?: { text: string } }[] };
    expect(reply.response_type).toBe('ephemeral');
    return reply.blocks.map((b) => b.text?.text ?? '').join('\n');
  };

  it('shows the limit command in detail: its arguments, who may use it and examples, not the whole list', async () => {
    const text = await helpText('help limit');
    expect(text).toContain('`/openai-key limit &lt;project&gt;');
    expect(text).toMatch(/admin/i);
    expect(text).toMatch(/Example/i);
    for (const other of ['`/openai-key request`', '`/openai-key audit [project]', '`/openai-key revoke']) expect(text).not.toContain(other);
  });

  it('keeps the usual order without a topic', async () => {
    const text = await helpText('help');
    expect(text).not.toContain('Help for');
    expect(text.indexOf('`help [command]`')).toBeLessThan(text.indexOf('`limit &lt;project&gt;'));
  });
});

describe('a member asking for a change', () => {
  async function requestChange(text: string, userId: string = USERS.requester) {
    const before = h.slack.messages(APPROVAL_CHANNEL).length;
    const answer = await ask(userId, text);
    expect(answer).toMatch(/request/i);
    const message = await h.waitFor(() => h.slack.messages(APPROVAL_CHANNEL).slice(before).find((m) => /lim_[a-z0-9]+/.test(JSON.stringify(m.blocks))));
    const requestId = /lim_[a-z0-9]{10}/.exec(JSON.stringify(message.blocks))?.[0] ?? '';
    return { message, requestId };
  }

  it('is applied when an approver approves in the thread', async () => {
    const { message, requestId } = await requestChange('limit "Research Assistant" soft 300 hard 500');
    expect(actionIdsIn(message)).toEqual([ACTION.approveLimitChange, ACTION.denyLimitChange]);
    expect(await limitsOf(h.projects.research)).toBeNull();
    await h.driver.postMessage({ userId: USERS.approver, channel: APPROVAL_CHANNEL, text: 'approve', threadTs: message.ts });
    await waitUntil(async () => (await limitsOf(h.projects.research))?.hardCents === 50_000, 15_000, 'limits applied');
    expect(h.openai.spendLimit(h.projects.research)?.threshold_amount).toBe(50_000);
    await h.waitFor(() => h.slack.messages(SPEND_CHANNEL).find((m) => JSON.stringify(m).includes('Research Assistant') && /500\.00/.test(JSON.stringify(m))));
    await h.waitFor(() => h.slack.messages(h.slack.dmChannelOf(USERS.requester)).find((m) => /applied|approved/i.test(m.text) && m.text.includes('Research Assistant')));
    const parent = await h.waitFor(() => {
      const m = h.slack.message(APPROVAL_CHANNEL, message.ts);
      return m && actionIdsIn(m).length === 0 && /applied/i.test(JSON.stringify(m.blocks)) ? m : undefined;
    });
    expect(JSON.stringify(parent.blocks)).toContain(USERS.approver);
    expect(requestId).toMatch(/^lim_/);
  });

  it('is refused when the requester approves it themselves, and denied with a reason by button', async () => {
    // an approver (not an admin) asks, so their own click is a self-approval
    const { message, requestId } = await requestChange('limit "Research Assistant" hard 900', USERS.approver);
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
});

describe('rate limits and audit', () => {
  it('lets an admin change a model’s rate limit at OpenAI, and refuses a member', async () => {
    const refused = await ask(USERS.requester, 'ratelimit "Support Bot" gpt-4o-mini rpm 100');
    expect(refused).toMatch(/Only admins/);
    const shown = await ask(USERS.admin, 'ratelimit "Support Bot"');
    expect(shown).toMatch(/gpt-4o-mini/);
    const changed = await ask(USERS.admin, 'ratelimit "Support Bot" gpt-4o-mini rpm 100 tpm 20k');
    expect(changed).toMatch(/100/);
    const limit = h.openai.rateLimits(h.projects.support).find((r) => r.model === 'gpt-4o-mini');
    expect(limit?.max_requests_per_1_minute).toBe(100);
    expect(limit?.max_tokens_per_1_minute).toBe(20_000);
  });

  it('shows admins the audit log, newest first, and refuses members', async () => {
    expect(await ask(USERS.requester, 'audit')).toMatch(/Only admins/);
    const log = await ask(USERS.admin, 'audit "Support Bot" 7');
    expect(log).toMatch(/changed the spend limits of \*Support Bot\*/);
    expect(log).toMatch(/changed the rate limits of `gpt-4o-mini`[^"]* — requests a minute 100, tokens a minute 20,000/);
    expect(log).toMatch(/tried to change the spend limits of \*Support Bot\*: OpenAI refused/);
    // the channel set in the first change is a real channel link, not escaped text
    expect(log).toContain(`<#${SPEND_CHANNEL}>`);
  });

  it('says every audit entry in words: names, mentions, dollars, no internal codes', async () => {
    const log = await ask(USERS.admin, 'audit');
    expect(log).toMatch(/tried to approve the limit change `lim_[a-z0-9]+` in \*Research Assistant\*: refused: nobody decides their own request/);
    expect(log).toMatch(/<@U[A-Z0-9]+> denied the limit change/);
    expect(log).not.toMatch(/refused:\S|self_decision|none cents|\\"rpm|applied:v\d|&lt;#C|limits\.change|ratelimit\.change/);
    expect(log).not.toContain(h.projects.support);
    expect(log).not.toContain(h.projects.research);
  });
});

describe('drift', () => {
  it('notices a cap changed in OpenAI’s dashboard once, and takes OpenAI’s value', async () => {
    h.openai.setSpendLimit(h.projects.support, 350_000);
    await ask(USERS.requester, 'limits');
    await ask(USERS.admin, 'limits Support Bot');
    const notices = await h.waitFor(() => {
      const found = h.slack.messages(SPEND_CHANNEL).filter((m) => /outside keywarden/.test(JSON.stringify(m)));
      return found.length > 0 ? found : undefined;
    });
    await new Promise((r) => setTimeout(r, 1500));
    expect(h.slack.messages(SPEND_CHANNEL).filter((m) => /outside keywarden/.test(JSON.stringify(m)))).toHaveLength(1);
    expect(JSON.stringify(notices[0])).toMatch(/3,500\.00/);
    expect(JSON.stringify(notices[0])).toMatch(/2,000\.00/);
    const adopted = await limitsOf(h.projects.support);
    expect(adopted?.hardCents).toBe(350_000);
    expect(adopted?.hardAtOpenAI).toBe(350_000);
  });
});
