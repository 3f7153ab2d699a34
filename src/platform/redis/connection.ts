/**
 * Where keywarden's Redis is (one server or a Redis Cluster) and how its connections are made. The store, the
 * queues and the workers all take a `RedisClient`: an ioredis `Redis` for one server, an ioredis `Cluster` for a
 * cluster. Every key keywarden writes carries the `{kw}` hash tag (see redis.ts), so on a cluster all of them live in
 * one hash slot and Lua scripts and MULTI/EXEC stay legal (https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/#hash-tags).
 */
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { raiseStoreUnavailable } from './storeUnavailable.js';

/** A connection to one Redis server or to a Redis Cluster; both speak the same commands. */
export type RedisClient = Redis | Cluster;

/** One Redis server, as a `redis://` or `rediss://` URL (credentials, TLS and database number in the URL). */
export interface SingleRedisTarget {
  readonly kind: 'single';
  readonly url: string;
}

/**
 * A Redis Cluster: the seed nodes keywarden asks for the slot map (any few primaries or replicas; the rest are
 * discovered), plus the credentials and TLS every node is reached with.
 */
export interface ClusterRedisTarget {
  readonly kind: 'cluster';
  readonly nodes: readonly { readonly host: string; readonly port: number }[];
  readonly username: string | null;
  readonly password: string | null;
  /** TLS to every node (the seeds were given as `rediss://`); certificates are checked against the host names */
  readonly tls: boolean;
}

export type RedisTarget = SingleRedisTarget | ClusterRedisTarget;

export type RedisRole = 'commands' | 'queue';

/**
 * Reads `REDIS_CLUSTER_NODES`: a comma list of seeds, each `host:port` or a URL
 * `redis[s]://[user[:password]@]host:port`. Credentials and TLS come from the URL seeds and must be the same in each
 * of them (a plain `host:port` seed takes them from the URL seeds). IPv6 hosts go in brackets (`[::1]:7000`).
 *
 * @returns the target, or a message saying what is wrong and the right form (for the config problem list)
 */
export function parseClusterNodes(text: string): { ok: true; value: ClusterRedisTarget } | { ok: false; error: string } {
  const form = 'a comma list of cluster seed nodes, each host:port or redis[s]://[user:password@]host:port, e.g. 10.0.0.1:6379,10.0.0.2:6379';
  const entries = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (entries.length === 0) return { ok: false, error: form };
  const nodes: { host: string; port: number }[] = [];
  const auths = new Set<string>();
  let username: string | null = null;
  let password: string | null = null;
  let tls: boolean | null = null;
  for (const entry of entries) {
    const isUrl = /^[a-z]+:\/\//i.test(entry);
    let host: string;
    let portText: string;
    if (isUrl) {
      let url: URL;
      try {
        url = new URL(entry);
      } catch {
        return { ok: false, error: `${form}; not a URL: ${redisSeedForDisplay(entry)}` };
      }
      if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
        return { ok: false, error: `${form}; ${redisSeedForDisplay(entry)} is not a redis:// or rediss:// URL` };
      }
      if ((url.pathname && url.pathname !== '/') || url.search) {
        return { ok: false, error: `${form}; ${redisSeedForDisplay(entry)} names a database or options, which a cluster does not have` };
      }
      host = url.hostname.replace(/^\[(.*)\]$/, '$1');
      portText = url.port || '6379';
      const user = url.username ? decodeURIComponent(url.username) : null;
      const pass = url.password ? decodeURIComponent(url.password) : null;
      auths.add(JSON.stringify([url.protocol, user, pass]));
      username = user;
      password = pass;
      tls = url.protocol === 'rediss:';
    } else {
      const m = /^(?:\[([^\]]+)\]|([^:\s/@[\]]+)):(\d+)$/.exec(entry);
      if (!m) return { ok: false, error: `${form}; not host:port: ${entry.replace(/^[^@]*@/, "***@")}` };
      host = (m[1] ?? m[2])!;
      portText = m[3]!;
    }
    const port = Number(portText);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      return { ok: false, error: `${form}; ${redisSeedForDisplay(entry)} has no port between 1 and 65535` };
    }
    nodes.push({ host, port });
  }
  if (auths.size > 1) {
    return { ok: false, error: 'every redis[s]:// seed in REDIS_CLUSTER_NODES must carry the same scheme, user and password (they are one cluster)' };
  }
  return { ok: true, value: { kind: 'cluster', nodes, username, password, tls: tls ?? false } };
}

/** ms before the n-th reconnection attempt: 400 ms doubling to at most 10 s. */
const backoff = (times: number) => Math.min(200 * 2 ** Math.min(times, 6), 10_000);

/**
 * Opens a connection for one role.
 *
 * `commands` (Slack handlers): fails fast while Redis is away, so a command can answer within Slack's 3 s that the
 * store is unavailable: such a command rejects with a `StoreUnavailableError` (storeUnavailable.ts). On a cluster a command to a slot whose primary just died is retried while the replica takes
 * over (6 redirections, 250 ms apart) and then fails; commands are never queued while the cluster is not ready.
 *
 * `queue` (BullMQ): waits and reconnects; BullMQ requires `maxRetriesPerRequest: null`
 * (https://docs.bullmq.io/guide/going-to-production#maxretriesperrequest). On a cluster commands wait in the
 * offline queue until the slot is served again, and the cluster's ready check (CLUSTER INFO must say
 * `cluster_state:ok`) is off: when that check fails, ioredis reconnects on its own and the promise of the
 * `connect()` that started it never settles (https://github.com/redis/ioredis/pull/741, still open in ioredis 6).
 * BullMQ awaits exactly that promise when it resets a worker's blocking connection after a failover, so with the
 * check on, a worker that reconnected during the seconds a cluster reports `fail` never took a job again.
 * Without it, `connect()` resolves once the slot map is read, and a command sent while the cluster is still down
 * is answered CLUSTERDOWN and retried (`retryDelayOnClusterDown`).
 *
 * `extra` is merged last: into the options of a single Redis, or into the `Cluster` options.
 */
export function createRedisClient(target: RedisTarget, role: RedisRole, extra: RedisOptions & ClusterOptions = {}): RedisClient {
  if (target.kind === 'single') return createSingleRedis(target.url, role, extra);
  const nodeOptions: NonNullable<ClusterOptions['redisOptions']> = {
    protocol: 2,
    connectTimeout: 2_000,
    ...(target.username ? { username: target.username } : {}),
    ...(target.password ? { password: target.password } : {}),
    ...(target.tls ? { tls: {} } : {}),
    ...(role === 'queue' ? { maxRetriesPerRequest: null } : { maxRetriesPerRequest: 1, commandTimeout: 1_500 }),
  };
  const options: ClusterOptions = {
    redisOptions: nodeOptions,
    clusterRetryStrategy: backoff,
    slotsRefreshTimeout: 1_000,
    // The node addresses the cluster reports are used as they are; with TLS the host name is kept for the
    // certificate check instead of being resolved to an IP first (ioredis README, "Special note: AWS ElastiCache Clusters with TLS").
    ...(target.tls ? { dnsLookup: (address: string, callback: (err: null, address: string) => void) => callback(null, address) } : {}),
    ...(role === 'queue'
      ? { enableOfflineQueue: true, enableReadyCheck: false, retryDelayOnFailover: 300, retryDelayOnClusterDown: 300, retryDelayOnTryAgain: 300, maxRedirections: 64 }
      : { enableOfflineQueue: false, retryDelayOnFailover: 250, retryDelayOnClusterDown: 250, retryDelayOnTryAgain: 250, maxRedirections: 6 }),
    ...extra,
  };
  const cluster = new Cluster(
    target.nodes.map((n) => ({ host: n.host, port: n.port })),
    options,
  );
  return role === 'commands' ? raiseStoreUnavailable(cluster) : cluster;
}

/** The single-server connection; see `createRedisClient` for the roles. */
export function createSingleRedis(url: string, role: RedisRole, extra: RedisOptions = {}): Redis {
  const base: RedisOptions = {
    protocol: 2,
    lazyConnect: false,
    connectTimeout: 2_000,
    retryStrategy: backoff,
  };
  const byRole: RedisOptions =
    role === 'queue'
      ? { maxRetriesPerRequest: null, enableReadyCheck: true }
      : { maxRetriesPerRequest: 1, enableOfflineQueue: false, commandTimeout: 2_000 };
  const redis = new Redis(url, { ...base, ...byRole, ...extra });
  return role === 'commands' ? raiseStoreUnavailable(redis) : redis;
}

/** The primaries of a cluster (every connected one), or the one server. */
export function primariesOf(client: RedisClient): Redis[] {
  return client instanceof Cluster ? client.nodes('master') : [client];
}

/** A Redis URL or seed fit to print: any user and password in it are masked. */
export const redisSeedForDisplay = (url: string): string => url.replace(/\/\/([^@/]*)@/, '//***@');

/** Where a target points, fit to print (no password): the URL, or `cluster <seed>,<seed>`. */
export function redisTargetForDisplay(target: RedisTarget): string {
  if (target.kind === 'single') return redisSeedForDisplay(target.url);
  const scheme = target.tls ? 'rediss' : 'redis';
  return `${scheme} cluster ${target.nodes.map((n) => (n.host.includes(':') ? `[${n.host}]:${n.port}` : `${n.host}:${n.port}`)).join(',')}`;
}

/**
 * Resolves once `client` is ready (connected; on a cluster, the slot map read), or after `ms` either way: a
 * fail-fast `commands` connection refuses commands until then, so a process waits this long before taking requests.
 * Never rejects: Redis being away at start is reported by the health log and readiness, not by a crash.
 */
export async function readyWithin(client: RedisClient, ms: number): Promise<boolean> {
  if (client.status === 'ready') return true;
  return new Promise((resolve) => {
    const done = (ready: boolean) => {
      clearTimeout(timer);
      client.off('ready', onReady);
      resolve(ready);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(client.status === 'ready'), ms);
    client.on('ready', onReady);
  });
}
