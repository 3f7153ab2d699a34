/**
 * What keywarden processes under test talk to: the Slack and OpenAI emulators in this test process (the workspace of
 * test/support/workspace.ts), one Redis namespace, and the environment a keywarden child needs to reach them.
 */
import { openRequestAsPerson } from '../../../support/openRequest.js';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { createSlackDriver, type SlackDriver, type SlackEmulator, type SlackMessage } from '../../../../src/emulators/slack/index.js';
import type { OpenAIEmulator } from '../../../../src/emulators/openai/index.js';
import type { KeyRequest } from '../../../../src/keys/domain/keyRequest.js';
import { deleteNamespace } from '../../../../src/platform/redis/redis.js';
import { waitUntil } from '../../../support/harness.js';
import {
  APPROVAL_CHANNEL,
  GENERAL_CHANNEL,
  REDIS_URL,
  SIGNING_SECRET,
  USERS,
  startEmulatedWorkspace,
} from '../../../support/workspace.js';
import type { KeywardenProcess } from '../../../support/processes.js';

export interface World {
  readonly slack: SlackEmulator;
  readonly openai: OpenAIEmulator;
  readonly namespace: string;
  readonly redisUrl: string;
  /** everything a keywarden child needs, as environment variables */
  readonly env: Readonly<Record<string, string>>;
  readonly projects: { readonly support: string; readonly research: string };
  /** a Slack driver sending signed requests to this process's /slack/events */
  driverFor(process: Pick<KeywardenProcess, 'url'>): SlackDriver;
  /** a connection to the world's Redis (opened on first use) */
  redis(): Redis;
  /** the key `[namespace:]{kw}:<parts>` */
  key(...parts: string[]): string;
  request(id: string): Promise<KeyRequest | null>;
  waitForState(id: string, state: KeyRequest['state'], timeoutMs?: number): Promise<KeyRequest>;
  /** sends `/openai-key request <project> <purpose>` and waits for the request message in the approval channel */
  openRequest(driver: SlackDriver, text: string, timeoutMs?: number): Promise<{ message: SlackMessage; requestId: string }>;
  /** the request id carried by a request message's buttons */
  requestIdOf(message: SlackMessage): string;
  /** every message of the requester's DM */
  dmsTo(userId: string): SlackMessage[];
  /** deletes the namespace's keys from the shared Redis, closes the emulators and the Redis connection */
  close(): Promise<void>;
}

export interface WorldOptions {
  /** a private redis-server, whose data is not scrubbed on close; the shared Redis by default */
  readonly redisUrl?: string;
  readonly env?: Readonly<Record<string, string>>;
}

export async function startWorld(opts: WorldOptions = {}): Promise<World> {
  const namespace = `ops${randomBytes(5).toString('hex')}`;
  const redisUrl = opts.redisUrl ?? REDIS_URL;
  const sharedRedis = opts.redisUrl === undefined;
  const workspace = await startEmulatedWorkspace({
    namespace,
    redisUrl,
    // A distinct admin key per world, so a test can look for this exact value in the logs.
    openai: { adminKey: `sk-admin-${randomBytes(12).toString('hex')}` },
  });
  const { slack, openai, projects } = workspace;
  const env: Record<string, string> = {
    ...workspace.env,
    OPENAI_TIMEOUT_MS: '5000',
    KEYWARDEN_JOB_LOCK_MS: '2000',
    LOG_LEVEL: 'info',
    ...opts.env,
  };

  let connection: Redis | null = null;
  const redis = () => {
    if (connection) return connection;
    connection = new Redis(redisUrl, { protocol: 2, connectTimeout: 1_000, retryStrategy: () => 100 });
    // A test may stop a private Redis on purpose; commands sent meanwhile wait for it instead.
    connection.on('error', () => undefined);
    return connection;
  };
  const key = (...parts: string[]) => [`${namespace}:{kw}`, ...parts].join(':');
  const request = async (id: string) => {
    const raw = await redis().get(key('request', id));
    return raw ? (JSON.parse(raw) as KeyRequest) : null;
  };
  const requestIdOf = (message: SlackMessage) => {
    const match = /req_[a-z2-7]{10}/.exec(JSON.stringify(message.blocks ?? []));
    if (!match) throw new Error(`no request id in message ${message.ts}`);
    return match[0];
  };

  /** the ts of each duplicate warning an opener of this world has clicked */
  const clickedWarnings = new Set<string>();
  return {
    slack,
    openai,
    namespace,
    redisUrl,
    env,
    projects,
    driverFor: (process) => createSlackDriver({ emulator: slack, appUrl: process.url('/slack/events'), signingSecret: SIGNING_SECRET }),
    redis,
    key,
    request,
    waitForState: (id, state, timeoutMs = 20_000) =>
      waitUntil(
        async () => {
          const r = await request(id);
          return r && r.state === state ? r : undefined;
        },
        timeoutMs,
        `request ${id} to become ${state}`,
      ),
    async openRequest(driver, text, timeoutMs = 20_000) {
      const { message } = await openRequestAsPerson(slack, driver, text, { timeoutMs, clickedWarnings });
      return { message, requestId: requestIdOf(message) };
    },
    requestIdOf,
    dmsTo: (userId) => slack.messages(slack.dmChannelOf(userId)),
    async close() {
      // Only the shared Redis outlives the test; a private redis-server is thrown away with its data.
      if (sharedRedis) {
        await deleteNamespace(redis(), namespace);
      }
      connection?.disconnect();
      await Promise.all([slack.close(), openai.close()]);
    },
  };
}

/** GET (or another method) on a keywarden process, answered as status, body text and JSON when it is JSON. */
export async function httpCall(url: string, init: RequestInit = {}): Promise<{ status: number; text: string; json: unknown; headers: Headers }> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(5_000) });
  const text = await res.text();
  let json: unknown = undefined;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json, headers: res.headers };
}

export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
}
