/**
 * Starts the real keywarden against the Slack and OpenAI emulators and a real Redis, each test file in its own Redis
 * namespace. Nothing of keywarden is mocked. HTTP mode (default): the driver sends signed Slack requests over
 * loopback. Socket Mode (`mode: 'socket'`): keywarden gets SLACK_APP_TOKEN, opens its WebSocket to the emulator
 * through SLACK_API_URL, and the driver sends envelopes over it.
 */
import type { StoredLimits } from '../../src/limits/limitStore.js';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { deleteNamespace } from '../../src/platform/redis/redis.js';
import { readConfig, type Config } from '../../src/platform/config/config.js';
import { createLogger } from '../../src/platform/log.js';
import { secretsOf, startKeywarden, type RunningKeywarden, type Role } from '../../src/main.js';
import { createSlackDriver, type SlackDriver, type SlackEmulator, type SlackMessage } from '../../src/emulators/slack/index.js';
import type { OpenAIEmulator } from '../../src/emulators/openai/index.js';
import { ACTION } from '../../src/platform/slack/ids.js';
import type { KeyRequest } from '../../src/keys/domain/keyRequest.js';
import { APPROVAL_CHANNEL, REDIS_URL, SIGNING_SECRET, startEmulatedWorkspace } from './workspace.js';

export {
  APPROVAL_CHANNEL,
  APPROVER_GROUP,
  GENERAL_CHANNEL,
  PRIVATE_CHANNEL,
  REDIS_URL,
  SIGNING_SECRET,
  SPEND_CHANNEL,
  USERS,
} from './workspace.js';

export interface Harness {
  readonly slack: SlackEmulator;
  readonly openai: OpenAIEmulator;
  readonly app: RunningKeywarden;
  readonly driver: SlackDriver;
  readonly redis: Redis;
  readonly config: Config;
  readonly namespace: string;
  readonly mode: HarnessMode;
  readonly env: Record<string, string>;
  readonly logLines: string[];
  readonly projects: { support: string; research: string; archived: string };
  /** polls `probe` until it returns something truthy (15 s by default: Slack posts are paced at 1/s per channel) */
  waitFor<T>(probe: () => T | undefined | null | false, timeoutMs?: number): Promise<T>;
  /** the request id carried by the newest request message's buttons */
  latestRequestMessage(): SlackMessage | undefined;
  requestIdOf(message: SlackMessage): string;
  request(id: string): Promise<KeyRequest | null>;
  /** a project's limits as keywarden stored them, read from Redis; null when none */
  limitsOf(projectId: string): Promise<StoredLimits | null>;
  waitForState(id: string, state: KeyRequest['state'], timeoutMs?: number): Promise<KeyRequest>;
  stop(): Promise<void>;
}

export type HarnessMode = 'http' | 'socket';

export interface HarnessOptions {
  /** how Slack reaches keywarden: signed HTTP requests (default) or Socket Mode envelopes */
  readonly mode?: HarnessMode;
  readonly env?: Record<string, string>;
  readonly role?: Role;
  /** the app's and the OpenAI emulator's clock (ms) */
  readonly now?: () => number;
  /** the approval policy file's YAML text: written to a temporary file named by KEYWARDEN_POLICY_FILE */
  readonly policy?: string;
}

/** Writes `yaml` to a fresh temporary file and returns its path. */
export function writePolicyFile(yaml: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'kw-policy-')), 'policy.yml');
  writeFileSync(path, yaml);
  return path;
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const namespace = `t${randomBytes(5).toString('hex')}`;
  const mode = opts.mode ?? 'http';
  const workspace = await startEmulatedWorkspace({ namespace, ...(opts.now ? { openai: { now: opts.now } } : {}) });
  const { slack, openai, projects } = workspace;
  const env: Record<string, string> = {
    ...workspace.env,
    OPENAI_TIMEOUT_MS: '3000',
    PORT: '0',
    KEYWARDEN_REQUEST_TTL: '72h',
    KEYWARDEN_REVEAL_TTL: '24h',
    KEYWARDEN_KEY_DAYS: '30,90',
    // Polls run when a test asks (pollSpendNow) unless a test sets its own schedule.
    KEYWARDEN_POLL_CRON: '0 0 1 1 *',
    LOG_LEVEL: 'debug',
    ...(mode === 'socket' ? { SLACK_APP_TOKEN: slack.appToken } : {}),
    ...(opts.policy !== undefined ? { KEYWARDEN_POLICY_FILE: writePolicyFile(opts.policy) } : {}),
    ...opts.env,
  };
  const parsed = readConfig(env);
  if (!parsed.ok) throw new Error(`test config is invalid: ${JSON.stringify(parsed.error)}`);
  const config = parsed.value;

  const logLines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  // the same secrets production registers with its logger
  const log = createLogger({ level: 'debug', destination, secrets: secretsOf(config) });
  const app = await startKeywarden(config, { log, host: '127.0.0.1', ...(opts.role ? { role: opts.role } : {}), ...(opts.now ? { clock: opts.now } : {}) });
  const driver =
    mode === 'socket'
      ? createSlackDriver({ emulator: slack, mode: 'socket' })
      : createSlackDriver({ emulator: slack, appUrl: `http://127.0.0.1:${app.port}/slack/events`, signingSecret: SIGNING_SECRET });
  const redis = new Redis(REDIS_URL, { protocol: 2 });
  const prefix = namespace ? `${namespace}:{kw}` : '{kw}';

  const request = async (id: string) => {
    const raw = await redis.get(`${prefix}:request:${id}`);
    return raw ? (JSON.parse(raw) as KeyRequest) : null;
  };

  return {
    slack,
    openai,
    app,
    driver,
    redis,
    config,
    namespace,
    mode,
    env,
    logLines,
    projects,
    waitFor: (probe, timeoutMs = 15_000) => slack.waitFor(probe, timeoutMs),
    latestRequestMessage: () => slack.messages(APPROVAL_CHANNEL).at(-1),
    requestIdOf: (message) => {
      const match = /req_[a-z2-7]{10}/.exec(JSON.stringify(message.blocks ?? []));
      if (!match) throw new Error('no request id in that message');
      return match[0];
    },
    request,
    limitsOf: async (projectId) => {
      const raw = await redis.get(`${prefix}:limits:${projectId}`);
      return raw ? (JSON.parse(raw) as StoredLimits) : null;
    },
    waitForState: (id, state, timeoutMs = 15_000) =>
      waitUntil(async () => {
        const r = await request(id);
        return r && r.state === state ? r : undefined;
      }, timeoutMs, `request ${id} to become ${state}`),
    async stop() {
      await app.stop();
      await Promise.all([slack.close(), openai.close()]);
      await deleteNamespace(redis, namespace);
      redis.disconnect();
    },
  };
}

export async function waitUntil<T>(probe: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The ids of every action element in a message's blocks. */
export function actionIdsIn(message: { blocks?: unknown[] } | undefined): string[] {
  const ids: string[] = [];
  for (const block of (message?.blocks ?? []) as { type: string; elements?: { action_id?: string }[] }[]) {
    if (block.type === 'actions') for (const e of block.elements ?? []) if (e.action_id) ids.push(e.action_id);
  }
  return ids;
}

export const APPROVE = ACTION.approveRequest;
export const DENY = ACTION.denyRequest;
export const REVEAL = ACTION.revealKey;
