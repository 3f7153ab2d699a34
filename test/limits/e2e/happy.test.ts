/**
 * OpenAI's caps as keywarden finds them: a cap that existed before keywarden managed the project is adopted and
 * said once in neutral words; a cap changed or removed outside keywarden is drift, told once with both values.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENERAL_CHANNEL, SPEND_CHANNEL, USERS, startHarness, waitUntil, type Harness } from '../../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  if (process.env.DEBUG_E2E) console.log(h.logLines.filter((l) => /"level":(40|50)/.test(l)).join(''));
  await h?.stop();
});

const limitsOf = (projectId: string) => h.limitsOf(projectId);

async function ask(userId: string, text: string, channelId = GENERAL_CHANNEL): Promise<string> {
  const before = h.slack.ephemerals(userId).length;
  const res = await h.driver.slashCommand({ userId, text, channelId });
  expect(res.status).toBe(200);
  const reply = await h.waitFor(() => h.slack.ephemerals(userId).slice(before).at(-1));
  return `${reply.text ?? ''}\n${JSON.stringify(reply.blocks ?? [])}`;
}

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
    const all = await ask(USERS.requester, 'limits');
    expect(all).toContain('Research Assistant');
    expect(all).toMatch(/400\.00/);
    const notice = await postedOnce(/Research Assistant/);
    expect(notice).toMatch(/keywarden now tracks the \$400\.00 hard cap set at OpenAI/);
    expect(notice).not.toMatch(/outside keywarden|changed|put (it|the cap) back/i);
    expect(await limitsOf(h.projects.research)).toMatchObject({ hardCents: 40_000, hardAtOpenAI: 40_000, softCents: null });

    // later readers and polls say nothing more
    await ask(USERS.requester, 'limits');
    await h.app.pollSpendNow();
    await h.app.pollSpendNow();
    await new Promise((r) => setTimeout(r, 1_200));
    expect(posted(/Research Assistant/)).toHaveLength(1);
    const audit = await ask(USERS.admin, 'audit "Research Assistant"');
    expect(audit).toMatch(/keywarden started tracking the hard cap already set at OpenAI for \*Research Assistant\* — Hard limit: \$400\.00/);
  });

  it('asks OpenAI once about a project without a cap, not on every `limits`', async () => {
    const reads = () => h.openai.callsTo('GET', new RegExp(`${h.projects.support}/spend_limit$`)).length;
    await ask(USERS.requester, 'limits');
    const first = reads();
    await ask(USERS.requester, 'limits');
    await ask(USERS.requester, 'limits');
    expect(reads()).toBe(first);
  });

  it('adopts a cap that existed before keywarden was given only a soft limit: no drift', async () => {
    h.openai.setSpendLimit(h.projects.support, 90_000);
    await ask(USERS.admin, 'limit "Support Bot" soft 100');
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
    await ask(USERS.requester, 'limits');
    await ask(USERS.requester, 'limits Support Bot');
    const notice = await postedOnce(/changed at OpenAI, outside keywarden/);
    expect(notice).toMatch(/from \$900\.00 to \$1,200\.00/);
    expect((await limitsOf(h.projects.support))?.hardCents).toBe(120_000);
  });

  it('tells a cap removed outside keywarden once, with the amount it had', async () => {
    h.openai.setSpendLimit(h.projects.support, null);
    await h.app.pollSpendNow();
    await ask(USERS.requester, 'limits');
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
