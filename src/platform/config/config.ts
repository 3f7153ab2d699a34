/**
 * Configuration, read once from the environment into a frozen object. `readConfig` never throws: it returns every
 * problem at once, each naming the variable and what it expects, so start-up can print them all and exit.
 */
import cron from 'node-cron';
import { z } from 'zod';
import { parseDuration } from '../domain/duration.js';
import { err, ok, type Result } from '../domain/result.js';
import { parseClusterNodes, type ClusterRedisTarget, type RedisTarget } from '../redis/connection.js';
import { readOpsConfig, type OpsConfig } from './opsConfig.js';

export interface Config {
  readonly slack: {
    readonly botToken: string;
    readonly signingSecret: string | null;
    readonly appToken: string | null;
    readonly apiUrl: string | null;
    readonly mode: 'http' | 'socket';
  };
  readonly openai: { readonly adminKey: string; readonly baseUrl: string | null; readonly timeoutMs: number };
  /**
   * Where Redis is: one server (`REDIS_URL`) or a Redis Cluster (`REDIS_CLUSTER_NODES`, credentials and TLS from
   * its `rediss://user:password@host:port` seeds). Both are never set together.
   */
  readonly redis: RedisTarget;
  /** prefix in front of the `{kw}` hash tag, keeping deployments (and the sandbox) apart in one Redis */
  readonly namespace: string;
  readonly port: number;
  readonly approvalChannel: string;
  /** where spend alerts go unless a project names its own channel */
  readonly alertChannel: string;
  readonly approvers: readonly string[];
  readonly admins: readonly string[];
  /** 32 bytes: AES-256-GCM key for keys waiting to be revealed */
  readonly secret: Buffer;
  readonly requestTtlMs: number;
  /**
   * KEYWARDEN_POLICY_FILE: the approval policy (YAML; see src/approvals/domain/policy.ts), or null for today's
   * behaviour from KEYWARDEN_APPROVERS, KEYWARDEN_ADMINS and KEYWARDEN_REQUEST_TTL. Read and checked at start;
   * SIGHUP re-reads it.
   */
  readonly policyFile: string | null;
  readonly revealTtlMs: number;
  readonly keyDays: { readonly default: number; readonly max: number };
  /** when the spend poll runs (UTC), a cron expression */
  readonly pollCron: string;
  /** whether this process's clock ticks (processes with workers); off lets some workers only work */
  readonly clock: boolean;
  /** how long a job stays locked to a worker that stopped answering before another worker takes it over */
  readonly jobLockMs: number;
  /** the queue dashboard and the shutdown grace period */
  readonly ops: OpsConfig;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

export type { ConfigProblem } from './configProblem.js';
import type { ConfigProblem } from './configProblem.js';

type Env = Readonly<Record<string, string | undefined>>;

const slackIdList = /^[UWS][A-Z0-9]{2,}$/;

const durationSchema = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      const parsed = parseDuration(text);
      if (!parsed.ok) {
        ctx.addIssue({ code: 'custom', message: `a duration such as 72h, 30m or 2d (${parsed.error.message})` });
        return z.NEVER;
      }
      return parsed.value;
    });

const idList = (what: string) =>
  z
    .string()
    .default('')
    .transform((text, ctx) => {
      const ids = text
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const bad = ids.filter((id) => !slackIdList.test(id));
      if (bad.length > 0) {
        ctx.addIssue({
          code: 'custom',
          message: `a comma list of Slack ${what} (U… user ids or S… user-group ids); not ids: ${bad.join(', ')}`,
        });
        return z.NEVER;
      }
      return ids;
    });

const secretSchema = z.string({ error: 'required: 32 random bytes as base64 or hex (openssl rand -base64 32)' }).transform((text, ctx) => {
  const trimmed = text.trim();
  const hex = /^(?:[0-9a-fA-F]{2})+$/.test(trimmed);
  // Buffer's base64 decoder skips characters it does not know, so a passphrase would quietly become a key.
  if (!hex && !/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) {
    ctx.addIssue({ code: 'custom', message: '32 random bytes as base64 or hex (openssl rand -base64 32); this is neither' });
    return z.NEVER;
  }
  const bytes = hex ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (bytes.length !== 32) {
    ctx.addIssue({
      code: 'custom',
      message: `32 bytes as base64 or hex (openssl rand -base64 32); this decodes to ${bytes.length} bytes`,
    });
    return z.NEVER;
  }
  return bytes;
});

const urlSchema = z
  .string()
  .optional()
  .refine((v) => v === undefined || v === '' || /^https?:\/\/[^\s]+$/.test(v), 'an http(s) URL');

const schema = z.object({
  SLACK_BOT_TOKEN: z
    .string({ error: 'required: the bot token (xoxb-…) from your Slack app’s OAuth & Permissions page' })
    .regex(/^xoxb-/, 'a bot token starting with xoxb-'),
  SLACK_SIGNING_SECRET: z.string().optional(),
  SLACK_APP_TOKEN: z.string().regex(/^xapp-/, 'an app-level token starting with xapp-').optional(),
  SLACK_API_URL: urlSchema,
  OPENAI_ADMIN_KEY: z
    .string({ error: 'required: an OpenAI admin key (sk-admin-…) from the organization’s Admin keys page' })
    .regex(/^sk-admin-/, 'an admin key starting with sk-admin-'),
  OPENAI_BASE_URL: urlSchema,
  OPENAI_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(15_000),
  REDIS_URL: z
    .string()
    .default('redis://127.0.0.1:6379')
    .refine((v) => /^rediss?:\/\//.test(v), 'a redis:// or rediss:// URL'),
  REDIS_CLUSTER_NODES: z
    .string()
    .optional()
    .transform((text, ctx): ClusterRedisTarget | undefined => {
      if (text === undefined) return undefined;
      const parsed = parseClusterNodes(text);
      if (!parsed.ok) {
        ctx.addIssue({ code: 'custom', message: parsed.error });
        return z.NEVER;
      }
      return parsed.value;
    }),
  KEYWARDEN_NAMESPACE: z
    .string()
    .default('')
    .refine((v) => /^[a-z0-9_-]{0,32}$/i.test(v), 'letters, digits, - and _ only (at most 32)'),
  PORT: z.coerce.number({ error: 'a TCP port number' }).int().min(0).max(65535).default(3000),
  KEYWARDEN_APPROVAL_CHANNEL: z
    .string({ error: 'required: the channel id (C…) where requests are posted' })
    .regex(/^[CG][A-Z0-9]{2,}$/, 'a channel id such as C0123456789 (in Slack: channel details → copy channel ID)'),
  KEYWARDEN_ALERT_CHANNEL: z
    .string({ error: 'required: the channel id (C…) where spend alerts go by default' })
    .regex(/^[CG][A-Z0-9]{2,}$/, 'a channel id such as C0123456789 (in Slack: channel details → copy channel ID)'),
  KEYWARDEN_APPROVERS: idList('approvers').refine((ids) => ids.length > 0, 'at least one approver (U… or S… id)'),
  KEYWARDEN_ADMINS: idList('admins'),
  KEYWARDEN_SECRET: secretSchema,
  KEYWARDEN_REQUEST_TTL: durationSchema('72h'),
  KEYWARDEN_REVEAL_TTL: durationSchema('24h'),
  KEYWARDEN_POLICY_FILE: z.string().optional(),
  KEYWARDEN_KEY_DAYS: z
    .string()
    .default('30,90')
    .transform((text, ctx) => {
      const m = /^\s*(\d{1,4})\s*,\s*(\d{1,4})\s*$/.exec(text);
      const d = m ? Number(m[1]) : NaN;
      const max = m ? Number(m[2]) : NaN;
      if (!m || d < 1 || max < 1 || d > max || max > 3650) {
        ctx.addIssue({ code: 'custom', message: 'two whole numbers "default,maximum" days, e.g. 30,90, with 1 <= default <= maximum <= 3650' });
        return z.NEVER;
      }
      return { default: d, max };
    }),
  KEYWARDEN_POLL_CRON: z
    .string()
    .default('*/5 * * * *')
    .refine((v) => cron.validate(v), 'a cron expression (UTC) such as */5 * * * * (every 5 minutes); 6 fields add seconds'),
  KEYWARDEN_CLOCK: z.enum(['on', 'off'], { error: 'on or off' }).default('on'),
  KEYWARDEN_JOB_LOCK_MS: z.coerce.number({ error: 'milliseconds, a whole number' }).int().min(1_000).max(600_000).default(30_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export function readConfig(env: Env): Result<Config, ConfigProblem[]> {
  const input = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(input);
  const problems: ConfigProblem[] = parsed.success
    ? []
    : parsed.error.issues.map((issue) => ({
        variable: String(issue.path[0] ?? '(environment)'),
        problem: issue.code === 'invalid_type' && input[String(issue.path[0])] === undefined && !issue.message.startsWith('required')
          ? `required: ${issue.message}`
          : issue.message,
      }));
  if (!input.SLACK_APP_TOKEN && !input.SLACK_SIGNING_SECRET) {
    problems.push({
      variable: 'SLACK_SIGNING_SECRET',
      problem: 'required in HTTP mode (no SLACK_APP_TOKEN): the signing secret from your Slack app’s Basic Information page',
    });
  }
  if (input.REDIS_URL && input.REDIS_CLUSTER_NODES) {
    problems.push({
      variable: 'REDIS_URL',
      problem:
        'set either REDIS_URL (one Redis server) or REDIS_CLUSTER_NODES (a Redis Cluster), not both; on a cluster give user, password and TLS in the seeds: REDIS_CLUSTER_NODES=rediss://user:password@host:port,…',
    });
  }
  const ops = readOpsConfig(env);
  if (!ops.ok) problems.push(...ops.error);
  if (!parsed.success || !ops.ok || problems.length > 0) return err(problems);
  const e = parsed.data;
  const config: Config = {
    slack: {
      botToken: e.SLACK_BOT_TOKEN,
      signingSecret: e.SLACK_SIGNING_SECRET ?? null,
      appToken: e.SLACK_APP_TOKEN ?? null,
      apiUrl: e.SLACK_API_URL ?? null,
      mode: e.SLACK_APP_TOKEN ? 'socket' : 'http',
    },
    openai: { adminKey: e.OPENAI_ADMIN_KEY, baseUrl: e.OPENAI_BASE_URL ?? null, timeoutMs: e.OPENAI_TIMEOUT_MS },
    redis: e.REDIS_CLUSTER_NODES ?? { kind: 'single', url: e.REDIS_URL },
    namespace: e.KEYWARDEN_NAMESPACE,
    port: e.PORT,
    approvalChannel: e.KEYWARDEN_APPROVAL_CHANNEL,
    alertChannel: e.KEYWARDEN_ALERT_CHANNEL,
    approvers: e.KEYWARDEN_APPROVERS,
    admins: e.KEYWARDEN_ADMINS,
    secret: e.KEYWARDEN_SECRET,
    requestTtlMs: e.KEYWARDEN_REQUEST_TTL,
    policyFile: e.KEYWARDEN_POLICY_FILE?.trim() ? e.KEYWARDEN_POLICY_FILE.trim() : null,
    revealTtlMs: e.KEYWARDEN_REVEAL_TTL,
    keyDays: e.KEYWARDEN_KEY_DAYS,
    jobLockMs: e.KEYWARDEN_JOB_LOCK_MS,
    pollCron: e.KEYWARDEN_POLL_CRON,
    clock: e.KEYWARDEN_CLOCK === 'on',
    ops: ops.value,
    logLevel: e.LOG_LEVEL,
  };
  return ok(deepFreeze(config));
}

export function formatConfigProblems(problems: readonly ConfigProblem[]): string {
  const lines = problems.map((p) => `  - ${p.variable}: ${p.problem}`);
  return `keywarden cannot start: ${problems.length} configuration problem${problems.length === 1 ? '' : 's'}\n${lines.join('\n')}\nSee README.md (Configuration) for every variable.`;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Buffer.isBuffer(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
