/** The sandbox's JSON API and event stream over real HTTP, with keywarden, the emulators and a real Redis behind it. */
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { DEMO_CHANNELS } from '../../src/sandbox/demoWorkspace.js';
import { createPageApi, describeAddedSpend, describePoll } from '../../src/sandbox/pageApi.js';
import { ScreenStates } from '../../src/sandbox/screenState.js';
import { createSlackDriver } from '../../src/emulators/slack/index.js';
import { ACTION, INPUT, VIEW } from '../../src/platform/slack/ids.js';
import type { PollReport } from '../../src/spend/spendPoll.js';
import { monthOf } from '../../src/platform/domain/month.js';
import { sandboxTestClock } from './now.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const RILEY = 'U0RILEY';
const AVERY = 'U0AVERY';

let sandbox: RunningSandbox;
let base: string;
const namespace = `sbt${randomBytes(4).toString('hex')}`;
const now = sandboxTestClock();

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, redisUrl: REDIS_URL, namespace, now, logDestination: new Writable({ write: (_c, _e, done) => done() }) });
  base = `http://127.0.0.1:${sandbox.port}`;
});
afterAll(async () => {
  await sandbox?.stop();
});

async function post(path: string, body: unknown): Promise<{ status: number; json: Record<string, any> }> {
  const response = await fetch(`${base}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, json: (await response.json()) as Record<string, any> };
}

async function state(query: Record<string, string>): Promise<Record<string, any>> {
  const response = await fetch(`${base}/api/state?${new URLSearchParams(query)}`);
  return (await response.json()) as Record<string, any>;
}

async function until<T>(probe: () => Promise<T | undefined | null | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

function rawGet(path: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { headers: { Host: host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the page and its API', () => {
  it('serves the page and its modules with a strict content security policy', async () => {
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('<script type="module" src="/app.js">');
    const module = await fetch(`${base}/blockkit.js`);
    expect(module.headers.get('content-type')).toContain('text/javascript');
    expect((await fetch(`${base}/../package.json`)).status).toBe(404);
    expect((await fetch(`${base}/src/sandbox/main.ts`)).status).toBe(404);
  });

  it('answers only to loopback host names and JSON posts', async () => {
    expect(await rawGet('/api/state', 'evil.example:80')).toBe(421);
    expect(await rawGet('/api/state', `localhost:${sandbox.port}`)).toBe(200);
    const form = await fetch(`${base}/api/command`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: '{}' });
    expect(form.status).toBe(415);
  });

  it('shows each user their own screen: channels, their DM with the app, nobody else’s', async () => {
    const riley = await state({ user: RILEY });
    expect(riley.me).toBe(RILEY);
    expect(riley.sidebar.channels.map((c: { name: string }) => c.name)).toEqual(['general', 'keywarden-approvals', 'openai-spend']);
    expect(riley.sidebar.apps).toEqual([{ id: sandbox.slack.dmChannelOf(RILEY), name: 'keywarden', kind: 'app', unread: 0 }]);
    expect((await state({})).me).toBe(RILEY);
    expect((await fetch(`${base}/api/state?user=U0NOBODY`)).status).toBe(400);
    const peeking = await state({ user: AVERY, channel: sandbox.slack.dmChannelOf(RILEY) });
    expect(peeking.channel).toBeNull();
    const refused = await post('/api/message', { user: AVERY, channel: sandbox.slack.dmChannelOf(RILEY), text: 'hi' });
    expect(refused.status).toBe(400);
  });

  it('answers an unknown slash command as Slack does, without bothering keywarden', async () => {
    const calls = sandbox.slack.calls.length;
    const answer = await post('/api/command', { user: RILEY, channel: DEMO_CHANNELS.general.id, text: '/giphy cats' });
    expect(answer.json).toMatchObject({ ok: false });
    expect(answer.json.error).toMatch(/^\/giphy is not a valid command/);
    expect(sandbox.slack.calls.length).toBe(calls);
  });

  it('sends a slash command on to keywarden and streams the change to open pages', async () => {
    const events: string[] = [];
    const stream = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
      const req = request(`${base}/api/events`, (res) => resolve(res));
      req.on('error', reject);
      req.end();
    });
    stream.on('data', (chunk: Buffer) => events.push(chunk.toString('utf8')));
    try {
      const answer = await post('/api/command', { user: RILEY, channel: DEMO_CHANNELS.general.id, text: '/openai-key help' });
      expect(answer.json).toMatchObject({ ok: true, status: 200 });
      const screen = await until(async () => {
        const s = await state({ user: RILEY, channel: DEMO_CHANNELS.general.id });
        return s.channel.items.some((i: { kind: string; text: string }) => i.kind === 'ephemeral' && /commands/.test(i.text)) ? s : undefined;
      });
      expect(screen.channel.items.at(-1).kind).toBe('ephemeral');
      // the others do not see it
      const avery = await state({ user: AVERY, channel: DEMO_CHANNELS.general.id });
      expect(avery.channel.items.some((i: { kind: string }) => i.kind === 'ephemeral')).toBe(false);
      await until(async () => events.join('').includes('"kind":"ephemeral.posted"'));
      expect(events.join('')).not.toContain('api.call');
    } finally {
      stream.destroy();
    }
  });

  it('turns typed @names, #channels and markup into what Slack sends', async () => {
    await post('/api/message', { user: RILEY, channel: DEMO_CHANNELS.general.id, text: 'ask @avery in #keywarden-approvals about <b> & co' });
    const sent = sandbox.slack.messages(DEMO_CHANNELS.general.id).at(-1);
    expect(sent?.text).toBe(`ask <@${AVERY}|avery> in <#${DEMO_CHANNELS.approvals.id}|keywarden-approvals> about &lt;b&gt; &amp; co`);
  });

  it('counts unread messages until the user looks at the channel', async () => {
    await post('/api/command', { user: RILEY, channel: DEMO_CHANNELS.general.id, text: '/openai-key request Support Bot summarise the weekly incident reports' });
    const unread = await until(async () => {
      const s = await state({ user: AVERY });
      const approvals = s.sidebar.channels.find((c: { id: string }) => c.id === DEMO_CHANNELS.approvals.id);
      return approvals.unread > 0 ? approvals.unread : undefined;
    });
    expect(unread).toBe(1);
    await state({ user: AVERY, channel: DEMO_CHANNELS.approvals.id });
    const after = await state({ user: AVERY });
    expect(after.sidebar.channels.find((c: { id: string }) => c.id === DEMO_CHANNELS.approvals.id).unread).toBe(0);
  });

  it('refuses a click on a button that is not rendered, and closes only the user’s own modals', async () => {
    const message = sandbox.slack.messages(DEMO_CHANNELS.approvals.id).at(-1)!;
    const stale = await post('/api/click', { user: AVERY, channel: DEMO_CHANNELS.approvals.id, messageTs: message.ts, actionId: ACTION.revealKey });
    expect(stale.status).toBe(409);
    expect(stale.json.error).toContain('no element with action_id');

    const blocks = JSON.stringify(message.blocks);
    const requestId = /req_[a-z2-7]{10}/.exec(blocks)![0];
    await post('/api/click', { user: AVERY, channel: DEMO_CHANNELS.approvals.id, messageTs: message.ts, actionId: ACTION.denyRequest, value: requestId });
    const modal = await until(async () => (await state({ user: AVERY })).modal);
    expect(modal.title.text).toBe('Deny request');
    expect((await post('/api/close', { user: RILEY, viewId: modal.id })).status).toBe(404);
    expect((await post('/api/close', { user: AVERY, viewId: modal.id })).json).toEqual({ ok: true });
    expect((await state({ user: AVERY })).modal).toBeNull();
  });

  it('types into the request form’s project field: options come from keywarden through the driver, and the choice opens the request', async () => {
    await post('/api/command', { user: RILEY, channel: DEMO_CHANNELS.general.id, text: '/openai-key request' });
    const modal = await until(async () => {
      const open = (await state({ user: RILEY })).modal;
      return open?.callbackId === VIEW.requestKey ? open : undefined;
    });
    const pipeline = sandbox.openai.projects().find((p) => p.name === 'Data Pipeline' && p.status === 'active');
    expect(pipeline).toBeDefined();
    const asked = { user: RILEY, viewId: modal.id, actionId: INPUT.project.action, blockId: INPUT.project.block };
    const typed = await until(async () => {
      const answer = await post('/api/options', { ...asked, value: 'pipel' });
      return answer.json.options?.length > 0 ? answer : undefined;
    });
    expect(typed.status).toBe(200);
    expect(typed.json.ok).toBe(true);
    expect(typed.json.options[0]).toEqual({ text: 'Data Pipeline', value: pipeline?.id });
    const archived = sandbox.openai.projects().find((p) => p.status === 'archived');
    if (archived) expect((await post('/api/options', { ...asked, value: archived.name })).json.options.map((o: { value: string }) => o.value)).not.toContain(archived.id);
    // another user cannot type into Riley's form, and a view that is not open is refused
    expect((await post('/api/options', { ...asked, user: AVERY, value: 'sup' })).status).toBe(409);
    expect((await post('/api/options', { ...asked, actionId: undefined })).status).toBe(400);

    const before = sandbox.slack.messages(DEMO_CHANNELS.approvals.id).length;
    const submitted = await post('/api/submit', {
      user: RILEY,
      viewId: modal.id,
      values: {
        [INPUT.project.block]: { [INPUT.project.action]: { type: 'external_select', selected_option: { text: { type: 'plain_text', text: 'Data Pipeline' }, value: pipeline?.id } } },
        [INPUT.purpose.block]: { [INPUT.purpose.action]: { type: 'plain_text_input', value: 'load the nightly export into the warehouse' } },
        [INPUT.lifetime.block]: { [INPUT.lifetime.action]: { type: 'number_input', value: '7' } },
      },
    });
    expect(submitted.json.ok).toBe(true);
    const message = await until(async () => sandbox.slack.messages(DEMO_CHANNELS.approvals.id).slice(before).find((m) => m.text.includes('Data Pipeline')));
    expect(message).toBeDefined();
  });

  it('adds spend to a project as costs OpenAI reports, and says what it added', async () => {
    const monthToDate = async (name: string) => {
      const answer = (await (await fetch(`${base}/api/projects`)).json()) as { projects: { id: string; name: string; monthToDateUsd: number; dailyUsd: number }[] };
      return answer.projects.find((p) => p.name === name)!;
    };
    const before = await monthToDate('Marketing Copy');
    const burst = await post('/api/spend', { projectId: before.id, kind: 'burst', usd: 123.45 });
    expect(burst.json).toMatchObject({ ok: true, project: 'Marketing Copy', usd: 123.45 });
    expect(burst.json.inputTokens).toBeGreaterThan(0);
    const afterBurst = await monthToDate('Marketing Copy');
    expect(afterBurst.monthToDateUsd).toBeCloseTo(before.monthToDateUsd + 123.45, 2);
    expect(burst.json.monthToDateUsd).toBe(afterBurst.monthToDateUsd);
    expect(burst.json.note).toMatch(/^Added \$123\.45 of gpt-4o spend to Marketing Copy: \$[\d,]+\.\d\d this month\. keywarden sees it at its next poll\.$/);
    const day = await post('/api/spend', { projectId: before.id, kind: 'day' });
    expect(day.json.usd).toBe(afterBurst.dailyUsd);
    expect((await monthToDate('Marketing Copy')).monthToDateUsd).toBeCloseTo(afterBurst.monthToDateUsd + afterBurst.dailyUsd, 2);
    expect((await post('/api/spend', { projectId: before.id, kind: 'burst', usd: -5 })).status).toBe(400);
    const archived = sandbox.openai.projects().find((p) => p.status === 'archived')!;
    expect((await post('/api/spend', { projectId: archived.id, kind: 'burst' })).status).toBe(400);

    const poll = await post('/api/poll', {});
    expect(poll.json).toMatchObject({ ok: true, report: { alertsClaimed: 0 }, note: expect.stringMatching(new RegExp(`^keywarden polled spend for ${monthOf(now())}: \\d+ projects? with spend, 0 with limits; no new alerts\\.$`)) });
  });
});

describe('the time panel’s refusals and figures', () => {
  const project = async (name: string) => {
    const answer = (await (await fetch(`${base}/api/projects`)).json()) as { projects: { id: string; name: string; monthToDateUsd: number; dailyUsd: number }[] };
    return answer.projects.find((p) => p.name === name)!;
  };

  it('refuses less than a cent, sub-cent amounts and junk, saying what to enter, and adds nothing', async () => {
    const before = await project('Data Pipeline');
    const tiny = await post('/api/spend', { projectId: before.id, kind: 'burst', usd: 0.001 });
    expect(tiny.status).toBe(400);
    expect(tiny.json.error).toBe('No spend added. Enter at least $0.01: OpenAI counts spend in cents, so $0.001 would add nothing.');
    const fraction = await post('/api/spend', { projectId: before.id, kind: 'burst', usd: 1.234 });
    expect(fraction.json.error).toBe('No spend added. Enter whole cents (at most 2 decimals), e.g. 1.23.');
    expect((await post('/api/spend', { projectId: before.id, kind: 'burst', usd: 'lots' })).json.error).toBe('No spend added. Enter the amount in dollars, e.g. 250 or 12.50.');
    expect((await post('/api/spend', { projectId: 'proj_nope', kind: 'burst' })).json.error).toBe('Choose one of the demo organization’s active projects first.');
    expect((await project('Data Pipeline')).monthToDateUsd).toBe(before.monthToDateUsd);
    // a cent is enough
    expect((await post('/api/spend', { projectId: before.id, kind: 'burst', usd: 0.01 })).json).toMatchObject({ ok: true, usd: 0.01 });
  });

  it('tells the page the sandbox’s time, from its own clock', async () => {
    const answer = (await (await fetch(`${base}/api/projects`)).json()) as { now: number };
    expect(Math.abs(answer.now - now())).toBeLessThan(5_000);
  });

  it('keeps a typical day where it was after a burst', async () => {
    const before = await project('Research Assistant');
    expect(before.dailyUsd).toBeGreaterThan(0);
    await post('/api/spend', { projectId: before.id, kind: 'burst', usd: 5_000 });
    const after = await project('Research Assistant');
    expect(after.monthToDateUsd).toBeCloseTo(before.monthToDateUsd + 5_000, 2);
    expect(after.dailyUsd).toBe(before.dailyUsd);
  });
});

describe('the alert story the time panel suggests', () => {
  const SUPPORT = 'Support Bot';
  const ADRIAN = 'U0ADRIAN';
  const nameOf = (m: { metadata?: unknown }) => (m.metadata as { event_payload?: { name?: string } } | undefined)?.event_payload?.name ?? '';

  it('goes from the suggested limits to a soft-limit warning after one burst and the hard cap after two', async () => {
    const projects = async () =>
      ((await (await fetch(`${base}/api/projects`)).json()) as { projects: { id: string; name: string; monthToDateUsd: number; tryLimits: { kind: string; softUsd: number; hardUsd: number; command: string | null; text: string } }[] }).projects;
    const support = (await projects()).find((p) => p.name === SUPPORT)!;
    const { softUsd, hardUsd, command } = support.tryLimits;
    expect(support.tryLimits.kind).toBe('suggest');
    expect(command).toBe(`/openai-key limit "${SUPPORT}" soft ${softUsd} hard ${hardUsd}`);
    expect(softUsd).toBeGreaterThan(support.monthToDateUsd);

    expect((await post('/api/command', { user: ADRIAN, channel: DEMO_CHANNELS.spend.id, text: command })).json).toMatchObject({ ok: true });
    await until(async () => sandbox.slack.messages(DEMO_CHANNELS.spend.id).find((m) => m.text.includes(`Spend limits of ${SUPPORT} changed`)));
    await until(async () => (sandbox.openai.spendLimit(support.id)?.threshold_amount === hardUsd * 100 ? true : undefined));
    // once set, the panel stops suggesting them and says where the next alert is
    const tryNow = await until(async () => {
      const t = (await projects()).find((p) => p.name === SUPPORT)!.tryLimits;
      return t.kind === 'set' ? t : undefined;
    });
    expect(tryNow.command).toBeNull();
    expect(tryNow.text).toMatch(new RegExp(`^Limits are set: soft \\$${softUsd.toLocaleString('en-US')}\\.00 \\(alerts at 50, 80, 100%\\), hard cap \\$${hardUsd.toLocaleString('en-US')}\\.00\\. The next alert comes at \\$[\\d,]+\\.\\d\\d \\((50|80|100)% of the soft limit\\): add \\$[\\d,]+\\.\\d\\d or more, then Run a poll now\\.$`));
    const status = () => sandbox.slack.messages(DEMO_CHANNELS.spend.id).find((m) => nameOf(m) === `status.${support.id}.${monthOf(now())}`);
    const replies = () => (status() ? sandbox.slack.thread(DEMO_CHANNELS.spend.id, status()!.ts).map(nameOf) : []);

    const first = await post('/api/spend', { projectId: support.id, kind: 'burst' });
    expect(first.json.monthToDateUsd).toBeGreaterThanOrEqual(softUsd);
    expect(first.json.monthToDateUsd).toBeLessThan(hardUsd);
    const soft = await post('/api/poll', {});
    expect(soft.json.report.alertsClaimed).toBeGreaterThanOrEqual(1);
    expect(soft.json.note).toMatch(/new alerts? claimed, on the way to #openai-spend/);
    await until(async () => replies().some((n) => n.endsWith('.soft.100')), 15_000);
    expect(replies().some((n) => n.endsWith('.hard.100'))).toBe(false);

    const second = await post('/api/spend', { projectId: support.id, kind: 'burst' });
    expect(second.json.monthToDateUsd).toBeGreaterThanOrEqual(hardUsd);
    expect(second.json.note).toContain('OpenAI now refuses its requests');
    await post('/api/poll', {});
    await until(async () => replies().some((n) => n.endsWith('.hard.100')), 15_000);
    const hard = sandbox.slack.messages(DEMO_CHANNELS.spend.id).find((m) => nameOf(m).endsWith('.hard.100'));
    expect(hard?.subtype).toBe('thread_broadcast');
    expect(JSON.stringify(hard?.blocks)).toContain(ACTION.requestHigherCap);
    expect(sandbox.slack.messages(DEMO_CHANNELS.spend.id).filter((m) => nameOf(m).startsWith('status.'))).toHaveLength(1);
    // every alert passed: the panel says so and suggests raising the limits
    const passed = (await projects()).find((p) => p.name === SUPPORT)!.tryLimits;
    expect(passed.kind).toBe('suggest');
    expect(passed.text).toMatch(/^Every alert of the limits set \(soft .*\) has been reached this month\. To try again, raise them:$/);
    expect(passed.command).toMatch(new RegExp(`^/openai-key limit "${SUPPORT}" soft \\d+ hard \\d+$`));
  }, 45_000);
});

describe('"run a poll now"', () => {
  const apiWith = (pollSpendNow: () => Promise<PollReport>) =>
    createPageApi({
      slack: sandbox.slack,
      openai: sandbox.openai,
      driver: createSlackDriver({ emulator: sandbox.slack, appUrl: 'http://127.0.0.1:9/unused', signingSecret: 'unused-secret' }),
      screens: new ScreenStates(sandbox.slack),
      pollSpendNow,
      now: Date.now,
      announce: () => undefined,
    });
  const report: PollReport = { month: '2026-05', projectsWithSpend: 4, limitedProjects: 1, alertsClaimed: 2, alertsAlreadyClaimed: 1, openaiCalls: 3, estimateMissing: false };

  it('says what the poll found, and when it failed', async () => {
    expect((await apiWith(async () => report).poll()).body).toEqual({
      ok: true,
      report,
      note: 'keywarden polled spend for 2026-05: 4 projects with spend, 1 with limits; 2 new alerts claimed, on the way to #openai-spend (or the project’s own alert channel); 1 told at earlier polls.',
    });
    expect(describePoll({ ...report, projectsWithSpend: 1, alertsClaimed: 0, alertsAlreadyClaimed: 0, estimateMissing: true })).toBe(
      'keywarden polled spend for 2026-05: 1 project with spend, 1 with limits; no new alerts. Usage could not be read, so spend OpenAI has not billed yet is left out.',
    );
    expect(describePoll({ ...report, alertsClaimed: 1, alertsAlreadyClaimed: 0 })).toContain('; 1 new alert claimed, on the way');
    const failed = await apiWith(async () => {
      throw new Error('OpenAI answered 503');
    }).poll();
    expect(failed.body).toEqual({ ok: false, note: 'The poll failed: OpenAI answered 503' });
  });

  it('says what adding spend did to the month and the OpenAI budget', () => {
    const added = { project: 'Support Bot', usd: 250, monthToDateUsd: 1018.94, spendLimitUsd: 800, spendLimitEnforcing: true };
    expect(describeAddedSpend(added)).toBe(
      'Added $250.00 of gpt-4o spend to Support Bot: $1,018.94 this month, past its OpenAI budget of $800.00: OpenAI now refuses its requests. keywarden sees it at its next poll.',
    );
    expect(describeAddedSpend({ ...added, monthToDateUsd: 768.94, spendLimitEnforcing: false })).toBe(
      'Added $250.00 of gpt-4o spend to Support Bot: $768.94 this month of its $800.00 OpenAI budget. keywarden sees it at its next poll.',
    );
  });
});

describe('stopping', () => {
  it('stops everything and leaves nothing of its namespace in Redis', async () => {
    const redis = new Redis(REDIS_URL, { protocol: 2 });
    try {
      const [, keysWhileRunning] = await redis.scan('0', 'MATCH', `${namespace}:*`, 'COUNT', 10_000);
      expect(keysWhileRunning.length).toBeGreaterThan(0);
      await sandbox.stop();
      await expect(fetch(`${base}/api/state`)).rejects.toThrow();
      let cursor = '0';
      const left: string[] = [];
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${namespace}:*`, 'COUNT', 1000);
        cursor = next;
        left.push(...keys);
      } while (cursor !== '0');
      expect(left).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });
});
