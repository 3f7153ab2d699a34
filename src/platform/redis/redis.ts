/** Redis connections and the key layout. Every key starts with one hash tag so the layout works on Redis Cluster. */
import type { Redis, RedisOptions } from 'ioredis';
import { createSingleRedis, primariesOf, type RedisClient, type RedisRole } from './connection.js';

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


/**
 * A connection to one Redis server from its URL (tests and tools; the app uses `createRedisClient`, which also
 * opens a cluster). `commands` fails fast, `queue` waits and reconnects: see `createRedisClient`.
 */
export function createRedis(url: string, role: RedisRole, extra: RedisOptions = {}): Redis {
  return createSingleRedis(url, role, extra);
}

/**
 * Deletes every key of a namespace (the sandbox at start and stop, tests and benches after themselves). On a cluster
 * every primary is scanned and each batch found on one node is deleted in one pipeline (ioredis sends a cluster
 * pipeline to one node only, so it must not span nodes).
 */
export async function deleteNamespace(redis: RedisClient, namespace: string): Promise<void> {
  for (const node of primariesOf(redis)) {
    let cursor = '0';
    do {
      const [next, found] = await node.scan(cursor, 'MATCH', `${namespace}:*`, 'COUNT', 1000);
      cursor = next;
      if (found.length === 0) continue;
      // One DEL per key: a multi-key DEL across slots is refused by a cluster; a pipeline of keys served by one node is not.
      const batch = redis.pipeline();
      for (const key of found) batch.del(key);
      await batch.exec();
    } while (cursor !== '0');
  }
}

/** A Redis URL fit to print: any user and password in it are masked. */
export const redisUrlForDisplay = (url: string): string => url.replace(/\/\/([^@/]*)@/, '//***@');
