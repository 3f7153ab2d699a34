/**
 * What the benches share: the nearest-rank percentile, a Redis namespace of their own (deleted when they stop), and
 * the environment that points keywarden at the emulators.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { deleteNamespace } from '../../src/store/redis.js';

/** The p-th percentile (0–100) of `values` by nearest rank (any order; not changed); NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

/**
 * A fresh namespace `bench<hex>` on the Redis at `redisUrl`; `stop` deletes its keys and disconnects.
 */
export function benchNamespace(redisUrl: string): { readonly namespace: string; stop(): Promise<void> } {
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

export interface EmulatedEnvInput {
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
export const emulatedEnv = (input: EmulatedEnvInput): Record<string, string> => ({
  SLACK_BOT_TOKEN: input.slack.botToken,
  SLACK_SIGNING_SECRET: input.signingSecret,
  SLACK_API_URL: input.slack.apiUrl,
  OPENAI_ADMIN_KEY: input.openai.adminKey,
  OPENAI_BASE_URL: input.openai.baseURL,
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
