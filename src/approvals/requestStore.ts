/**
 * Every request decided in a thread, whatever its kind (key requests `req_…`, limit changes `lim_…`), in one store:
 * what every kind shares. A request is one JSON document; every change is a compare-and-set done by a Lua script (on
 * its state, and on its version for votes), so of two approvers clicking at once exactly one wins and the other is
 * decided again against what won. The engine's pending set and the threads' links to their requests live here too.
 * A kind's own indexes live in its feature's store (key requests: src/keys/keyRequestStore.ts), over the same Redis
 * key layout. Limit-change requests stored before this store held them (under `limitreq:<id>`) move here when read.
 */
import type { RedisClient as Redis } from '../platform/redis/connection.js';
import { compareAndSet, type CasOutcome, type SecretOp } from '../platform/redis/documents.js';
import type { ApprovalDocument } from './domain/document.js';
import type { RedisKeys } from '../platform/redis/redis.js';

export type { SecretOp } from '../platform/redis/documents.js';

/**
 * What a `transition` or `amend` did: `ok` (the document as changed, and the sealed secret when one was taken),
 * `conflict` (its state was not one of `from`, or an `expect` field differed: the document as it is), `missing`, or
 * `no_secret` (a `take` found no secret: nothing changed). `D` is the caller's document type (not checked).
 */
export type TransitionOutcome<D extends ApprovalDocument = ApprovalDocument> =
  | { readonly kind: 'ok'; readonly request: D; readonly sealedSecret?: string }
  | { readonly kind: 'conflict'; readonly request: D }
  | { readonly kind: 'missing' }
  | { readonly kind: 'no_secret'; readonly request: D };

/**
 * A kind's own lists that a new request joins in the same step as it is stored (one script, so a crash cannot leave
 * it stored but missing from them): a sorted set scored by the request's `createdAt`, and a set; both hold its id.
 * Full key names of the same layout (`RedisKeys`, one hash slot). Key requests: the requester's list and the
 * reconciler's unsettled set (`KeyRequestStore.indexesOnOpen`).
 */
export interface RequestIndexes {
  readonly byCreation: string;
  readonly set: string;
}

/** The fields a caller changes with `transition` or `amend`: never the id, kind, state (`transition` moves it) or version. */
export type DocumentPatch<D extends ApprovalDocument> = Partial<Omit<D, 'id' | 'kind' | 'state' | 'version'>>;

export class RequestStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Pick<RedisKeys, 'request' | 'thread' | 'secret' | 'custom'>,
  ) {}

  /**
   * Stores a new request of any kind; false when the id is taken. A pending request joins the engine's pending set
   * (expiry, reminders); with `indexes`, it joins its kind's lists too, in the same step.
   */
  async create(request: ApprovalDocument, indexes?: RequestIndexes): Promise<boolean> {
    // One script, so a crash cannot leave a request missing from its lists. Without a kind's lists, KEYS[2] and
    // KEYS[3] are the document's own key (unused by the script then; named so every key stays in one hash slot).
    const created = await this.redis.eval(
      "if redis.call('SET', KEYS[1], ARGV[1], 'NX') then if ARGV[4] == '1' then redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3]) redis.call('SADD', KEYS[3], ARGV[3]) end if ARGV[5] == '1' then redis.call('ZADD', KEYS[4], ARGV[2], ARGV[3]) end return 1 else return 0 end",
      4,
      this.keys.request(request.id),
      indexes?.byCreation ?? this.keys.request(request.id),
      indexes?.set ?? this.keys.request(request.id),
      this.pendingKey(),
      JSON.stringify(request),
      String(request.createdAt),
      request.id,
      indexes ? '1' : '0',
      request.state === 'pending' ? '1' : '0',
    );
    return Number(created) === 1;
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
   * Moves `id` to `to` if its current state is one of `opts.from` (and every `opts.expect` field holds its value),
   * applying `patch` atomically; a patch field set to null is removed. With `opts.secret`, the request's sealed
   * secret is stored (`set`) or taken (`take`) in the same step. `D` is the caller's document type (not checked).
   */
  async transition<D extends ApprovalDocument = ApprovalDocument>(
    id: string,
    to: D['state'],
    patch: DocumentPatch<D>,
    opts: { readonly from: readonly D['state'][]; readonly secret?: SecretOp; readonly expect?: Readonly<Record<string, string>> },
  ): Promise<TransitionOutcome<D>> {
    return this.runScript<D>(id, opts.from, { ...patch, state: to }, opts.secret, opts.expect);
  }

  /** Changes fields without a state change, only while the state is one of `whileIn`. */
  async amend<D extends ApprovalDocument = ApprovalDocument>(id: string, whileIn: readonly D['state'][], patch: DocumentPatch<D>): Promise<TransitionOutcome<D>> {
    return this.runScript<D>(id, whileIn, patch, undefined);
  }

  private async runScript<D extends ApprovalDocument>(
    id: string,
    from: readonly string[],
    patch: object,
    secret: SecretOp | undefined,
    expect: Readonly<Record<string, string>> = {},
  ): Promise<TransitionOutcome<D>> {
    const out = await compareAndSet<D>(this.redis, { doc: this.keys.request(id), secret: this.keys.secret(id) }, from, patch, secret, expect);
    if (out.kind === 'missing') return out;
    if (out.kind === 'ok') return out.sealedSecret ? { kind: 'ok', request: out.doc, sealedSecret: out.sealedSecret } : { kind: 'ok', request: out.doc };
    return { kind: out.kind, request: out.doc };
  }

  /** Links a request message's thread to its request (replies in the thread find it). */
  async bindThread(channel: string, ts: string, requestId: string): Promise<void> {
    await this.redis.set(this.keys.thread(channel, ts), requestId);
  }

  /** The request whose message started the thread at `channel`/`ts`, or null. */
  async findByThread(channel: string, ts: string): Promise<string | null> {
    return this.redis.get(this.keys.thread(channel, ts));
  }
}
