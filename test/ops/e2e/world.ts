/**
 * What keywarden processes under test talk to: the Slack and OpenAI emulators in this test process (seeded like
 * test/support/harness.ts), one Redis namespace, and the environment a keywarden child needs to reach them.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { createSlackDriver, startSlackEmulator, type SlackDriver, type SlackEmulator, type SlackMessage } from '../../../src/emulators/slack/index.js';
import { startOpenAIEmulator, type OpenAIEmulator } from '../../../src/emulators/openai/index.js';
import type { KeyRequest } from '../../../src/domain/request.js';
import { APPROVAL_CHANNEL, APPROVER_GROUP, GENERAL_CHANNEL, REDIS_URL, SIGNING_SECRET, SPEND_CHANNEL, USERS, waitUntil } from '../../support/harness.js';
import type { KeywardenProcess } from '../../support/processes.js';

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
    ],
  });
  // A distinct admin key per world, so a test can look for this exact value in the logs.
  const openai = await startOpenAIEmulator({ adminKey: `sk-admin-${randomBytes(12).toString('hex')}` });
  const support = openai.addProject({ name: 'Support Bot' }).id;
  const research = openai.addProject({ name: 'Research Assistant' }).id;

  const namespace = `ops${randomBytes(5).toString('hex')}`;
  const redisUrl = opts.redisUrl ?? REDIS_URL;
  const sharedRedis = opts.redisUrl === undefined;
  const env: Record<string, string> = {
    SLACK_BOT_TOKEN: slack.botToken,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    OPENAI_ADMIN_KEY: openai.adminKey,
    OPENAI_BASE_URL: openai.baseURL,
    OPENAI_TIMEOUT_MS: '5000',
    REDIS_URL: redisUrl,
    KEYWARDEN_NAMESPACE: namespace,
    KEYWARDEN_APPROVAL_CHANNEL: APPROVAL_CHANNEL,
    KEYWARDEN_ALERT_CHANNEL: SPEND_CHANNEL,
    KEYWARDEN_APPROVERS: `${USERS.approver},${APPROVER_GROUP}`,
    KEYWARDEN_ADMINS: USERS.admin,
    KEYWARDEN_SECRET: randomBytes(32).toString('base64'),
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

  return {
    slack,
    openai,
    namespace,
    redisUrl,
    env,
    projects: { support, research },
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
      const before = slack.messages(APPROVAL_CHANNEL).length;
      const res = await driver.slashCommand({ userId: USERS.requester, text, channelId: GENERAL_CHANNEL });
      if (res.status !== 200) throw new Error(`the slash command was answered ${res.status}: ${res.body}`);
      const purpose = text.split(' ').slice(-3).join(' ');
      const message = await slack.waitFor(
        () => slack.messages(APPROVAL_CHANNEL).slice(before).find((m) => JSON.stringify(m.blocks ?? []).includes(purpose)),
        timeoutMs,
      );
      return { message, requestId: requestIdOf(message) };
    },
    requestIdOf,
    dmsTo: (userId) => slack.messages(slack.dmChannelOf(userId)),
    async close() {
      // Only the shared Redis outlives the test; a private redis-server is thrown away with its data.
      if (sharedRedis) {
        const c = redis();
        let cursor = '0';
        do {
          const [next, found] = await c.scan(cursor, 'MATCH', `${namespace}:*`, 'COUNT', 1000);
          cursor = next;
          if (found.length > 0) await c.del(...found);
        } while (cursor !== '0');
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
