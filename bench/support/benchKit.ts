/**
 * What the benches share: the nearest-rank percentile, a Redis namespace of their own (deleted when they stop), the
 * environment that points keywarden at the emulators, and keywarden started in-process against them.
 */
import { emulatorEnv } from '../../test/support/workspace.js';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { readConfig } from '../../src/platform/config/config.js';
import { startOpenAIEmulator, type OpenAIEmulator } from '../../src/emulators/openai/index.js';
import { createSlackDriver, startSlackEmulator, type SlackDriver, type SlackEmulator } from '../../src/emulators/slack/index.js';
import { createLogger } from '../../src/platform/log.js';
import { secretsOf, startKeywarden, type RunningKeywarden } from '../../src/main.js';
import { deleteNamespace } from '../../src/platform/redis/redis.js';

/** The p-th percentile (0–100) of `values` by nearest rank (any order; not changed); NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

/**
 * A fresh namespace `bench<hex>` on the Redis at `redisUrl`; `stop` deletes its keys and disconnects.
 */
function benchNamespace(redisUrl: string): { readonly namespace: string; stop(): Promise<void> } {
  const namespace = `bench${randomBytes(4).toString('hex')}`;
  const redis = new Redis(redisUrl, { protocol: 2 });
  return {
    namespace,
    stop: async () => {
      await deleteNamespace(redis, namespace);
      redis.disconnect();
    },
  };
}

interface EmulatedEnvInput {
  readonly slack: { readonly botToken: string; readonly apiUrl: string };
  readonly openai: { readonly adminKey: string; readonly baseURL: string };
  readonly signingSecret: string;
  readonly redisUrl: string;
  readonly namespace: string;
  readonly approvalChannel: string;
  readonly approver: string;
  /** Socket Mode: the emulator's app-level token */
  readonly appToken?: string;
  readonly logLevel?: string;
}

/** keywarden's environment against the emulators (a fresh KEYWARDEN_SECRET each time; any free port). */
const emulatedEnv = (input: EmulatedEnvInput): Record<string, string> => ({
  ...emulatorEnv(input.slack, input.openai, input.signingSecret),
  REDIS_URL: input.redisUrl,
  KEYWARDEN_NAMESPACE: input.namespace,
  PORT: '0',
  KEYWARDEN_APPROVAL_CHANNEL: input.approvalChannel,
  KEYWARDEN_ALERT_CHANNEL: input.approvalChannel,
  KEYWARDEN_APPROVERS: input.approver,
  KEYWARDEN_SECRET: randomBytes(32).toString('base64'),
  LOG_LEVEL: input.logLevel ?? 'warn',
  ...(input.appToken ? { SLACK_APP_TOKEN: input.appToken } : {}),
});

/** The two people and two channels every in-process bench's workspace has. */
export const BENCH_WORKSPACE = {
  requester: 'U0REQUESTER',
  approver: 'U0APPROVER1',
  channel: 'C0GENERAL01',
  approvalChannel: 'C0APPROVALS',
} as const;

export interface EmulatedKeywarden {
  readonly slack: SlackEmulator;
  readonly openai: OpenAIEmulator;
  readonly app: RunningKeywarden;
  /** signed HTTP requests, or envelopes over Socket Mode */
  readonly driver: SlackDriver;
  /** warnings and errors keywarden logged (counted, not printed: a slow run shows in the figures, not buries them) */
  warnings(): number;
}

/**
 * The Slack and OpenAI emulators (OpenAI seeded by `seed`), a fresh Redis namespace and the real keywarden started
 * in this process against them, in `mode`. Whatever is started is pushed onto `running`, to be stopped in reverse.
 * @throws a config problem, or a start-up failure of keywarden
 */
export async function startEmulatedKeywarden(opts: {
  readonly redisUrl: string;
  readonly mode?: 'http' | 'socket';
  readonly seed: (openai: OpenAIEmulator) => void;
  readonly running: (() => Promise<void>)[];
}): Promise<EmulatedKeywarden> {
  const { requester, approver, channel, approvalChannel } = BENCH_WORKSPACE;
  const slack = await startSlackEmulator({
    users: [
      { id: requester, name: 'riley', realName: 'Riley Requester' },
      { id: approver, name: 'avery', realName: 'Avery Approver' },
    ],
    channels: [
      { id: approvalChannel, name: 'keywarden-approvals' },
      { id: channel, name: 'general' },
    ],
  });
  opts.running.push(() => slack.close());
  const openai = await startOpenAIEmulator();
  opts.running.push(() => openai.close());
  opts.seed(openai);
  const bench = benchNamespace(opts.redisUrl);
  opts.running.push(() => bench.stop());
  const signingSecret = randomBytes(24).toString('hex');
  const socket = opts.mode === 'socket';
  const env = emulatedEnv({
    slack,
    openai,
    signingSecret,
    redisUrl: opts.redisUrl,
    namespace: bench.namespace,
    approvalChannel,
    approver,
    ...(socket ? { appToken: slack.appToken } : {}),
  });
  const parsed = readConfig(env);
  if (!parsed.ok) throw new Error(`bench config is invalid: ${parsed.error.map((p) => p.variable).join(', ')}`);
  let warnings = 0;
  const sink = new Writable({
    write(_chunk, _enc, done) {
      warnings += 1;
      done();
    },
  });
  const log = createLogger({ level: 'warn', destination: sink, secrets: secretsOf(parsed.value) });
  const app = await startKeywarden(parsed.value, { log, host: '127.0.0.1' });
  opts.running.push(() => app.stop());
  const driver = socket
    ? createSlackDriver({ emulator: slack, mode: 'socket' })
    : createSlackDriver({ emulator: slack, appUrl: `http://127.0.0.1:${app.port}/slack/events`, signingSecret });
  return { slack, openai, app, driver, warnings: () => warnings };
}
