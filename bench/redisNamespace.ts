/** Cleaning up after a bench run in the shared Redis. */
import type { Redis } from 'ioredis';

/** Deletes every key of `namespace`. */
export async function deleteNamespace(redis: Redis, namespace: string): Promise<void> {
  let cursor = '0';
  do {
    const [nextCursor, found] = await redis.scan(cursor, 'MATCH', `${namespace}:*`, 'COUNT', 1000);
    cursor = nextCursor;
    if (found.length > 0) await redis.del(...found);
  } while (cursor !== '0');
}
