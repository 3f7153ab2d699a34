/**
 * What only key requests keep in Redis, beside their documents (which the approvals engine's request store holds,
 * src/approvals/requestStore.ts): each requester's list, the reconciler's set of unsettled requests, the index of
 * keys (by OpenAI key id and by masked value) to their request, each project's key holders, the sealed key's return
 * after a failed reveal, and request drafts. The same Redis connection and key layout (`RedisKeys`) as the request
 * store: the key names are the ones earlier releases wrote, so their data reads on.
 */
import type { RedisClient as Redis } from '../platform/redis/connection.js';
import type { RedisKeys } from '../platform/redis/redis.js';
import type { RequestIndexes } from '../approvals/index.js';
import type { KeyRequest } from './domain/keyRequest.js';

/** how long a settled request stays readable */
const SETTLED_RETENTION_S = 180 * 86_400;

export class KeyRequestStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Pick<RedisKeys, 'request' | 'userRequests' | 'keyIndex' | 'secret' | 'custom'>,
  ) {}

  private unsettledKey = () => this.keys.custom('requests', 'unsettled');

  /**
   * The lists a new key request joins as the engine stores it, in the same step (the key kind's `indexesOnOpen`): its
   * requester's list (`listByUser`, by `createdAt`) and the reconciler's unsettled set (`unsettled`).
   */
  indexesOnOpen(request: Pick<KeyRequest, 'requesterId'>): RequestIndexes {
    return { byCreation: this.keys.userRequests(request.requesterId), set: this.unsettledKey() };
  }

  /** A key request (null for a missing id or another kind's document). */
  async get(id: string): Promise<KeyRequest | null> {
    const raw = await this.redis.get(this.keys.request(id));
    const doc = raw ? (JSON.parse(raw) as { readonly kind?: unknown }) : null;
    return doc && doc.kind === 'key' ? (doc as KeyRequest) : null;
  }

  /**
   * Requests that may still need work from keywarden: not yet decided, provisioned, revealed or expired, or ended
   * with a service account that is not yet known to be deleted. The reconciler walks these.
   */
  async unsettled(): Promise<string[]> {
    return this.redis.smembers(this.unsettledKey());
  }

  /** The request needs nothing more from keywarden: it leaves the set, and is kept half a year for `list` and audits. */
  async settle(id: string): Promise<void> {
    await this.redis.multi().srem(this.unsettledKey(), id).expire(this.keys.request(id), SETTLED_RETENTION_S).exec();
  }

  /** Puts a taken secret back (the reveal modal could not be shown), keeping its original deadline. */
  async restoreSecret(id: string, sealed: string, ttlMs: number): Promise<void> {
    if (ttlMs <= 0) return;
    await this.redis.set(this.keys.secret(id), sealed, 'PX', Math.round(ttlMs), 'NX');
  }

  /** The user's key requests, newest first, at most `limit` (a request whose document has gone is left out). */
  async listByUser(userId: string, limit = 50): Promise<KeyRequest[]> {
    const ids = await this.redis.zrevrange(this.keys.userRequests(userId), 0, limit - 1);
    if (ids.length === 0) return [];
    const raws = await this.redis.mget(ids.map((id) => this.keys.request(id)));
    return raws.flatMap((raw) => (raw ? [JSON.parse(raw) as KeyRequest] : []));
  }

  /** The people who hold keys to a project (its "owners"), told when its hard cap is reached. */
  async addProjectOwner(projectId: string, userId: string): Promise<void> {
    await this.redis.sadd(this.keys.custom('project', projectId, 'owners'), userId);
  }

  async removeProjectOwner(projectId: string, userId: string): Promise<void> {
    await this.redis.srem(this.keys.custom('project', projectId, 'owners'), userId);
  }

  async projectOwners(projectId: string): Promise<string[]> {
    return this.redis.smembers(this.keys.custom('project', projectId, 'owners'));
  }

  /** Indexes an OpenAI key id (`key_…`) to the request that created it. */
  async bindKey(keyId: string, requestId: string): Promise<void> {
    await this.redis.set(this.keys.keyIndex(keyId), requestId);
  }

  /** The request that created the OpenAI key `keyId`, or null. */
  async findByKey(keyId: string): Promise<string | null> {
    return this.redis.get(this.keys.keyIndex(keyId));
  }

  /**
   * Indexes a key's masked value (`sk-svcacct-…nUAA`, never the key itself) to its request, so `revoke` can take what
   * people see. Several keys may share a masked value: it is a set, kept as long as a settled request.
   */
  async bindMaskedKey(masked: string, requestId: string): Promise<void> {
    const key = this.keys.custom('masked', masked);
    await this.redis.multi().sadd(key, requestId).expire(key, SETTLED_RETENTION_S).exec();
  }

  /** The request ids whose key has this masked value. */
  async findByMaskedKey(masked: string): Promise<string[]> {
    return this.redis.smembers(this.keys.custom('masked', masked));
  }

  /**
   * A short-lived draft (e.g. a duplicate request the person is asked about), stored as JSON under `id` for `ttlMs`.
   * Holds no secret.
   */
  async saveDraft(id: string, draft: object, ttlMs: number): Promise<void> {
    await this.redis.set(this.keys.custom('draft', id), JSON.stringify({ draft }), 'PX', Math.max(1, Math.round(ttlMs)));
  }

  /**
   * Claims a draft once: the first caller gets `{ kind: 'draft' }`, any later one what became of it — `claimed` while
   * the first is still sending, `sent` with the request id afterwards — and `missing` once it has expired.
   */
  async claimDraft<T>(id: string): Promise<{ kind: 'draft'; draft: T } | { kind: 'claimed' } | { kind: 'sent'; requestId: string } | { kind: 'missing' }> {
    const raw = (await this.redis.eval(
      "local v = redis.call('GET', KEYS[1]) if not v then return false end local d = cjson.decode(v) if d.draft then redis.call('SET', KEYS[1], '{\"claimed\":true}', 'KEEPTTL') end return v",
      1,
      this.keys.custom('draft', id),
    )) as string | null;
    if (!raw) return { kind: 'missing' };
    const stored = JSON.parse(raw) as { draft?: T; claimed?: boolean; sentAs?: string };
    if (stored.draft !== undefined) return { kind: 'draft', draft: stored.draft };
    if (stored.sentAs !== undefined) return { kind: 'sent', requestId: stored.sentAs };
    return { kind: 'claimed' };
  }

  /** Records what a claimed draft became (or frees it again when `requestId` is null, so it can be retried). */
  async settleDraft(id: string, requestId: string | null, draft?: object): Promise<void> {
    const value = requestId === null ? JSON.stringify({ draft }) : JSON.stringify({ sentAs: requestId });
    // Only while the draft still exists (XX), keeping its expiry: a draft that expired meanwhile is not brought back
    // without one.
    await this.redis.set(this.keys.custom('draft', id), value, 'KEEPTTL', 'XX');
  }
}
