import type { RedisClient as Redis } from './connection.js';

/**
 * A lock in one Redis key that its owner may take again (re-entrant): a job retried after its worker crashed holds
 * the lock under the same owner (its job id) and does not wait on itself. Held for `ttlMs` milliseconds from the last
 * take, so a crashed owner's lock lapses on its own.
 */
const TAKE = `
if redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then return 1 end
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
return 0
`;
const RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";

/** Takes (or takes again) the lock at `key` for `owner` for `ttlMs` ms; false while another owner holds it. */
export async function takeReentrantLock(redis: Pick<Redis, 'eval'>, key: string, owner: string, ttlMs: number): Promise<boolean> {
  return Number(await redis.eval(TAKE, 1, key, owner, String(ttlMs))) === 1;
}

/** Releases the lock at `key` if `owner` holds it; a lock another owner took since (after a lapse) is left alone. */
export async function releaseReentrantLock(redis: Pick<Redis, 'eval'>, key: string, owner: string): Promise<void> {
  await redis.eval(RELEASE, 1, key, owner);
}
