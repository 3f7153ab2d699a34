/**
 * Starts the real keywarden (HTTP mode) against the Slack and OpenAI emulators and a real Redis, each test file in
 * its own Redis namespace. Nothing of keywarden is mocked: the driver sends signed Slack requests over loopback.
 */
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { readConfig, type Config } from '../../src/config/config.js';
import { createLogger } from '../../src/log.js';
import { startKeywarden, type RunningKeywarden, type Role } from '../../src/main.js';
import { createSlackDriver, startSlackEmulator, type SlackDriver, type SlackEmulator, type SlackMessage } from '../../src/emulators/slack/index.js';
import { startOpenAIEmulator, type OpenAIEmulator } from '../../src/emulators/openai/index.js';
import { ACTION } from '../../src/slack/ids.js';
import type { KeyRequest } from '../../src/domain/request.js';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const SIGNING_SECRET = 'test-signing-secret-0123456789abcdef';

export const USERS = {
  requester: 'U0REQUESTER',
  approver: 'U0APPROVER1',
  /** an approver through the S0APPROVERS user group */
  groupApprover: 'U0APPROVER2',
  admin: 'U0ADMIN0001',
  outsider: 'U0OUTSIDER1',
} as const;
export const APPROVAL_CHANNEL = 'C0APPROVALS';
export const GENERAL_CHANNEL = 'C0GENERAL01';
export const SPEND_CHANNEL = 'C0SPEND0001';
/** a channel keywarden's bot has not been invited to */
export const PRIVATE_CHANNEL = 'C0NOBOT0001';
export const APPROVER_GROUP = 'S0APPROVERS';

export interface Harness {
  readonly slack: SlackEmulator;
  readonly openai: OpenAIEmulator;
  readonly app: RunningKeywarden;
  readonly driver: SlackDriver;
  readonly redis: Redis;
  readonly config: Config;
  readonly namespace: string;
  readonly env: Record<string, string>;
  readonly logLines: string[];
  readonly projects: { support: string; research: string; archived: string };
  /** polls `probe` until it returns something truthy (15 s by default: Slack posts are paced at 1/s per channel) */
  waitFor<T>(probe: () => T | undefined | null | false, timeoutMs?: number): Promise<T>;
  /** the request id carried by the newest request message's buttons */
  latestRequestMessage(): SlackMessage | undefined;
  requestIdOf(message: SlackMessage): string;
  request(id: string): Promise<KeyRequest | null>;
  waitForState(id: string, state: KeyRequest['state'], timeoutMs?: number): Promise<KeyRequest>;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  readonly env?: Record<string, string>;
  readonly role?: Role;
  /** the app's and the OpenAI emulator's clock (ms) */
  readonly now?: () => number;
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const slack = await startSlackEmulator({
    users: [
      { id: USERS.requester, name: 'riley', realName: 'Riley Requester' },
      { id: USERS.approver, name: 'avery', realName: 'Avery Approver' },
      { id: USERS.groupApprover, name: 'blake', realName: 'Blake Approver' },
      { id: USERS.admin, name: 'adrian', realName: 'Adrian Admin' },
      { id: USERS.outsider, name: 'oscar', realName: 'Oscar Outsider' },
    ],
    usergroups: [{ id: APPROVER_GROUP, handle: 'key-approvers', users: [USERS.groupApprover] }],
    channels: [
      { id: APPROVAL_CHANNEL, name: 'keywarden-approvals' },
      { id: GENERAL_CHANNEL, name: 'general' },
      { id: SPEND_CHANNEL, name: 'openai-spend' },
      { id: PRIVATE_CHANNEL, name: 'finance', botIsMember: false },
    ],
  });
  const openai = await startOpenAIEmulator(opts.now ? { now: opts.now } : {});
  const support = openai.addProject({ name: 'Support Bot' }).id;
  const research = openai.addProject({ name: 'Research Assistant' }).id;
  const archived = openai.addProject({ name: 'Legacy Prototype', status: 'archived' }).id;

  const namespace = `t${randomBytes(5).toString('hex')}`;
  const env: Record<string, string> = {
    SLACK_BOT_TOKEN: slack.botToken,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    OPENAI_ADMIN_KEY: openai.adminKey,
    OPENAI_BASE_URL: openai.baseURL,
    OPENAI_TIMEOUT_MS: '3000',
    REDIS_URL,
    KEYWARDEN_NAMESPACE: namespace,
    PORT: '0',
    KEYWARDEN_APPROVAL_CHANNEL: APPROVAL_CHANNEL,
    KEYWARDEN_ALERT_CHANNEL: SPEND_CHANNEL,
    KEYWARDEN_APPROVERS: `${USERS.approver},${APPROVER_GROUP}`,
    KEYWARDEN_ADMINS: USERS.admin,
    KEYWARDEN_SECRET: randomBytes(32).toString('base64'),
    KEYWARDEN_REQUEST_TTL: '72h',
    KEYWARDEN_REVEAL_TTL: '24h',
    KEYWARDEN_KEY_DAYS: '30,90',
    // Polls run when a test asks (pollSpendNow) unless a test sets its own schedule.
    KEYWARDEN_POLL_CRON: '0 0 1 1 *',
    LOG_LEVEL: 'debug',
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
  const log = createLogger({ level: 'debug', destination, secrets: [SIGNING_SECRET, env.KEYWARDEN_SECRET ?? ''] });
  const app = await startKeywarden(config, { log, host: '127.0.0.1', ...(opts.role ? { role: opts.role } : {}), ...(opts.now ? { clock: opts.now } : {}) });
  const driver = createSlackDriver({ emulator: slack, appUrl: `http://127.0.0.1:${app.port}/slack/events`, signingSecret: SIGNING_SECRET });
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
    env,
    logLines,
    projects: { support, research, archived },
    waitFor: (probe, timeoutMs = 15_000) => slack.waitFor(probe, timeoutMs),
    latestRequestMessage: () => slack.messages(APPROVAL_CHANNEL).at(-1),
    requestIdOf: (message) => {
      const match = /req_[a-z2-7]{10}/.exec(JSON.stringify(message.blocks ?? []));
      if (!match) throw new Error('no request id in that message');
      return match[0];
    },
    request,
    waitForState: (id, state, timeoutMs = 15_000) =>
      waitUntil(async () => {
        const r = await request(id);
        return r && r.state === state ? r : undefined;
      }, timeoutMs, `request ${id} to become ${state}`),
    async stop() {
      await app.stop();
      await Promise.all([slack.close(), openai.close()]);
      let cursor = '0';
      do {
        const [next, found] = await redis.scan(cursor, 'MATCH', `${namespace}:*`, 'COUNT', 1000);
        cursor = next;
        if (found.length > 0) await redis.del(...found);
      } while (cursor !== '0');
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
