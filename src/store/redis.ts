/** Redis connections and the key layout. Every key starts with one hash tag so the layout works on Redis Cluster. */
import { Redis, type RedisOptions } from 'ioredis';

export interface RedisKeys {
  /** `[namespace:]{kw}`: the BullMQ prefix too */
  readonly prefix: string;
  request(id: string): string;
  userRequests(userId: string): string;
  thread(channel: string, ts: string): string;
  keyIndex(keyId: string): string;
  secret(requestId: string): string;
  audit(): string;
  eventSeen(eventId: string): string;
  projectsCache(): string;
  pace(channel: string): string;
  custom(...parts: string[]): string;
}

export function redisKeys(namespace: string): RedisKeys {
  const prefix = namespace ? `${namespace}:{kw}` : '{kw}';
  const k = (...parts: string[]) => [prefix, ...parts].join(':');
  return {
    prefix,
    request: (id) => k('request', id),
    userRequests: (userId) => k('user', userId, 'requests'),
    thread: (channel, ts) => k('thread', channel, ts),
    keyIndex: (keyId) => k('key', keyId),
    secret: (requestId) => k('secret', requestId),
    audit: () => k('audit'),
    eventSeen: (eventId) => k('event', eventId),
    projectsCache: () => k('cache', 'projects'),
    pace: (channel) => k('pace', channel),
    custom: (...parts) => k(...parts),
  };
}

export type RedisRole = 'commands' | 'queue';

/**
 * `commands`: for Slack handlers — fails fast when Redis is away so a command can answer within Slack's 3 s.
 * `queue`: for BullMQ — waits and reconnects (BullMQ requires maxRetriesPerRequest: null).
 */
export function createRedis(url: string, role: RedisRole, extra: RedisOptions = {}): Redis {
  const base: RedisOptions = {
    protocol: 2,
    lazyConnect: false,
    connectTimeout: 2_000,
    retryStrategy: (times) => Math.min(200 * 2 ** Math.min(times, 6), 10_000),
  };
  const byRole: RedisOptions =
    role === 'queue'
      ? { maxRetriesPerRequest: null, enableReadyCheck: true }
      : { maxRetriesPerRequest: 1, enableOfflineQueue: false, commandTimeout: 2_000 };
  return new Redis(url, { ...base, ...byRole, ...extra });
}

/** Deletes every key of a namespace (the sandbox at start and stop, tests and benches after themselves). */
export async function deleteNamespace(redis: Redis, namespace: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${namespace}:*`, 'COUNT', 1000);
    cursor = next;
    if (found.length > 0) await redis.del(...found);
  } while (cursor !== '0');
}

/** A Redis URL fit to print: any user and password in it are masked. */
export const redisUrlForDisplay = (url: string): string => url.replace(/\/\/([^@/]*)@/, '//***@');
