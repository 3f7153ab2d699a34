/**
 * The composition root: the one place that builds real clients (Redis, OpenAI, Slack, BullMQ) from config and
 * starts the process's roles. Tests build the same graph with `startKeywarden`, pointed at the emulators.
 */
import { pathToFileURL } from 'node:url';
import type { Logger } from 'pino';
import { WebClient } from '@slack/web-api';
import { formatConfigProblems, readConfig, type Config } from './config/config.js';
import { createJobQueues } from './jobs/queues.js';
import { createOpenAIProcessor, createSlackProcessor } from './jobs/processors.js';
import { startWorkers, type RunningWorkers } from './jobs/workers.js';
import { createHttpServer, sendJson } from './http/server.js';
import { createLogger } from './log.js';
import { createOpenAIAdmin, createOpenAIClient } from './openai/admin.js';
import { createProjectDirectory } from './services/projectDirectory.js';
import type { KeyRequestDeps } from './services/keyRequests.js';
import { createSlackApp, webClientOptions } from './slack/app.js';
import { createGroupMembership } from './slack/membership.js';
import { AuditLog } from './store/audit.js';
import { createRedis, redisKeys } from './store/redis.js';
import { RequestStore } from './store/requests.js';
import { RequestOutbox } from './store/outbox.js';
import type { ThreadEvent } from './slack/render/index.js';
import type { LimitChangeEvent } from './slack/render/limits/index.js';
import { LimitRequestStore, LimitsStore } from './store/limits.js';
import type { LimitDeps } from './services/limits.js';
import { createChannelCheck } from './slack/channels.js';

export type Role = 'all' | 'web' | 'worker';

export interface StartOptions {
  readonly role?: Role;
  readonly log?: Logger;
  readonly clock?: () => number;
  /** how long a crashed worker's job stays locked before another worker takes it */
  readonly jobLockMs?: number;
  readonly host?: string;
}

export interface RunningKeywarden {
  /** the HTTP port (roles all and web), else null */
  readonly port: number | null;
  readonly config: Config;
  stop(): Promise<void>;
}

export async function startKeywarden(config: Config, opts: StartOptions = {}): Promise<RunningKeywarden> {
  const role = opts.role ?? 'all';
  const log = opts.log ?? createLogger({ level: config.logLevel, secrets: secretsOf(config) });
  const clock = opts.clock ?? Date.now;
  const keys = redisKeys(config.namespace);

  const redis = createRedis(config.redisUrl, 'commands');
  const queueRedis = createRedis(config.redisUrl, 'queue');
  redis.on('error', (e) => log.warn({ error: e.message }, 'redis (commands) error'));
  queueRedis.on('error', (e) => log.warn({ error: e.message }, 'redis (queues) error'));

  const openai = createOpenAIAdmin(createOpenAIClient({ adminKey: config.openai.adminKey, baseURL: config.openai.baseUrl, timeoutMs: config.openai.timeoutMs }));
  const requests = new RequestStore(redis, keys);
  const audit = new AuditLog(redis, keys);
  const queues = createJobQueues(queueRedis, keys.prefix);
  // Listeners may retry a Slack call once; workers never do (their queue paces and retries instead).
  const webForListeners = new WebClient(config.slack.botToken, webClientOptions(config, 1));
  const webForWorkers = new WebClient(config.slack.botToken, webClientOptions(config, 0));

  const outbox = new RequestOutbox<ThreadEvent>(redis, keys);
  const limitOutbox = new RequestOutbox<LimitChangeEvent>(redis, keys);
  const limits = new LimitsStore(redis, keys);
  const limitRequests = new LimitRequestStore(redis, keys);
  const deps: KeyRequestDeps & LimitDeps = {
    requests,
    outbox,
    limits,
    limitRequests,
    limitOutbox,
    canPostIn: createChannelCheck(webForListeners),
    audit,
    openai,
    projects: createProjectDirectory(redis, keys.projectsCache(), openai),
    queues,
    groupsOf: createGroupMembership(webForListeners, [...config.approvers, ...config.admins], clock),
    clock,
    settings: {
      requestTtlMs: config.requestTtlMs,
      revealTtlMs: config.revealTtlMs,
      keyDays: config.keyDays,
      secret: config.secret,
      policy: { approvers: config.approvers, admins: config.admins },
      alertChannel: config.alertChannel,
    },
  };

  let workers: RunningWorkers | null = null;
  if (role === 'all' || role === 'worker') {
    const workerRedis = createRedis(config.redisUrl, 'queue');
    workerRedis.on('error', (e) => log.warn({ error: e.message }, 'redis (workers) error'));
    workers = startWorkers(
      workerRedis,
      keys.prefix,
      {
        openai: createOpenAIProcessor({ ...deps, log }),
        slack: createSlackProcessor({ web: webForWorkers, redis, keys, requests, approvalChannel: config.approvalChannel, clock, log, paceMs: 1_000, outbox, limitRequests, limitOutbox }),
      },
      { concurrency: 8, lockDurationMs: opts.jobLockMs ?? config.jobLockMs },
      log,
    );
  }

  let port: number | null = null;
  let http: ReturnType<typeof createHttpServer> | null = null;
  let slack: ReturnType<typeof createSlackApp> | null = null;
  if (role === 'all' || role === 'web') {
    slack = createSlackApp(
      config,
      {
        ...deps,
        log,
        approvalChannel: config.approvalChannel,
        firstSighting: async (eventId) => (await redis.set(keys.eventSeen(eventId), '1', 'EX', 3600, 'NX')) === 'OK',
      },
      log,
    );
    http = createHttpServer({ 'GET /healthz': (_req, res) => sendJson(res, 200, { ok: true }) }, slack.requestListener);
    port = await http.listen(config.port, opts.host);
    await slack.start();
    log.info({ role, port, mode: config.slack.mode }, 'keywarden is listening');
  }

  return {
    port,
    config,
    async stop() {
      await http?.close();
      await slack?.stop();
      await workers?.close();
      await queues.close();
      redis.disconnect();
      queueRedis.disconnect();
    },
  };
}

function secretsOf(config: Config): string[] {
  return [config.slack.botToken, config.slack.signingSecret, config.slack.appToken, config.openai.adminKey, config.secret.toString('base64'), config.secret.toString('hex')].filter(
    (s): s is string => typeof s === 'string' && s.length >= 8,
  );
}

async function main(argv: readonly string[]): Promise<void> {
  const role = (argv[0] ?? 'all') as Role;
  if (!['all', 'web', 'worker'].includes(role)) {
    console.error(`keywarden: unknown role “${role}”. Use one of: all (default), web, worker.`);
    process.exit(2);
  }
  const config = readConfig(process.env);
  if (!config.ok) {
    console.error(formatConfigProblems(config.error));
    process.exit(2);
  }
  const running = await startKeywarden(config.value, { role });
  const shutdown = async (signal: string) => {
    console.error(`keywarden: ${signal}, stopping`);
    await running.stop();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(`keywarden failed to start: ${(error as Error).message}`);
    process.exit(1);
  });
}
