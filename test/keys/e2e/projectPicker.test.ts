/**
 * The request form's project picker with a large organization (issue 11): 2,000 active projects in the OpenAI
 * emulator, the real app over signed HTTP, real Redis. Slack's type-ahead is played by the driver's suggestOptions,
 * which checks each answer as Slack would (at most 100 options, text ≤ 75, value ≤ 150, within 3 s).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INPUT, VIEW } from '../../../src/platform/slack/ids.js';
import { APPROVAL_CHANNEL, GENERAL_CHANNEL, USERS, startHarness, waitUntil, type Harness } from '../../support/harness.js';

let h: Harness;
/** the projects added here, by what the tests need of them */
const added = { last: '', billingFirst: '', atlasBilling: '', sunset: '', byId: '' };
const ACTIVE = 2_000;

beforeAll(async () => {
  h = await startHarness();
  // Two active projects come with the workspace; 1,998 more make 2,000. "Atlas Billing" is added before
  // "Billing Atlas" and sorts before it, so only the ranking can put the prefix match first.
  added.atlasBilling = h.openai.addProject({ name: 'Atlas Billing' }).id;
  added.billingFirst = h.openai.addProject({ name: 'Billing Atlas' }).id;
  added.sunset = h.openai.addProject({ name: 'Sunset Gateway', status: 'archived' }).id;
  for (let i = 5; i < ACTIVE; i += 1) {
    const id = h.openai.addProject({ name: `Team ${String(i).padStart(4, '0')} Workspace` }).id;
    if (i === 1234) added.byId = id;
  }
  added.last = h.openai.addProject({ name: 'Quartz Ledger Reconciliation' }).id;
  expect(h.openai.projects().filter((p) => p.status === 'active')).toHaveLength(ACTIVE);
  // Forget the list read at start-up: the first search below finds the cache cold.
  const keys = await h.redis.keys(`${h.namespace}:{kw}:cache:projects*`);
  if (keys.length > 0) await h.redis.del(...keys);
});
afterAll(async () => {
  h?.openai.clearFaults();
  await h?.stop();
});

async function openForm(userId: string = USERS.requester) {
  const views = h.slack.views(userId).length;
  const opened = await h.driver.slashCommand({ userId, text: 'request', channelId: GENERAL_CHANNEL });
  expect(opened.status).toBe(200);
  return h.waitFor(() => h.slack.views(userId).slice(views).find((v) => v.callback_id === VIEW.requestKey));
}

const suggest = (viewId: string, value: string, userId: string = USERS.requester) =>
  h.driver.suggestOptions({ userId, viewId, actionId: INPUT.project.action, value });

describe('the project picker with 2,000 projects', () => {
  it('with a cold cache: answers at once, starts a refresh, and offers the projects once it is read', async () => {
    const form = await openForm();
    const first = await suggest(form.id, '');
    expect(first.status).toBe(200);
    expect(first.ms).toBeLessThan(3_000);
    expect(first.problems).toEqual([]);
    const warm = await waitUntil(async () => {
      const answer = await suggest(form.id, '');
      return answer.options.length > 0 ? answer : undefined;
    }, 10_000, 'the picker to offer projects');
    expect(warm.problems).toEqual([]);
    expect(warm.options).toHaveLength(100);
    expect(warm.options[0]).toEqual({ text: 'Atlas Billing', value: added.atlasBilling });
  });

  it('finds the 2,000th project by part of its name', async () => {
    const form = await openForm();
    const answer = await suggest(form.id, 'ledger rec');
    expect(answer.problems).toEqual([]);
    expect(answer.options[0]).toEqual({ text: 'Quartz Ledger Reconciliation', value: added.last });
  });

  it('ranks a name starting with the query before one containing it', async () => {
    const form = await openForm();
    const answer = await suggest(form.id, 'billing');
    expect(answer.options.map((o) => o.value)).toEqual([added.billingFirst, added.atlasBilling]);
  });

  it('finds a project by its id', async () => {
    const form = await openForm();
    const answer = await suggest(form.id, added.byId);
    expect(answer.options[0]).toEqual({ text: 'Team 1234 Workspace', value: added.byId });
  });

  it('never offers an archived project', async () => {
    const form = await openForm();
    expect((await suggest(form.id, 'sunset gateway')).options).toEqual([]);
    expect((await suggest(form.id, added.sunset)).options).toEqual([]);
    expect((await suggest(form.id, 'legacy prototype')).options).toEqual([]);
  });

  it('offers close names for a misspelt query, after nothing better', async () => {
    const form = await openForm();
    const answer = await suggest(form.id, 'quarts ledger');
    expect(answer.options[0]?.value).toBe(added.last);
  });

  it('the chosen project is the one the request opens for', async () => {
    const form = await openForm();
    const [chosen] = (await suggest(form.id, 'ledger')).options;
    expect(chosen?.value).toBe(added.last);
    const before = h.slack.messages(APPROVAL_CHANNEL).length;
    const submitted = await h.driver.submitView({
      userId: USERS.requester,
      viewId: form.id,
      values: {
        [INPUT.project.block]: {
          [INPUT.project.action]: { type: 'external_select', selected_option: { text: { type: 'plain_text', text: chosen?.text ?? '' }, value: chosen?.value ?? '' } },
        },
        [INPUT.purpose.block]: { [INPUT.purpose.action]: { type: 'plain_text_input', value: 'reconcile the ledger exports every night' } },
        [INPUT.lifetime.block]: { [INPUT.lifetime.action]: { type: 'number_input', value: '30' } },
      },
    });
    expect(submitted.status).toBe(200);
    const message = await h.waitFor(() => (h.slack.messages(APPROVAL_CHANNEL).length > before ? h.slack.messages(APPROVAL_CHANNEL).at(-1) : undefined));
    expect(message.text).toContain('Quartz Ledger Reconciliation');
    const stored = await h.request(h.requestIdOf(message));
    expect(stored?.projectId).toBe(added.last);
  });

  it('answers 200 searches under 300 ms at p99, without calling OpenAI', async () => {
    const form = await openForm();
    const listings = h.openai.callsTo('GET', /\/v1\/organization\/projects$/).length;
    const queries = ['t', 'te', 'tea', 'team', 'team 1', 'team 19', 'team 199', 'team 1999', 'work', 'quartz', 'zzzz', 'tema 0042', 'proj_', added.byId.slice(0, 12)];
    const ms: number[] = [];
    for (let i = 0; i < 200; i += 1) {
      const answer = await suggest(form.id, queries[i % queries.length] ?? '');
      expect(answer.problems).toEqual([]);
      ms.push(answer.ms);
    }
    ms.sort((a, b) => a - b);
    const p99 = ms[Math.ceil(ms.length * 0.99) - 1] ?? Infinity;
    expect(p99).toBeLessThan(300);
    expect(h.openai.callsTo('GET', /\/v1\/organization\/projects$/).length).toBe(listings);
  });

  it('opens the form without waiting for OpenAI, even when listing projects hangs', async () => {
    await h.redis.del(`${h.namespace}:{kw}:cache:projects`); // stale: opening the form starts a refresh
    h.openai.inject({ method: 'GET', path: /\/v1\/organization\/projects$/, status: 200, delayMs: 2_500, times: 5 });
    const views = h.slack.views(USERS.requester).length;
    const opened = await h.driver.slashCommand({ userId: USERS.requester, text: 'request', channelId: GENERAL_CHANNEL });
    expect(opened.status).toBe(200);
    const form = await h.waitFor(() => h.slack.views(USERS.requester).slice(views).find((v) => v.callback_id === VIEW.requestKey), 1_000);
    expect(JSON.stringify(form.blocks)).toContain('2000 active projects');
    // the picker keeps answering from the list it has meanwhile
    const answer = await suggest(form.id, 'quartz');
    expect(answer.ms).toBeLessThan(300);
    expect(answer.options[0]?.value).toBe(added.last);
    h.openai.clearFaults();
  });

  it('with no list and OpenAI failing: answers at once with nothing, and does not ask OpenAI again at every keystroke', async () => {
    const form = await openForm();
    h.openai.inject({ method: 'GET', path: /\/v1\/organization\/projects$/, status: 500, times: 1_000 });
    const keys = await h.redis.keys(`${h.namespace}:{kw}:cache:projects*`);
    if (keys.length > 0) await h.redis.del(...keys);
    const listings = () => h.openai.callsTo('GET', /\/v1\/organization\/projects$/).length;
    const before = listings();
    for (const typed of ['q', 'qu', 'qua', 'quar', 'quart']) {
      const answer = await suggest(form.id, typed);
      expect(answer.status).toBe(200);
      expect(answer.ms).toBeLessThan(3_000);
      expect(answer.problems).toEqual([]);
      expect(answer.options).toEqual([]);
    }
    // one refresh (with the OpenAI client's own retries), not one per keystroke
    expect(listings() - before).toBeGreaterThan(0);
    expect(listings() - before).toBeLessThanOrEqual(3);
    h.openai.clearFaults();
  });
});
