/**
 * Limits working as meant, against the real app, the emulators and Redis: an admin's change applied at once at
 * OpenAI and announced; `limits` and `help limit`; a member's change applied once an approver approves; the
 * higher-cap form applying a cap; and OpenAI's caps as keywarden finds them: a cap that existed before keywarden
 * managed the project is adopted and said once in neutral words, a cap changed or removed outside keywarden is
 * drift, told once with both values. OpenAI's cap is the truth.
 */
import { describe, expect, it } from 'vitest';
import { ACTION } from '../../../src/platform/slack/ids.js';
import { APPROVAL_CHANNEL, GENERAL_CHANNEL, SPEND_CHANNEL, USERS, actionIdsIn, waitUntil, type Harness } from '../../support/harness.js';
import { keywardenForSuite } from '../../support/suiteHarness.js';
import { SUPPORT_BOT_LIMITS, ask, openHigherCapForm, requestChange, submitLimitForm, supportBotOverItsCapSuite } from './world.js';

let h: Harness;
const limitsOf = (projectId: string) => h.limitsOf(projectId);

describe('limits changed from Slack', () => {
  keywardenForSuite((started) => (h = started));

  describe('an admin changing limits', () => {
    it('sets soft, hard, thresholds and channel: the cap at OpenAI, the rest recorded, announced with before and after', async () => {
      const answer = await ask(h, USERS.admin, SUPPORT_BOT_LIMITS);
      expect(answer).toMatch(/1,250\.50/);
      expect(h.openai.spendLimit(h.projects.support)?.threshold_amount).toBe(200_000);
      const stored = await limitsOf(h.projects.support);
      expect(stored).toMatchObject({ softCents: 125_050, hardCents: 200_000, thresholds: [50, 75, 90], channelId: SPEND_CHANNEL, version: 1, hardAtOpenAI: 200_000 });
      const announced = await h.waitFor(() => h.slack.messages(SPEND_CHANNEL).find((m) => /1,250\.50/.test(JSON.stringify(m))));
      expect(JSON.stringify(announced)).toContain('2,000.00');

      // a second change bumps the version and shows before → after
      await ask(h, USERS.admin, 'limit "Support Bot" soft 1500');
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
      const all = await ask(h, USERS.requester, 'limits');
      expect(all).toContain('Support Bot');
      expect(all).toMatch(/2,000\.00/);
      const one = await ask(h, USERS.requester, 'limits Support Bot');
      expect(one).toMatch(/gpt-4o/);
    });
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
    it('is applied when an approver approves in the thread', async () => {
      const { message, requestId } = await requestChange(h, 'limit "Research Assistant" soft 300 hard 500');
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
  });

  describe('drift', () => {
    it('notices a cap changed in OpenAI’s dashboard once, and takes OpenAI’s value', async () => {
      h.openai.setSpendLimit(h.projects.support, 350_000);
      await ask(h, USERS.requester, 'limits');
      await ask(h, USERS.admin, 'limits Support Bot');
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
});

describe('the higher-cap form', () => {
  supportBotOverItsCapSuite((started) => (h = started));

  it('closes and applies a cap above both, then confirms by DM without repeating the announcement', async () => {
    const form = await openHigherCapForm(h, USERS.admin, h.projects.support);
    const { res, after } = await submitLimitForm(h, USERS.admin, form, { hard: '300' });
    expect((res.json as { response_action?: string } | undefined)?.response_action).toBeUndefined();
    expect(after?.closedAt).toBeDefined();
    await waitUntil(async () => (await limitsOf(h.projects.support))?.hardCents === 30_000, 15_000, 'cap raised');
    expect(h.openai.spendLimit(h.projects.support)?.threshold_amount).toBe(30_000);
    const dm = await h.waitFor(() => h.slack.messages(h.slack.dmChannelOf(USERS.admin)).find((m) => /Done/.test(m.text)));
    expect(JSON.stringify(dm.blocks)).toContain(`<#${SPEND_CHANNEL}>`);
  });
});

describe('OpenAI’s caps as keywarden finds them', () => {
  keywardenForSuite((started) => (h = started));

  const posted = (pattern: RegExp) => h.slack.messages(SPEND_CHANNEL).filter((m) => pattern.test(`${m.text} ${JSON.stringify(m.blocks ?? [])}`));
  /** Waits for at least one message matching `pattern`, then a little longer to catch a repeat. */
  async function postedOnce(pattern: RegExp): Promise<string> {
    await h.waitFor(() => (posted(pattern).length > 0 ? true : undefined));
    await new Promise((r) => setTimeout(r, 1_200));
    const found = posted(pattern);
    expect(found).toHaveLength(1);
    return `${found[0]?.text} ${JSON.stringify(found[0]?.blocks ?? [])}`;
  }

  describe('adoption', () => {
    it('lists a project capped at OpenAI that keywarden holds nothing for, and adopts its cap once, in neutral words', async () => {
      h.openai.setSpendLimit(h.projects.research, 40_000);
      const all = await ask(h, USERS.requester, 'limits');
      expect(all).toContain('Research Assistant');
      expect(all).toMatch(/400\.00/);
      const notice = await postedOnce(/Research Assistant/);
      expect(notice).toMatch(/keywarden now tracks the \$400\.00 hard cap set at OpenAI/);
      expect(notice).not.toMatch(/outside keywarden|changed|put (it|the cap) back/i);
      expect(await limitsOf(h.projects.research)).toMatchObject({ hardCents: 40_000, hardAtOpenAI: 40_000, softCents: null });

      // later readers and polls say nothing more
      await ask(h, USERS.requester, 'limits');
      await h.app.pollSpendNow();
      await h.app.pollSpendNow();
      await new Promise((r) => setTimeout(r, 1_200));
      expect(posted(/Research Assistant/)).toHaveLength(1);
      const audit = await ask(h, USERS.admin, 'audit "Research Assistant"');
      expect(audit).toMatch(/keywarden started tracking the hard cap already set at OpenAI for \*Research Assistant\* — Hard limit: \$400\.00/);
    });

    it('asks OpenAI once about a project without a cap, not on every `limits`', async () => {
      const reads = () => h.openai.callsTo('GET', new RegExp(`${h.projects.support}/spend_limit$`)).length;
      await ask(h, USERS.requester, 'limits');
      const first = reads();
      await ask(h, USERS.requester, 'limits');
      await ask(h, USERS.requester, 'limits');
      expect(reads()).toBe(first);
    });

    it('adopts a cap that existed before keywarden was given only a soft limit: no drift', async () => {
      h.openai.setSpendLimit(h.projects.support, 90_000);
      await ask(h, USERS.admin, 'limit "Support Bot" soft 100');
      await waitUntil(async () => (await limitsOf(h.projects.support))?.softCents === 10_000, 15_000, 'soft limit stored');
      await h.app.pollSpendNow();
      const notice = await postedOnce(/now tracks the \$900\.00/);
      expect(notice).toContain('Support Bot');
      expect(posted(/outside keywarden/)).toHaveLength(0);
      expect(await limitsOf(h.projects.support)).toMatchObject({ softCents: 10_000, hardCents: 90_000, hardAtOpenAI: 90_000 });
    });
  });

  describe('drift', () => {
    it('tells a cap changed outside keywarden once, with both amounts, however often it is read', async () => {
      h.openai.setSpendLimit(h.projects.support, 120_000);
      await h.app.pollSpendNow();
      await h.app.pollSpendNow();
      await ask(h, USERS.requester, 'limits');
      await ask(h, USERS.requester, 'limits Support Bot');
      const notice = await postedOnce(/changed at OpenAI, outside keywarden/);
      expect(notice).toMatch(/from \$900\.00 to \$1,200\.00/);
      expect((await limitsOf(h.projects.support))?.hardCents).toBe(120_000);
    });

    it('tells a cap removed outside keywarden once, with the amount it had', async () => {
      h.openai.setSpendLimit(h.projects.support, null);
      await h.app.pollSpendNow();
      await ask(h, USERS.requester, 'limits');
      await h.app.pollSpendNow();
      const notice = await postedOnce(/removed at OpenAI/);
      expect(notice).toMatch(/\$1,200\.00 hard cap of \*?Support Bot\*? was removed/);
      expect(notice).toMatch(/1,200\.00 → off/);
      expect(await limitsOf(h.projects.support)).toMatchObject({ hardCents: null, hardAtOpenAI: null });
    });

    it('tells a cap that appears again after removal as a change, not an adoption', async () => {
      h.openai.setSpendLimit(h.projects.support, 50_000);
      await h.app.pollSpendNow();
      await h.app.pollSpendNow();
      const notice = await postedOnce(/outside keywarden: from no cap to \$500\.00/);
      expect(notice).toContain('Support Bot');
      expect(posted(/now tracks the \$500\.00/)).toHaveLength(0);
    });
  });
});
