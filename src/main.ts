/**
 * The composition root: the one place that builds real clients (Redis, OpenAI, Slack, BullMQ) from config and
 * starts the process's roles. Tests build the same graph with `startKeywarden`, pointed at the emulators.
 *
 * Roles: `all` (Slack listener, workers and clock), `web` (Slack listener and HTTP endpoints), `worker` (workers and
 * clock, with the health and metrics endpoints). Any number of each can share one Redis.
 */
import { pathToFileURL } from 'node:url';
import type { Logger } from 'pino';
import { WebClient } from '@slack/web-api';
import { formatConfigProblems, readConfig, type Config } from './platform/config/config.js';
import { createJobQueues } from './platform/queues/queues.js';
import { startClock, type RunningClock } from './platform/queues/clock.js';
import { createJobSlackCalls } from './platform/queues/slackCalls.js';
import { pollSpend, type PollReport, type SpendDeps } from './spend/index.js';
import { KEY_JOBS, keyJobRunners } from './keys/jobs.js';
import { RECONCILE_JOBS, queueReconcile, reconcileRunner, runSweeps } from './platform/queues/reconcile.js';
import { LIMIT_JOBS, limitJobRunners } from './limits/jobs.js';
import { queueSpendPoll, SPEND_JOBS, spendJobRunners } from './spend/jobs.js';
import { APPROVAL_JOBS, approvalJobRunners } from './approvals/jobs.js';
import { SpendStore } from './spend/spendStore.js';
import { PostMarkers } from './platform/slack/postMarkers.js';
import { startWorkers, type RunningWorkers } from './platform/queues/workers.js';
import { createHttpServer, type HttpServer } from './platform/http/server.js';
import { opsRoutes } from './platform/http/routes.js';
import { createLogger, redactSecretText } from './platform/log.js';
import { createOpenAIAdmin, createOpenAIClient } from './platform/openai/admin.js';
import { attachWorkerMetrics, createMetrics, slackRequestTimer } from './platform/ops/metrics.js';
import { createReadiness } from './platform/ops/readiness.js';
import { withDeadline } from './platform/ops/deadline.js';
import { createProjectDirectory } from './platform/openai/projectDirectory.js';
import { reconcileRequests, type KeyRequestDeps, type ReconcileReport } from './keys/index.js';
import { sweepCapRaises, type LimitDeps } from './limits/index.js';
import { createSlackApp, SIGNATURE_MEMORY_S, SlackSettingRefused, webClientOptions, type SlackApp } from './platform/slack/app.js';
import { register as registerCommands } from './commands/index.js';
import { register as registerKeyListeners } from './keys/listeners/index.js';
import { register as registerApprovalListeners } from './approvals/listeners/index.js';
import { register as registerLimitListeners } from './limits/listeners/index.js';
import { register as registerSpendListeners } from './spend/listeners/index.js';
import { createChannelCheck } from './platform/slack/channels.js';
import { createGroupMembership } from './platform/slack/membership.js';
import { logSlackRequests } from './platform/slack/requestLog.js';
import { AuditLog } from './platform/redis/auditLog.js';
import { LimitsStore } from './limits/limitStore.js';
import { createApprovalEngine, type RequestEventLike, type SweepReport } from './approvals/engine.js';
import { KeyRequestStore, keyRequestKind } from './keys/index.js';
import { limitChangeKind } from './limits/index.js';
import { describePolicyProblems, loadPolicySource, type PolicySource } from './approvals/policyFile.js';
import type { EnvironmentPolicy, Policy, PolicyProblem } from './approvals/domain/policy.js';
import { approvalNotices } from './approvals/index.js';
import type { Result } from './platform/domain/result.js';
import { RequestOutbox } from './approvals/outbox.js';
import { redisKeys } from './platform/redis/redis.js';
import { createRedisClient, readyWithin, redisTargetForDisplay, type RedisClient, type RedisTarget } from './platform/redis/connection.js';
import { RequestStore } from './approvals/requestStore.js';

/** Every job of every feature: the queues take only these, each with a payload that fits its schema. */
export const JOB_DEFINITIONS = [...KEY_JOBS, ...LIMIT_JOBS, ...SPEND_JOBS, ...APPROVAL_JOBS, ...RECONCILE_JOBS];

/** What every clock tick queues: the spend poll, then the reconciler. */
const TICK_JOBS = [queueSpendPoll, queueReconcile];

export type Role = 'all' | 'web' | 'worker';
export const ROLES: readonly Role[] = ['all', 'web', 'worker'];

export interface StartOptions {
  readonly role?: Role;
  readonly log?: Logger;
  readonly clock?: () => number;
  /** how long a crashed worker's job stays locked before another worker takes it */
  readonly jobLockMs?: number;
  readonly host?: string;
}

export interface RunningKeywarden {
  /** the HTTP port (every role serves /healthz, /readyz and /metrics; web and all also /slack/events) */
  readonly port: number;
  readonly role: Role;
  readonly config: Config;
  /** runs one spend poll now, in this process (the sandbox's "run a poll now"); alerts still go through the ledger */
  pollSpendNow(): Promise<PollReport>;
  /** runs every reconcile sweep now (key requests, pending approvals' expiry, reminders and escalations, cap raises' ends), as every clock tick does */
  reconcileNow(): Promise<ReconcileReport & SweepReport>;
  /** re-reads KEYWARDEN_POLICY_FILE (SIGHUP); a bad file is refused, its problems logged, the old policy kept */
  reloadPolicy(): Promise<Result<Policy, PolicyProblem[]>>;
  /** stops taking Slack requests, lets running jobs finish, closes queues and Redis; bounded by KEYWARDEN_SHUTDOWN_S */
  stop(): Promise<void>;
}

export async function startKeywarden(config: Config, opts: StartOptions = {}): Promise<RunningKeywarden> {
  const role = opts.role ?? 'all';
  const log = opts.log ?? createLogger({ level: config.logLevel, secrets: secretsOf(config) });
  const clock = opts.clock ?? Date.now;
  const keys = redisKeys(config.namespace);
  const listens = role === 'all' || role === 'web';
  const works = role === 'all' || role === 'worker';

  // One Redis server or a Redis Cluster (config.redis); the stores and BullMQ take either.
  const redis = createRedisClient(config.redis, 'commands');
  const queueRedis = createRedisClient(config.redis, 'queue');
  reportRedisHealth(redis, config.redis, log);
  queueRedis.on('error', () => undefined); // reported once through `redis` above

  const queues = createJobQueues(queueRedis, keys.prefix, JOB_DEFINITIONS);
  const metrics = createMetrics({ queues: queues.queues });
  const readiness = createReadiness({ redisPing: async () => void (await redis.ping()), clock });
  const openai = createOpenAIAdmin(createOpenAIClient({ adminKey: config.openai.adminKey, baseURL: config.openai.baseUrl, timeoutMs: config.openai.timeoutMs }), (outcome) => {
    readiness.observeOpenAI(outcome);
    metrics.recordOpenAICall(outcome);
  });
  // Listeners may retry a Slack call once; workers never do (their queue paces and retries instead).
  const webForListeners = new WebClient(config.slack.botToken, webClientOptions(config, 1));
  const webForWorkers = new WebClient(config.slack.botToken, webClientOptions(config, 0));

  // The approval policy: the file (when set) over the environment; a bad file stops start-up with every problem named.
  const environmentPolicy: EnvironmentPolicy = { approvers: config.approvers, admins: config.admins, requestTtlMs: config.requestTtlMs };
  const loaded = await loadPolicySource(config.policyFile ?? undefined, environmentPolicy);
  if (!loaded.ok) {
    redis.disconnect();
    queueRedis.disconnect();
    throw new PolicyFileRefused(describePolicyProblems(config.policyFile ?? '', loaded.error));
  }
  const policy: PolicySource = loaded.value;

  const requests = new RequestStore(redis, keys);
  const keyRequests = new KeyRequestStore(redis, keys);
  const outbox = new RequestOutbox<RequestEventLike>(redis, keys);
  const spend = new SpendStore(redis, keys);
  const markers = new PostMarkers(redis, keys);
  const audit = new AuditLog(redis, keys);
  // A getter: a reloaded policy's user groups are looked up from then on.
  const groupsOf = createGroupMembership(webForListeners, () => policy.namedIds(), clock);
  const approvals = createApprovalEngine({
    requests,
    outbox,
    audit,
    queues,
    groupsOf,
    clock,
    policy,
    environment: environmentPolicy,
    kinds: [keyRequestKind({ queues, keyRequests }), limitChangeKind({ queues })],
    notices: approvalNotices,
    policyFile: config.policyFile,
    log,
  });
  const deps: KeyRequestDeps & LimitDeps & SpendDeps = {
    spend,
    markers,
    requests,
    keyRequests,
    approvals,
    limits: new LimitsStore(redis, keys),
    canPostIn: createChannelCheck(webForListeners),
    audit,
    openai,
    projects: createProjectDirectory(redis, keys.projectsCache(), openai, { log }),
    queues,
    groupsOf,
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

  // Slack must accept the bot token before keywarden reports ready; a passing failure is retried with backoff.
  const slackAuth = checkSlackAuth(webForListeners, readiness, log);

  // What every reconcile tick sweeps, feature by feature (the reconcile job and reconcileNow run the same list).
  const sweeps = {
    requests: { run: () => reconcileRequests(deps), changed: (r: ReconcileReport) => r.redone > 0 },
    approvals: { run: () => approvals.sweep(), changed: (r: SweepReport) => r.expired + r.reminded + r.escalated > 0 },
    raises: { run: () => sweepCapRaises(deps), changed: (r: { ended: number; failed: number }) => r.ended + r.failed > 0 },
  };

  let workers: RunningWorkers | null = null;
  let workerRedis: RedisClient | null = null;
  let clockTask: RunningClock | null = null;
  if (works) {
    workerRedis = createRedisClient(config.redis, 'queue');
    workerRedis.on('error', () => undefined);
    const slackCalls = createJobSlackCalls({ web: webForWorkers, redis, keys, markers, paceMs: 1_000, onSlackError: (error) => metrics.recordSlackError(error) });
    const runners = [
      ...keyJobRunners({ ...deps, log }),
      ...limitJobRunners({ ...deps, slack: slackCalls, approvalChannel: config.approvalChannel, log }),
      ...spendJobRunners({
        ...deps,
        slack: slackCalls,
        alerts: {
          spend,
          limits: deps.limits,
          keyRequests,
          projects: deps.projects,
          approvers: config.approvers,
          alertChannel: config.alertChannel,
          onAlertPosted: (alert) => metrics.recordAlertPosted(alert.kind),
        },
        log,
      }),
      ...approvalJobRunners({ approvals, outbox, queues, slack: slackCalls, approvalChannel: config.approvalChannel, clock, log }),
      reconcileRunner(sweeps, log),
    ];
    workers = startWorkers(workerRedis, keys.prefix, runners, { concurrency: 8, lockDurationMs: opts.jobLockMs ?? config.jobLockMs }, log);
    for (const worker of workers.workers) attachWorkerMetrics(worker, metrics);
    if (config.clock) clockTask = startClock(config.pollCron, queues, TICK_JOBS, log);
  }

  let slack: SlackApp | null = null;
  if (listens) {
    const listenerDeps = {
      ...deps,
      // the whole store: the approvals listeners find a request by its thread (the features' deps narrow it)
      requests,
      log,
      approvalChannel: config.approvalChannel,
      firstSighting: async (key: string, ttlSeconds = 3600) => (await redis.set(keys.eventSeen(key), '1', 'EX', ttlSeconds, 'NX')) === 'OK',
    };
    slack = createSlackApp(
      config,
      [registerCommands, registerKeyListeners, registerApprovalListeners, registerLimitListeners, registerSpendListeners].map((register) => (app) => register(app, listenerDeps)),
      log,
      {
        middleware: [logSlackRequests(log), slackRequestTimer(metrics)],
        // HTTP: a signed request sent again with its very bytes (a replay) is acknowledged but handled once.
        signedRequests: {
          claim: (signature) => listenerDeps.firstSighting(`signed:${signature}`, SIGNATURE_MEMORY_S),
        },
        // Socket Mode: a redelivered envelope is acknowledged again but handled once, whichever process it reaches.
        socketDeliveries: {
          claim: (key) => listenerDeps.firstSighting(`socket:${key}`),
          // kept for a redelivery, never with a secret in it: a command's error can echo what someone pasted (a key)
          rememberAck: async (key, payload) => void (await redis.set(keys.eventSeen(`socket-ack:${key}`), redactSecretText(JSON.stringify(payload), secretsOf(config)), 'EX', 3600)),
          ackOf: async (key) => {
            const raw = await redis.get(keys.eventSeen(`socket-ack:${key}`));
            return raw === null ? null : (JSON.parse(raw) as Record<string, unknown>);
          },
        },
      },
    );
  }
  // The request form's project picker searches a list refreshed in the background, never OpenAI per keystroke.
  const projectRefresh = listens ? deps.projects.keepFresh(PROJECT_REFRESH_MS) : null;
  const http: HttpServer = createHttpServer(opsRoutes({ metrics, readiness, queues: queues.queues, admin: config.ops.admin }), slack?.requestListener ?? null);
  // The commands connection refuses commands until it is ready (a cluster first reads its slot map): give it a moment.
  await readyWithin(redis, 3_000);
  const port = await http.listen(config.port, opts.host);

  let stopping: Promise<void> | null = null;
  const stopInOrder = async () => {
    // 1. no new Slack requests (open ones finish); 2. running jobs finish; 3. queues and Redis close.
    slackAuth.stop();
    await Promise.allSettled([http.close(), slack?.stop(), clockTask?.stop(), projectRefresh?.stop()]);
    if (workers) await workers.close();
    await queues.close();
  };
  const running: RunningKeywarden = {
    port,
    role,
    config,
    pollSpendNow: () => pollSpend(deps),
    reconcileNow: async () => {
      const report = await runSweeps(sweeps);
      return { ...report.requests, ...report.approvals };
    },
    async reloadPolicy() {
      const reloaded = await policy.reload();
      if (reloaded.ok) log.info({ policyFile: config.policyFile }, config.policyFile ? 'the policy file was re-read; its policy is in force now' : 'no KEYWARDEN_POLICY_FILE is set: the policy comes from the environment');
      else log.error({ policyFile: config.policyFile, problems: describePolicyProblems(config.policyFile ?? '', reloaded.error) }, 'the policy file was refused; the policy in force is kept');
      return reloaded;
    },
    stop() {
      stopping ??= (async () => {
        const graceMs = config.ops.shutdownSeconds * 1000;
        try {
          await withDeadline(stopInOrder(), graceMs - 600, 'graceful shutdown');
        } catch (error) {
          log.warn({ error: (error as Error).message }, 'shutdown ran out of time; closing connections now');
          if (workers) await Promise.race([Promise.allSettled(workers.workers.map((w) => w.close(true))), sleep(200)]);
        }
        for (const w of workers?.workers ?? []) void w.disconnect().catch(() => undefined);
        redis.disconnect();
        queueRedis.disconnect();
        workerRedis?.disconnect();
        log.info({ role }, 'keywarden stopped');
      })();
      return stopping;
    },
  };
  try {
    await slack?.start(); // Socket Mode: connected once Slack said hello
  } catch (error) {
    await running.stop();
    throw error;
  }
  log.info({ role, port, mode: listens ? config.slack.mode : 'none' }, 'keywarden started');
  void warnUnknownPolicyIds(webForListeners, policy.namedIds(), log);
  return running;
}

/** The policy file is wrong: every problem, one a line, as start-up prints them (exit code 2). */
export class PolicyFileRefused extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`the policy file has ${problems.length} problem${problems.length === 1 ? '' : 's'}`);
  }
}

/** `keywarden cannot start: 2 problems in the policy file` and each problem on its own line. */
export const formatPolicyProblems = (problems: readonly string[]): string =>
  `keywarden cannot start: ${problems.length} problem${problems.length === 1 ? '' : 's'} in the policy file\n${problems.map((p) => `  - ${p}`).join('\n')}\nSee README.md (Approval policy) for its format.`;

/**
 * Names, as a warning, every user or user-group id the policy names that Slack does not know (users.info,
 * usergroups.users.list): a typo would otherwise silently leave a project without approvers. Not a failure.
 */
async function warnUnknownPolicyIds(web: WebClient, ids: readonly string[], log: Logger): Promise<void> {
  const unknown: string[] = [];
  for (const id of ids) {
    try {
      if (id.startsWith('S')) await web.usergroups.users.list({ usergroup: id });
      else await web.users.info({ user: id });
    } catch (error) {
      const code = (error as { data?: { error?: string } }).data?.error;
      if (code === 'user_not_found' || code === 'no_such_subteam' || code === 'subteam_not_found' || code === 'invalid_usergroup') unknown.push(id);
      else log.debug({ id, error: code ?? (error as Error).message }, 'could not check a policy id with Slack');
    }
  }
  if (unknown.length > 0) {
    log.warn({ unknownIds: unknown }, `the approval policy names ${unknown.length} id${unknown.length === 1 ? '' : 's'} Slack does not know: ${unknown.join(', ')}. Check KEYWARDEN_POLICY_FILE, KEYWARDEN_APPROVERS and KEYWARDEN_ADMINS.`);
  }
}

/** How often the web processes re-read the org's projects for the picker (one process per interval does it). */
const PROJECT_REFRESH_MS = 4 * 60_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** auth.test until it passes: 2 s, 4 s, … up to a minute apart. Readiness says why meanwhile. */
function checkSlackAuth(web: WebClient, readiness: ReturnType<typeof createReadiness>, log: Logger): { stop(): void } {
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  const attempt = async (n: number) => {
    try {
      const auth = await web.auth.test();
      readiness.markSlackAuth(true, `team ${auth.team ?? auth.team_id ?? '?'}, bot ${auth.user_id ?? '?'}`);
      if (n > 0) log.info('Slack accepted the bot token (auth.test)');
    } catch (error) {
      const detail = (error as { data?: { error?: string } }).data?.error ?? (error as Error).message ?? 'unknown error';
      readiness.markSlackAuth(false, `Slack auth.test failed: ${detail}`);
      if (n === 0) log.error({ error: detail }, 'Slack refused the bot token (auth.test); check SLACK_BOT_TOKEN. Retrying with backoff.');
      if (!stopped) {
        timer = setTimeout(() => void attempt(n + 1), Math.min(2_000 * 2 ** n, 60_000));
        timer.unref();
      }
    }
  };
  void attempt(0);
  return {
    stop: () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}

/** Says once per outage that Redis is unreachable (ioredis keeps retrying with backoff), and when it is back. */
function reportRedisHealth(redis: RedisClient, target: RedisTarget, log: Logger): void {
  const where = redisTargetForDisplay(target);
  let down = false;
  redis.on('error', (error: Error & { code?: string }) => {
    if (down) return;
    down = true;
    log.error({ redis: where, error: error.code ?? error.message }, `keywarden cannot reach Redis at ${where} (${error.code ?? error.message}); retrying with backoff. Slack commands answer that the store is unavailable meanwhile.`);
  });
  redis.on('ready', () => {
    if (down) log.info({ redis: where }, 'Redis is reachable again');
    down = false;
  });
}

/** Every configured secret, for the logger to scrub wherever it appears. */
export function secretsOf(config: Config): string[] {
  return [
    config.slack.botToken,
    config.slack.signingSecret,
    config.slack.appToken,
    config.openai.adminKey,
    config.secret.toString('base64'),
    config.secret.toString('hex'),
    config.ops.admin?.password,
    ...redisPasswordsOf(config.redis),
  ].filter((s): s is string => typeof s === 'string' && s.length >= 8);
}

/** The Redis password of a cluster's seeds or of REDIS_URL, if any (so a log line quoting a URL cannot show it). */
function redisPasswordsOf(target: RedisTarget): string[] {
  if (target.kind === 'cluster') return target.password ? [target.password] : [];
  try {
    const password = new URL(target.url).password;
    return password ? [decodeURIComponent(password)] : [];
  } catch {
    return [];
  }
}

async function main(argv: readonly string[]): Promise<void> {
  const role = (argv[0] ?? 'all') as Role;
  if (!ROLES.includes(role)) {
    console.error(`keywarden: unknown role “${role}”. Use one of: all (default), web, worker.`);
    process.exit(2);
  }
  const config = readConfig(process.env);
  if (!config.ok) {
    console.error(formatConfigProblems(config.error));
    process.exit(2);
  }
  let running: RunningKeywarden;
  try {
    running = await startKeywarden(config.value, { role });
  } catch (error) {
    if (error instanceof PolicyFileRefused) {
      console.error(formatPolicyProblems(error.problems));
      process.exit(2);
    }
    throw error;
  }
  // SIGHUP re-reads the policy file; a bad one is refused (logged) and the policy in force is kept.
  process.on('SIGHUP', () => void running.reloadPolicy().catch(() => undefined));
  const shutdown = (signal: string) => {
    console.error(`keywarden: ${signal}, stopping (at most ${config.value.ops.shutdownSeconds} s)`);
    const hardStop = setTimeout(() => process.exit(0), config.value.ops.shutdownSeconds * 1000);
    hardStop.unref();
    void running.stop().finally(() => process.exit(0));
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    if (error instanceof SlackSettingRefused) {
      console.error(formatConfigProblems([{ variable: error.variable, problem: error.problem }]));
      process.exit(2);
    }
    console.error(`keywarden failed to start: ${(error as Error).message}`);
    process.exit(1);
  });
}
