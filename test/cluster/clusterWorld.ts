/**
 * keywarden against a real local Redis Cluster (test/support/redisCluster.ts) and the Slack and OpenAI emulators:
 * the app in this process (`startInProcess`) or as `web`/`worker` child processes (test/support/processes.ts),
 * plus a recorder of every command the cluster's primaries execute (MONITOR), to check hash slots.
 */
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import type { Redis } from 'ioredis';
import { readConfig } from '../../src/platform/config/config.js';
import { createLogger } from '../../src/platform/log.js';
import { secretsOf, startKeywarden, type RunningKeywarden } from '../../src/main.js';
import { createSlackDriver, type SlackDriver, type SlackEmulator, type SlackMessage } from '../../src/emulators/slack/index.js';
import type { OpenAIEmulator } from '../../src/emulators/openai/index.js';
import type { KeyRequest } from '../../src/keys/domain/keyRequest.js';
import { deleteNamespace } from '../../src/platform/redis/redis.js';
import { openRequestAsPerson } from '../support/openRequest.js';
import { waitUntil } from '../support/harness.js';
import { APPROVAL_CHANNEL, GENERAL_CHANNEL, SIGNING_SECRET, USERS, startEmulatedWorkspace } from '../support/workspace.js';
import type { LocalRedisCluster } from '../support/redisCluster.js';

export interface ClusterWorld {
  readonly slack: SlackEmulator;
  readonly openai: OpenAIEmulator;
  readonly namespace: string;
  /** keywarden's environment: the emulators and REDIS_CLUSTER_NODES (no REDIS_URL) */
  readonly env: Readonly<Record<string, string>>;
  readonly projects: { readonly support: string; readonly research: string };
  /** the key `<namespace>:{kw}:<parts>` */
  key(...parts: string[]): string;
  driverFor(url: string): SlackDriver;
  request(id: string): Promise<KeyRequest | null>;
  waitForState(id: string, state: KeyRequest['state'], timeoutMs?: number): Promise<KeyRequest>;
  requestIdOf(message: SlackMessage): string;
  /** sends `/openai-key <text>` as the requester and waits for the new request message in the approval channel */
  openRequest(driver: SlackDriver, text: string, timeoutMs?: number): Promise<{ message: SlackMessage; requestId: string; ackMs: number }>;
  close(): Promise<void>;
}

export async function startClusterWorld(cluster: LocalRedisCluster, extraEnv: Record<string, string> = {}, now?: () => number): Promise<ClusterWorld> {
  /** the ts of each duplicate warning an opener of this world has clicked */
  const clickedWarnings = new Set<string>();
  const namespace = `cl${randomBytes(5).toString('hex')}`;
  const workspace = await startEmulatedWorkspace({ namespace, openai: { adminKey: `sk-admin-${randomBytes(12).toString('hex')}`, ...(now ? { now } : {}) } });
  const env: Record<string, string> = { ...workspace.env, OPENAI_TIMEOUT_MS: '5000', LOG_LEVEL: 'info', KEYWARDEN_POLL_CRON: '0 0 1 1 *', ...extraEnv };
  delete env.REDIS_URL;
  env.REDIS_CLUSTER_NODES = cluster.seeds;
  const redis = cluster.client();
  const key = (...parts: string[]) => [`${namespace}:{kw}`, ...parts].join(':');
  const request = async (id: string) => {
    const raw = await redis.get(key('request', id));
    return raw ? (JSON.parse(raw) as KeyRequest) : null;
  };
  const requestIdOf = (message: SlackMessage) => {
    const match = /req_[a-z2-7]{10}/.exec(JSON.stringify(message.blocks ?? []));
    if (!match) throw new Error(`no request id in message ${message.ts}`);
    return match[0];
  };
  const { slack, openai } = workspace;
  return {
    slack,
    openai,
    namespace,
    env,
    projects: workspace.projects,
    key,
    driverFor: (url) => createSlackDriver({ emulator: slack, appUrl: url, signingSecret: SIGNING_SECRET }),
    request,
    waitForState: (id, state, timeoutMs = 20_000) =>
      waitUntil(async () => {
        const r = await request(id);
        return r && r.state === state ? r : undefined;
      }, timeoutMs, `request ${id} to become ${state}`),
    requestIdOf,
    async openRequest(driver, text, timeoutMs = 20_000) {
      const { message, ackMs } = await openRequestAsPerson(slack, driver, text, { timeoutMs, clickedWarnings });
      return { message, requestId: requestIdOf(message), ackMs };
    },
    async close() {
      await deleteNamespace(redis, namespace).catch(() => undefined);
      await Promise.all([slack.close(), openai.close()]);
    },
  };
}

/** keywarden (role `all`) in this process on the world's cluster; log lines collected. */
export async function startInProcess(world: ClusterWorld, now?: () => number): Promise<{ app: RunningKeywarden; driver: SlackDriver; logLines: string[] }> {
  const parsed = readConfig(world.env);
  if (!parsed.ok) throw new Error(`test config is invalid: ${JSON.stringify(parsed.error)}`);
  const logLines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  const log = createLogger({ level: 'info', destination, secrets: secretsOf(parsed.value) });
  const app = await startKeywarden(parsed.value, { log, host: '127.0.0.1', ...(now ? { clock: now } : {}) });
  return { app, driver: world.driverFor(`http://127.0.0.1:${app.port}/slack/events`), logLines };
}

/** One command as a primary executed it, with the client that sent it. */
export interface MonitoredCommand {
  readonly node: number;
  readonly source: string;
  readonly args: readonly string[];
}

/** Records every command every primary of the cluster executes (MONITOR), until `stop()`. */
export async function monitorPrimaries(cluster: LocalRedisCluster): Promise<{ commands: MonitoredCommand[]; stop(): void }> {
  const client = cluster.client();
  await client.ping();
  const commands: MonitoredCommand[] = [];
  const monitors: Redis[] = [];
  for (const node of client.nodes('master')) {
    const port = Number(node.options.port);
    const monitor = await node.monitor();
    monitor.on('monitor', (_time: string, args: string[], source: string) => commands.push({ node: port, source, args: args.map(String) }));
    monitors.push(monitor);
  }
  return { commands, stop: () => monitors.forEach((m) => m.disconnect()) };
}
