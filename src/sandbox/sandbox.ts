/**
 * keywarden with no Slack workspace and no OpenAI account: the real app (HTTP mode) wired to the Slack and OpenAI
 * emulators and a Redis, and a web page that plays Slack's client over them. Nothing leaves the machine.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { readConfig, formatConfigProblems, type Config } from '../platform/config/config.js';
import { createLogger } from '../platform/log.js';
import { secretsOf, startKeywarden, type RunningKeywarden } from '../main.js';
import { seedDemoOrganization, startOpenAIEmulator, type OpenAIEmulator } from '../emulators/openai/index.js';
import { createSlackDriver, startSlackEmulator, type SlackEmulator } from '../emulators/slack/index.js';
import { DEMO_CHANNEL_LIST, DEMO_USERGROUP, DEMO_USERS, sandboxEnv } from './demoWorkspace.js';
import { createPageApi } from './pageApi.js';
import { startPageServer } from './pageServer.js';
import { ScreenStates } from './screenState.js';
import { deleteNamespace, redisKeys } from '../platform/redis/redis.js';
import { LimitsStore } from '../limits/limitStore.js';

export interface SandboxOptions {
  readonly redisUrl: string;
  /** the page's port; 0 for any free one */
  readonly port?: number;
  /** successive ports to try when `port` is taken; default 1 (only `port`) */
  readonly portAttempts?: number;
  /** default 127.0.0.1 */
  readonly host?: string;
  /**
   * keywarden's Redis namespace (and so its BullMQ queues); its keys are cleared at start and stop. Default
   * `sandbox-<page port>`, so two sandboxes on one Redis keep apart and each clears only its own.
   */
  readonly namespace?: string;
  /**
   * The clock (ms since the epoch) of everything in the sandbox: the seeded demo organization and its month of
   * spend, both emulators, keywarden's polls and alerts, the time panel. Default Date.now.
   */
  readonly now?: () => number;
  /**
   * How keywarden receives Slack's requests: 'http' (default; the page's clicks and commands reach it as signed
   * HTTP requests) or 'socket' (Socket Mode: keywarden connects to the Slack emulator with an app-level token, and
   * the page's clicks and commands reach it as envelopes over that WebSocket).
   */
  readonly slackMode?: 'http' | 'socket';
  /** keywarden's log level; default 'warn' */
  readonly logLevel?: Config['logLevel'];
  /** where keywarden's JSON log lines go; default stderr */
  readonly logDestination?: NodeJS.WritableStream;
}

export interface RunningSandbox {
  /** the page, e.g. http://localhost:3000/ */
  readonly url: string;
  readonly port: number;
  /** the Redis namespace this sandbox owns */
  readonly namespace: string;
  readonly slack: SlackEmulator;
  readonly openai: OpenAIEmulator;
  readonly keywarden: RunningKeywarden;
  stop(): Promise<void>;
}

/** Deletes every key of the namespace: the emulators start empty, so data from an earlier run would point nowhere. */
async function clearNamespace(redisUrl: string, namespace: string): Promise<void> {
  const redis = new Redis(redisUrl, { protocol: 2, maxRetriesPerRequest: 1, connectTimeout: 2_000, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await deleteNamespace(redis, namespace);
  } finally {
    redis.disconnect();
  }
}

/** The namespace a sandbox on `port` uses unless told otherwise. */
export const sandboxNamespace = (port: number): string => `sandbox-${port}`;

/**
 * Starts the emulators, keywarden and the page. The page's port is taken first, so the namespace derived from it is
 * never one another running sandbox owns; then that namespace is cleared and keywarden starts in it.
 * @throws the listen error (EADDRINUSE) when no port of `port`…`port + portAttempts - 1` is free; config problems
 */
export async function startSandbox(opts: SandboxOptions): Promise<RunningSandbox> {
  const host = opts.host ?? '127.0.0.1';
  const now = opts.now ?? Date.now;
  const page = await startPageServer({ host, port: opts.port ?? 0, portAttempts: opts.portAttempts ?? 1 });
  const namespace = opts.namespace ?? sandboxNamespace(page.port);
  const started: { stop(): Promise<void> }[] = [{ stop: () => page.close() }];
  const stopStarted = async () => {
    for (const part of started.reverse()) await part.stop().catch(() => undefined);
  };
  try {
    const [slack, openai] = await Promise.all([
      startSlackEmulator({
        users: DEMO_USERS.map(({ id, name, realName }) => ({ id, name, realName })),
        usergroups: [DEMO_USERGROUP],
        channels: DEMO_CHANNEL_LIST.map(({ id, name }) => ({ id, name })),
        now,
      }),
      startOpenAIEmulator({ now }),
    ]);
    started.push({ stop: () => slack.close() }, { stop: () => openai.close() });
    seedDemoOrganization(openai, { now: now() });
    await clearNamespace(opts.redisUrl, namespace);

    const signingSecret = randomBytes(24).toString('hex');
    const logLevel = opts.logLevel ?? 'warn';
    const env = sandboxEnv({
      slack: { botToken: slack.botToken, apiUrl: slack.apiUrl },
      ...(opts.slackMode === 'socket' ? { appToken: slack.appToken } : {}),
      openai: { adminKey: openai.adminKey, baseURL: openai.baseURL },
      signingSecret,
      redisUrl: opts.redisUrl,
      namespace,
      logLevel,
    });
    const config = readConfig(env);
    if (!config.ok) throw new Error(formatConfigProblems(config.error));
    const log = createLogger({
      level: logLevel,
      destination: opts.logDestination ?? process.stderr,
      base: { sandbox: true },
      secrets: secretsOf(config.value),
    });
    const running = await startKeywarden(config.value, { log, host: '127.0.0.1', clock: now });
    started.push({ stop: () => running.stop() });
    // The time panel reads the limits keywarden stored, to suggest limits only where none are set.
    const limitsRedis = new Redis(opts.redisUrl, { protocol: 2, maxRetriesPerRequest: 1 });
    limitsRedis.on('error', () => undefined);
    started.push({ stop: async () => void limitsRedis.disconnect() });
    const limits = new LimitsStore(limitsRedis, redisKeys(namespace));

    const driver =
      opts.slackMode === 'socket'
        ? createSlackDriver({ emulator: slack, mode: 'socket' })
        : createSlackDriver({ emulator: slack, appUrl: `http://127.0.0.1:${running.port}/slack/events`, signingSecret });
    const screens = new ScreenStates(slack);
    const api = createPageApi({
      slack,
      openai,
      driver,
      screens,
      pollSpendNow: () => running.pollSpendNow(),
      limitsOf: (projectId) => limits.get(projectId),
      now,
      announce: (kind) => page.announce({ kind }),
    });
    page.attach(api);
    // Every Web API call is an 'api.call' change too; pages only need the changes that alter what a user sees.
    const unsubscribe = slack.onChange((change) => {
      if (change.kind !== 'api.call' && change.kind !== 'response_url.posted') page.announce({ ...change });
    });

    let stopping: Promise<void> | null = null;
    return {
      url: `http://localhost:${page.port}/`,
      port: page.port,
      namespace,
      slack,
      openai,
      keywarden: running,
      stop() {
        stopping ??= (async () => {
          unsubscribe();
          await stopStarted();
          await clearNamespace(opts.redisUrl, namespace).catch(() => undefined);
        })();
        return stopping;
      },
    };
  } catch (error) {
    await stopStarted();
    throw error;
  }
}
