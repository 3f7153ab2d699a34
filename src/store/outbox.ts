/**
 * A request's outbox: the events its thread and its requester must hear about, in order. Events are appended by the
 * flows; one flush at a time (a lock per request) posts them, advancing a cursor after each post, so a retried or
 * concurrent flush never posts a step twice and never out of order.
 */
import type { Redis } from 'ioredis';
import type { RedisKeys } from './redis.js';
import { REENTRANT_LOCK } from './spend.js';

/** Each event is told in two steps: a note in the request's thread, then a DM to the requester. */
export const STEPS_PER_EVENT = 2;
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
    return (await this.redis.rpush(this.list(requestId), JSON.stringify(event))) - 1;
  }

  /**
   * Appends an event unless one with the same `tag` was appended before (e.g. one retry notice per kind); returns its
   * position, or null when it was a repeat.
   */
  async appendOnce(requestId: string, event: E, tag: string): Promise<number | null> {
    const added = await this.redis.eval(
      "if redis.call('SADD', KEYS[2], ARGV[2]) == 1 then return redis.call('RPUSH', KEYS[1], ARGV[1]) else return 0 end",
      2,
      this.list(requestId),
      this.keys.custom('outbox', requestId, 'tags'),
      JSON.stringify(event),
      tag,
    );
    return Number(added) > 0 ? Number(added) - 1 : null;
  }

  /** The next step to deliver, or null when everything has been delivered. */
  async next(requestId: string): Promise<{ event: E; step: OutboxStep } | null> {
    const cursor = Number((await this.redis.get(this.cursorKey(requestId))) ?? '0');
    const raw = await this.redis.lindex(this.list(requestId), Math.floor(cursor / STEPS_PER_EVENT));
    if (raw === null) return null;
    return { event: JSON.parse(raw) as E, step: cursor % STEPS_PER_EVENT === 0 ? 'thread' : 'dm' };
  }

  async advance(requestId: string): Promise<void> {
    await this.redis.incr(this.cursorKey(requestId));
  }

  /** Re-entrant for its owner (a job id), so a job retried after its worker crashed does not wait on itself. */
  async lock(requestId: string, owner: string, ttlMs: number): Promise<boolean> {
    return Number(await this.redis.eval(REENTRANT_LOCK, 1, this.lockKey(requestId), owner, String(ttlMs))) === 1;
  }

  async unlock(requestId: string, owner: string): Promise<void> {
    await this.redis.eval(
      "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end",
      1,
      this.lockKey(requestId),
      owner,
    );
  }

  async all(requestId: string): Promise<E[]> {
    return (await this.redis.lrange(this.list(requestId), 0, -1)).map((raw) => JSON.parse(raw) as E);
  }
}
