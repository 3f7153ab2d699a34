/**
 * The sandbox page's JSON API. Every click, submission, command and message travels on to keywarden as the signed
 * request Slack would send (through the emulator's platform driver); the rest reads the emulators.
 */
import { randomUUID } from 'node:crypto';
import type { OpenAIEmulator } from '../emulators/openai/index.js';
import type { DriverResponse, SlackDriver, SlackEmulator, ViewStateValues } from '../emulators/slack/index.js';
import type { PollReport } from '../spend/spendPoll.js';
import { SLASH_COMMAND } from '../platform/slack/ids.js';
import { BURST_DEFAULT_USD, addSpend, projectSpends, spendAmountProblem } from './demoSpend.js';
import type { StoredLimits } from '../limits/limitStore.js';
import { DEMO_CHANNELS, DEMO_CHANNEL_LIST, DEMO_USERGROUP, DEMO_USERS, requesterId } from './demoWorkspace.js';
import type { ScreenStates } from './screenState.js';
import { encodeTypedText, readComposerInput, type TypedTextDirectory } from './typedText.js';

export interface ApiAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

export interface PageApiDeps {
  readonly slack: SlackEmulator;
  readonly openai: OpenAIEmulator;
  readonly driver: SlackDriver;
  readonly screens: ScreenStates;
  /** one spend poll in the running keywarden */
  readonly pollSpendNow: () => Promise<PollReport>;
  /** the limits keywarden stored for a project (null when none); default: none anywhere */
  readonly limitsOf?: (projectId: string) => Promise<StoredLimits | null>;
  /** the sandbox's clock, ms since the epoch */
  readonly now: () => number;
  /** tells open pages that something outside the Slack emulator changed */
  readonly announce: (kind: string) => void;
}

/** Slack's own limit before it shows a command or click as failed. */
const SLACK_ACK_DEADLINE_MS = 3_000;

const answer = (status: number, body: Record<string, unknown>): ApiAnswer => ({ status, body });
const refuse = (status: number, error: string): ApiAnswer => answer(status, { ok: false, error });

function stringField(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function typedTextDirectory(): TypedTextDirectory {
  const users = new Map<string, string>();
  for (const u of DEMO_USERS) {
    users.set(u.name.toLowerCase(), u.id);
    users.set(u.realName.split(' ')[0]!.toLowerCase(), u.id);
  }
  return {
    users,
    usergroups: new Map([[DEMO_USERGROUP.handle, DEMO_USERGROUP.id]]),
    channels: new Map(DEMO_CHANNEL_LIST.map((c) => [c.name, c.id])),
  };
}

/** What the page is told about keywarden's answer to a signed request, the way Slack would show a failure. */
function driverOutcome(response: DriverResponse, what: string): ApiAnswer {
  const slow = response.ms > SLACK_ACK_DEADLINE_MS;
  if (response.status !== 200) {
    return answer(200, { ok: false, status: response.status, ms: Math.round(response.ms), error: `${what} failed: keywarden answered HTTP ${response.status}` });
  }
  return answer(200, {
    ok: true,
    status: response.status,
    ms: Math.round(response.ms),
    ...(slow ? { warning: `${what} took ${(response.ms / 1000).toFixed(1)} s; Slack gives up after 3 s (operation_timeout)` } : {}),
  });
}

function isViewStateValues(value: unknown): value is ViewStateValues {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  return Object.values(value).every(
    (block) =>
      typeof block === 'object' &&
      block !== null &&
      Object.values(block as Record<string, unknown>).every((v) => typeof v === 'object' && v !== null && typeof (v as { type?: unknown }).type === 'string'),
  );
}

const dollars = (amount: number): string => `$${amount.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** What a poll found, for the time panel's log. */
export function describePoll(report: PollReport): string {
  const found = `${plural(report.projectsWithSpend, 'project')} with spend, ${report.limitedProjects} with limits`;
  const claimed =
    report.alertsClaimed === 0
      ? 'no new alerts'
      : `${plural(report.alertsClaimed, 'new alert')} claimed, on the way to #${DEMO_CHANNELS.spend.name} (or the project’s own alert channel)`;
  const before = report.alertsAlreadyClaimed > 0 ? `; ${report.alertsAlreadyClaimed} told at earlier polls` : '';
  const missing = report.estimateMissing ? ' Usage could not be read, so spend OpenAI has not billed yet is left out.' : '';
  return `keywarden polled spend for ${report.month}: ${found}; ${claimed}${before}.${missing}`;
}

/** What adding spend did, for the time panel's log. */
export function describeAddedSpend(added: { project: string; usd: number; monthToDateUsd: number; spendLimitUsd: number | null; spendLimitEnforcing: boolean }): string {
  const budget =
    added.spendLimitUsd === null
      ? ''
      : added.spendLimitEnforcing
        ? `, past its OpenAI budget of ${dollars(added.spendLimitUsd)}: OpenAI now refuses its requests`
        : ` of its ${dollars(added.spendLimitUsd)} OpenAI budget`;
  return `Added ${dollars(added.usd)} of gpt-4o spend to ${added.project}: ${dollars(added.monthToDateUsd)} this month${budget}. keywarden sees it at its next poll.`;
}

export function createPageApi(deps: PageApiDeps) {
  const { slack, driver, screens } = deps;
  const directory = typedTextDirectory();
  const spends = () => projectSpends(deps.openai, deps.now(), deps.limitsOf);

  /** The demo user a request acts as, and a channel they can see (when the request names one). */
  function actor(body: Record<string, unknown>): { userId: string } | ApiAnswer {
    const userId = body.user;
    if (!screens.isDemoUser(userId)) return refuse(400, 'user must be one of the demo users');
    return { userId };
  }

  function visibleChannel(userId: string, body: Record<string, unknown>): string | ApiAnswer {
    const channel = stringField(body, 'channel');
    if (channel === undefined || !screens.canSee(userId, channel)) return refuse(400, 'channel must be a channel this user can see');
    return channel;
  }

  /** Runs a driver call, turning its refusals (an element no longer rendered, a modal already closed) into a 409. */
  async function viaDriver(call: () => Promise<DriverResponse>, what: string): Promise<ApiAnswer> {
    try {
      return driverOutcome(await call(), what);
    } catch (error) {
      return refuse(409, (error as Error).message);
    }
  }

  return {
    state(query: URLSearchParams): ApiAnswer {
      const userId = query.get('user') ?? requesterId();
      if (!screens.isDemoUser(userId)) return refuse(400, 'user must be one of the demo users');
      const channelId = query.get('channel') ?? undefined;
      const threadTs = query.get('thread') ?? undefined;
      return answer(200, {
        ok: true,
        ...screens.screenFor(userId, { ...(channelId ? { channelId } : {}), ...(threadTs ? { threadTs } : {}) }),
      });
    },

    async command(body: Record<string, unknown>): Promise<ApiAnswer> {
      const who = actor(body);
      if ('status' in who) return who;
      const channel = visibleChannel(who.userId, body);
      if (typeof channel !== 'string') return channel;
      const input = readComposerInput(String(body.text ?? ''));
      if (input.kind !== 'command') return refuse(400, 'a command starts with /');
      if (input.command !== SLASH_COMMAND) {
        return answer(200, {
          ok: false,
          error: `${input.command} is not a valid command. In Slack, all messages that start with the "/" character are interpreted as commands. This workspace has ${SLASH_COMMAND}.`,
        });
      }
      return viaDriver(
        () => driver.slashCommand({ userId: who.userId, channelId: channel, text: encodeTypedText(input.text, directory) }),
        SLASH_COMMAND,
      );
    },

    async message(body: Record<string, unknown>): Promise<ApiAnswer> {
      const who = actor(body);
      if ('status' in who) return who;
      const channel = visibleChannel(who.userId, body);
      if (typeof channel !== 'string') return channel;
      const text = String(body.text ?? '');
      if (text.trim() === '') return refuse(400, 'a message needs text');
      const threadTs = stringField(body, 'threadTs');
      return viaDriver(
        () => driver.postMessage({ userId: who.userId, channel, text: encodeTypedText(text, directory), ...(threadTs ? { threadTs } : {}) }),
        'Sending the message',
      );
    },

    async click(body: Record<string, unknown>): Promise<ApiAnswer> {
      const who = actor(body);
      if ('status' in who) return who;
      const actionId = stringField(body, 'actionId');
      if (actionId === undefined) return refuse(400, 'actionId is required');
      const blockId = stringField(body, 'blockId');
      const value = typeof body.value === 'string' ? body.value : undefined;
      const common = { userId: who.userId, actionId, ...(blockId ? { blockId } : {}), ...(value !== undefined ? { value } : {}) };
      const viewId = stringField(body, 'viewId');
      if (viewId !== undefined) return viaDriver(() => driver.clickButton({ ...common, viewId }), 'The button');
      const channel = visibleChannel(who.userId, body);
      if (typeof channel !== 'string') return channel;
      const messageTs = stringField(body, 'messageTs');
      if (messageTs === undefined) return refuse(400, 'messageTs or viewId is required');
      return viaDriver(() => driver.clickButton({ ...common, channel, messageTs }), 'The button');
    },

    /**
     * Typing in an external select of an open modal: asks keywarden for options as Slack would (a signed
     * block_suggestion through the driver). Answers `{ ok, options: [{ text, value }], ms }`; `ok: false` with an
     * `error` when keywarden's answer broke Slack's rules (Slack then shows no options) or was later than 3 s.
     */
    async options(body: Record<string, unknown>): Promise<ApiAnswer> {
      const who = actor(body);
      if ('status' in who) return who;
      const viewId = stringField(body, 'viewId');
      const actionId = stringField(body, 'actionId');
      if (viewId === undefined || actionId === undefined) return refuse(400, 'viewId and actionId are required');
      const blockId = stringField(body, 'blockId');
      const value = typeof body.value === 'string' ? body.value : '';
      try {
        const found = await driver.suggestOptions({ userId: who.userId, viewId, actionId, value, ...(blockId ? { blockId } : {}) });
        const outcome = driverOutcome(found, 'Loading options');
        if (found.problems.length > 0) {
          return answer(200, { ...outcome.body, ok: false, options: [], error: `Slack would show no options: keywarden’s answer ${found.problems.slice(0, 3).join('; ')}` });
        }
        return answer(200, { ...outcome.body, options: found.options });
      } catch (error) {
        return refuse(409, (error as Error).message);
      }
    },

    async submit(body: Record<string, unknown>): Promise<ApiAnswer> {
      const who = actor(body);
      if ('status' in who) return who;
      const viewId = stringField(body, 'viewId');
      if (viewId === undefined) return refuse(400, 'viewId is required');
      if (!isViewStateValues(body.values)) return refuse(400, 'values must be view state values: block_id → action_id → { type, … }');
      const values = body.values;
      return viaDriver(() => driver.submitView({ userId: who.userId, viewId, values }), 'Submitting the form');
    },

    closeModal(body: Record<string, unknown>): ApiAnswer {
      const who = actor(body);
      if ('status' in who) return who;
      const viewId = stringField(body, 'viewId');
      if (viewId === undefined || !screens.closeModal(who.userId, viewId)) return refuse(404, 'no such modal for this user');
      deps.announce('view.closed');
      return answer(200, { ok: true });
    },

    dismissEphemeral(body: Record<string, unknown>): ApiAnswer {
      const who = actor(body);
      if ('status' in who) return who;
      const ts = stringField(body, 'ts');
      if (ts === undefined || !screens.dismissEphemeral(who.userId, ts)) return refuse(404, 'no such ephemeral message for this user');
      deps.announce('ephemeral.dismissed');
      return answer(200, { ok: true });
    },

    /** The user opened the app's Home tab: Slack sends app_home_opened. */
    async homeOpened(body: Record<string, unknown>): Promise<ApiAnswer> {
      const who = actor(body);
      if ('status' in who) return who;
      const nowSeconds = deps.now() / 1000;
      const envelope = {
        token: 'emulator-verification-token',
        team_id: slack.teamId,
        api_app_id: slack.appId,
        event: { type: 'app_home_opened', user: who.userId, channel: slack.dmChannelOf(who.userId), tab: 'home', event_ts: nowSeconds.toFixed(6) },
        type: 'event_callback',
        event_id: `Ev${randomUUID().replace(/-/g, '').slice(0, 10).toUpperCase()}`,
        event_time: Math.floor(nowSeconds),
        authorizations: [{ enterprise_id: null, team_id: slack.teamId, user_id: slack.botUserId, is_bot: true, is_enterprise_install: false }],
      };
      return viaDriver(() => driver.sendRaw({ body: JSON.stringify(envelope) }), 'Opening Home');
    },

    async projects(): Promise<ApiAnswer> {
      try {
        const now = deps.now();
        return answer(200, { ok: true, now, projects: await projectSpends(deps.openai, now, deps.limitsOf), burstDefaultUsd: BURST_DEFAULT_USD });
      } catch (error) {
        return refuse(502, `The time panel could not read this month’s spend: ${(error as Error).message}.`);
      }
    },

    async spend(body: Record<string, unknown>): Promise<ApiAnswer> {
      const projectId = stringField(body, 'projectId');
      const project = projectId === undefined ? undefined : deps.openai.project(projectId);
      if (!project || project.status !== 'active' || projectId === undefined) {
        return refuse(400, 'Choose one of the demo organization’s active projects first.');
      }
      let usd: number;
      try {
        if (body.kind === 'day') {
          usd = (await spends()).find((p) => p.id === projectId)?.dailyUsd ?? 0;
        } else if (body.kind === 'burst') {
          usd = body.usd === undefined || body.usd === '' ? BURST_DEFAULT_USD : Number(body.usd);
          const problem = spendAmountProblem(usd);
          if (problem) return refuse(400, `No spend added. ${problem}`);
        } else {
          return refuse(400, 'The panel can add a day’s spend or a burst, nothing else.');
        }
      } catch (error) {
        return refuse(502, `No spend added: the time panel could not read this month’s spend: ${(error as Error).message}.`);
      }
      const added = addSpend(deps.openai, { projectId, usd, nowMs: deps.now() });
      deps.announce('spend.added');
      const after = (await spends().catch(() => [])).find((p) => p.id === projectId);
      const outcome = {
        project: project.name,
        usd: added.usd,
        monthToDateUsd: after?.monthToDateUsd ?? 0,
        spendLimitUsd: after?.spendLimitUsd ?? null,
        spendLimitEnforcing: after?.spendLimitEnforcing ?? false,
      };
      return answer(200, { ok: true, ...added, ...outcome, note: describeAddedSpend(outcome) });
    },

    async poll(): Promise<ApiAnswer> {
      try {
        const report = await deps.pollSpendNow();
        deps.announce('spend.polled');
        return answer(200, { ok: true, report, note: describePoll(report) });
      } catch (error) {
        return answer(200, { ok: false, note: `The poll failed: ${(error as Error).message}` });
      }
    },
  };
}

export type PageApi = ReturnType<typeof createPageApi>;
