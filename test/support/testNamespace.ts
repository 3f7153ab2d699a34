/** A random Redis namespace for one test file on the real Redis, with a way to list and remove what it wrote. */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { deleteNamespace, redisKeys, type RedisKeys } from '../../src/platform/redis/redis.js';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface TestNamespace {
  readonly namespace: string;
  readonly keys: RedisKeys;
  readonly redis: Redis;
  /** a fresh connection (closed by `close`), for tests that want several clients */
  connect(): Redis;
  /** every key in Redis whose name matches `pattern` (SCAN, so safe on a shared server) */
  scanKeys(pattern: string): Promise<string[]>;
  /** deletes every key of the namespace and closes the connections */
  close(): Promise<void>;
}

export async function openTestNamespace(): Promise<TestNamespace> {
  const namespace = `t${randomBytes(5).toString('hex')}`;
  const redis = new Redis(REDIS_URL, { protocol: 2 });
  const extra: Redis[] = [];
  const scanKeys = async (pattern: string) => {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      found.push(...batch);
    } while (cursor !== '0');
    return [...new Set(found)];
  };
  await redis.ping();
  return {
    namespace,
    keys: redisKeys(namespace),
    redis,
    connect() {
      const client = new Redis(REDIS_URL, { protocol: 2 });
      extra.push(client);
      return client;
    },
    scanKeys,
    async close() {
      await deleteNamespace(redis, namespace);
      for (const client of [...extra, redis]) client.disconnect();
    },
  };
}

/** Every key the stores write must sit under the namespace and its `{kw}` hash tag (one Redis Cluster slot). */
export function keysOutsideLayout(keys: readonly string[], namespace: string): string[] {
  return keys.filter((key) => !key.startsWith(`${namespace}:{kw}:`));
}
