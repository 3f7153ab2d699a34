/**
 * Every request decided in a thread, whatever its kind (key requests `req_…`, limit changes `lim_…`), in one store.
 * A request is one JSON document; every change is a compare-and-set done by a Lua script (on its state, and on its
 * version for votes), so of two approvers clicking at once exactly one wins and the other is decided again against
 * what won. Limit-change requests stored before this store held them (under `limitreq:<id>`) move here when read.
 */
import type { RedisClient as Redis } from '../platform/redis/connection.js';
import { statesLeadingTo, type KeyRequest, type RequestState } from '../keys/domain/keyRequest.js';
import { compareAndSet, type CasOutcome, type SecretOp } from '../platform/redis/documents.js';
import type { ApprovalDocument } from './domain/document.js';
import type { RedisKeys } from '../platform/redis/redis.js';

export type { SecretOp } from '../platform/redis/documents.js';

export type TransitionOutcome =
  | { readonly kind: 'ok'; readonly request: KeyRequest; readonly sealedSecret?: string }
  | { readonly kind: 'conflict'; readonly request: KeyRequest }
  | { readonly kind: 'missing' }
  | { readonly kind: 'no_secret'; readonly request: KeyRequest };

/** how long a settled request stays readable */
const SETTLED_RETENTION_S = 180 * 86_400;

export class RequestStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Pick<RedisKeys, 'request' | 'userRequests' | 'thread' | 'keyIndex' | 'secret' | 'custom'>,
  ) {}

  /**
   * Stores a new request of any kind; false when the id is taken. A key request also joins its requester's list and
   * the reconciler's set; a pending request of any kind joins the engine's pending set (expiry, reminders).
   */
  async create(request: ApprovalDocument | KeyRequest): Promise<boolean> {
    // One script, so a crash cannot leave a request missing from its lists.
    const isKey = request.kind === 'key';
    const created = await this.redis.eval(
      "if redis.call('SET', KEYS[1], ARGV[1], 'NX') then if ARGV[4] == '1' then redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3]) redis.call('SADD', KEYS[3], ARGV[3]) end if ARGV[5] == '1' then redis.call('ZADD', KEYS[4], ARGV[2], ARGV[3]) end return 1 else return 0 end",
      4,
      this.keys.request(request.id),
      this.keys.userRequests(request.requesterId),
      this.unsettledKey(),
      this.pendingKey(),
      JSON.stringify(request),
      String(request.createdAt),
      request.id,
      isKey ? '1' : '0',
      request.state === 'pending' ? '1' : '0',
    );
    return Number(created) === 1;
  }

  /** A key request (null for a missing id or another kind's document). */
  async get(id: string): Promise<KeyRequest | null> {
    const doc = await this.document(id);
    return doc && doc.kind === 'key' ? (doc as unknown as KeyRequest) : null;
  }

  /** Any kind's request document. A limit change stored the old way is moved here first (once; the old key stays). */
  async document(id: string): Promise<ApprovalDocument | null> {
    const raw = await this.redis.get(this.keys.request(id));
    if (raw) return JSON.parse(raw) as ApprovalDocument;
    const legacy = await this.redis.get(this.keys.custom('limitreq', id));
    if (!legacy) return null;
    await this.redis.set(this.keys.request(id), legacy, 'NX');
    const moved = await this.redis.get(this.keys.request(id));
    return moved ? (JSON.parse(moved) as ApprovalDocument) : null;
  }

  /**
   * Changes any kind's document if its state is one of `from` and every `expect` field holds its value (e.g. the
   * `version` it was read at, so two votes cannot both land on the same version); bumps the version.
   */
  async update(
    id: string,
    from: readonly string[],
    patch: object,
    expect: Readonly<Record<string, string | number | boolean>> = {},
  ): Promise<CasOutcome<ApprovalDocument>> {
    const out = await compareAndSet<ApprovalDocument>(this.redis, { doc: this.keys.request(id), secret: this.keys.custom('request', id, 'unused') }, from, patch, undefined, expect);
    if (out.kind === 'missing' && (await this.document(id))) {
      return compareAndSet<ApprovalDocument>(this.redis, { doc: this.keys.request(id), secret: this.keys.custom('request', id, 'unused') }, from, patch, undefined, expect);
    }
    return out;
  }

  private pendingKey = () => this.keys.custom('approvals', 'pending');

  /** Requests of any kind that were pending when last seen (the engine's sweep expires and reminds them). */
  async pendingIds(): Promise<string[]> {
    return this.redis.zrange(this.pendingKey(), '0', '-1');
  }

  /** The request is decided (or gone): it leaves the pending set. */
  async leavePending(id: string): Promise<void> {
    await this.redis.zrem(this.pendingKey(), id);
  }

  /**
   * Moves `id` to `to` if its current state is one that may lead there (or one of `from`, when given), applying
   * `patch` atomically. With `secret`, the pending secret is stored or taken in the same step.
   */
  async transition(
    id: string,
    to: RequestState,
    patch: Partial<Omit<KeyRequest, 'id' | 'state' | 'version'>> = {},
    opts: { from?: readonly RequestState[]; secret?: SecretOp; expect?: Readonly<Record<string, string>> } = {},
  ): Promise<TransitionOutcome> {
    const from = opts.from ?? statesLeadingTo(to);
    return this.runScript(id, from, { ...patch, state: to }, opts.secret, opts.expect);
  }

  /** Changes fields without a state change, only while the state is one of `whileIn`. */
  async amend(
    id: string,
    whileIn: readonly RequestState[],
    patch: Partial<Omit<KeyRequest, 'id' | 'state' | 'version'>>,
  ): Promise<TransitionOutcome> {
    return this.runScript(id, whileIn, patch, undefined);
  }

  private async runScript(
    id: string,
    from: readonly RequestState[],
    patch: object,
    secret: SecretOp | undefined,
    expect: Readonly<Record<string, string>> = {},
  ): Promise<TransitionOutcome> {
    const out = await compareAndSet<KeyRequest>(this.redis, { doc: this.keys.request(id), secret: this.keys.secret(id) }, from, patch, secret, expect);
    if (out.kind === 'missing') return out;
    if (out.kind === 'ok') return out.sealedSecret ? { kind: 'ok', request: out.doc, sealedSecret: out.sealedSecret } : { kind: 'ok', request: out.doc };
    return { kind: out.kind, request: out.doc };
  }

  private unsettledKey = () => this.keys.custom('requests', 'unsettled');

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

  async listByUser(userId: string, limit = 50): Promise<KeyRequest[]> {
    const ids = await this.redis.zrevrange(this.keys.userRequests(userId), 0, limit - 1);
    if (ids.length === 0) return [];
    const raws = await this.redis.mget(ids.map((id) => this.keys.request(id)));
    return raws.flatMap((raw) => (raw ? [JSON.parse(raw) as KeyRequest] : []));
  }

  async bindThread(channel: string, ts: string, requestId: string): Promise<void> {
    await this.redis.set(this.keys.thread(channel, ts), requestId);
  }

  async findByThread(channel: string, ts: string): Promise<string | null> {
    return this.redis.get(this.keys.thread(channel, ts));
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

  async bindKey(keyId: string, requestId: string): Promise<void> {
    await this.redis.set(this.keys.keyIndex(keyId), requestId);
  }

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
