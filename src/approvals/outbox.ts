/**
 * A request's outbox: the events its thread and its requester must hear about, in order. Events are appended by the
 * flows (each kind once); one flush at a time (a lock per request) posts them, advancing a cursor after each step.
 * The cursor keeps the order; each step is posted under its own name (postOnce), so a step whose outcome was lost
 * in a crash is found in Slack rather than posted again.
 */
import type { RedisClient as Redis } from '../platform/redis/connection.js';
import type { RedisKeys } from '../platform/redis/redis.js';
import { releaseReentrantLock, takeReentrantLock } from '../platform/redis/reentrantLock.js';

/** Each event is told in two steps: a note in the request's thread, then a DM to the requester. */
export const STEPS_PER_EVENT = 2;
/** a request's outbox is kept half a year after its last event */
const RETENTION_S = 180 * 86_400;
export type OutboxStep = 'thread' | 'dm';

export class RequestOutbox<E> {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Pick<RedisKeys, 'custom'>,
  ) {}

  private list = (id: string) => this.keys.custom('outbox', id);
  private cursorKey = (id: string) => this.keys.custom('outbox', id, 'cursor');
  private lockKey = (id: string) => this.keys.custom('outbox', id, 'lock');

  /** Appends an event; returns its position (0-based). */
  async append(requestId: string, event: E): Promise<number> {
    const [[, length]] = (await this.redis.multi().rpush(this.list(requestId), JSON.stringify(event)).expire(this.list(requestId), RETENTION_S).exec()) as [[unknown, number]];
    return length - 1;
  }

  /**
   * Appends an event unless one with the same `tag` was appended before (e.g. one retry notice per kind); returns its
   * position, or null when it was a repeat.
   */
  async appendOnce(requestId: string, event: E, tag: string): Promise<number | null> {
    const added = await this.redis.eval(
      "if redis.call('SADD', KEYS[2], ARGV[2]) == 0 then return 0 end local n = redis.call('RPUSH', KEYS[1], ARGV[1]) redis.call('EXPIRE', KEYS[2], ARGV[3]) redis.call('EXPIRE', KEYS[1], ARGV[3]) return n",
      2,
      this.list(requestId),
      this.keys.custom('outbox', requestId, 'tags'),
      JSON.stringify(event),
      tag,
      String(RETENTION_S),
    );
    return Number(added) > 0 ? Number(added) - 1 : null;
  }

  /** The next step to deliver (`cursor` numbers the steps), or null when everything has been delivered. */
  async next(requestId: string): Promise<{ event: E; step: OutboxStep; cursor: number } | null> {
    const cursor = Number((await this.redis.get(this.cursorKey(requestId))) ?? '0');
    const raw = await this.redis.lindex(this.list(requestId), Math.floor(cursor / STEPS_PER_EVENT));
    if (raw === null) return null;
    return { event: JSON.parse(raw) as E, step: cursor % STEPS_PER_EVENT === 0 ? 'thread' : 'dm', cursor };
  }

  async advance(requestId: string): Promise<void> {
    await this.redis.multi().incr(this.cursorKey(requestId)).expire(this.cursorKey(requestId), RETENTION_S).exec();
  }

  /** Re-entrant for its owner (a job id), so a job retried after its worker crashed does not wait on itself. */
  async lock(requestId: string, owner: string, ttlMs: number): Promise<boolean> {
    return takeReentrantLock(this.redis, this.lockKey(requestId), owner, ttlMs);
  }

  async unlock(requestId: string, owner: string): Promise<void> {
    await releaseReentrantLock(this.redis, this.lockKey(requestId), owner);
  }

  async all(requestId: string): Promise<E[]> {
    return (await this.redis.lrange(this.list(requestId), 0, -1)).map((raw) => JSON.parse(raw) as E);
  }
}
