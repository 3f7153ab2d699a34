/**
 * Key requests in Redis. A request is one JSON document; every state change is a compare-and-set done by a Lua
 * script, so of two approvers clicking at once exactly one wins and the other is told what happened.
 */
import type { Redis } from 'ioredis';
import { statesLeadingTo, type KeyRequest, type RequestState } from '../domain/request.js';
import type { RedisKeys } from './redis.js';

export type TransitionOutcome =
  | { readonly kind: 'ok'; readonly request: KeyRequest; readonly sealedSecret?: string }
  | { readonly kind: 'conflict'; readonly request: KeyRequest }
  | { readonly kind: 'missing' }
  | { readonly kind: 'no_secret'; readonly request: KeyRequest };

export type SecretOp = { readonly kind: 'set'; readonly sealed: string; readonly ttlMs: number } | { readonly kind: 'take' };

// KEYS[1] request, KEYS[2] secret. ARGV[1] allowed from-states (JSON), ARGV[2] patch (JSON), ARGV[3] secret op,
// ARGV[4] sealed secret, ARGV[5] secret TTL (ms).
const TRANSITION_SCRIPT = `
local raw = redis.call('GET', KEYS[1])
if not raw then return {'missing'} end
local req = cjson.decode(raw)
local allowed = cjson.decode(ARGV[1])
local permitted = false
for _, s in ipairs(allowed) do if s == req.state then permitted = true end end
if not permitted then return {'conflict', raw} end
local sealed = ''
if ARGV[3] == 'take' then
  sealed = redis.call('GET', KEYS[2])
  if not sealed then return {'no_secret', raw} end
  redis.call('DEL', KEYS[2])
end
local patch = cjson.decode(ARGV[2])
for k, v in pairs(patch) do req[k] = v end
req.version = (req.version or 0) + 1
local out = cjson.encode(req)
redis.call('SET', KEYS[1], out)
if ARGV[3] == 'set' then redis.call('SET', KEYS[2], ARGV[4], 'PX', ARGV[5]) end
return {'ok', out, sealed}
`;

export class RequestStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Pick<RedisKeys, 'request' | 'userRequests' | 'thread' | 'keyIndex' | 'secret'>,
  ) {}

  /** Stores a new request; false when the id is taken. */
  async create(request: KeyRequest): Promise<boolean> {
    const created = await this.redis.set(this.keys.request(request.id), JSON.stringify(request), 'NX');
    if (created !== 'OK') return false;
    await this.redis.zadd(this.keys.userRequests(request.requesterId), request.createdAt, request.id);
    return true;
  }

  async get(id: string): Promise<KeyRequest | null> {
    const raw = await this.redis.get(this.keys.request(id));
    return raw ? (JSON.parse(raw) as KeyRequest) : null;
  }

  /**
   * Moves `id` to `to` if its current state is one that may lead there (or one of `from`, when given), applying
   * `patch` atomically. With `secret`, the pending secret is stored or taken in the same step.
   */
  async transition(
    id: string,
    to: RequestState,
    patch: Partial<Omit<KeyRequest, 'id' | 'state' | 'version'>> = {},
    opts: { from?: readonly RequestState[]; secret?: SecretOp } = {},
  ): Promise<TransitionOutcome> {
    const from = opts.from ?? statesLeadingTo(to);
    return this.runScript(id, from, { ...patch, state: to }, opts.secret);
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
  ): Promise<TransitionOutcome> {
    const reply = (await this.redis.eval(
      TRANSITION_SCRIPT,
      2,
      this.keys.request(id),
      this.keys.secret(id),
      JSON.stringify(from),
      JSON.stringify(patch),
      secret?.kind ?? '',
      secret?.kind === 'set' ? secret.sealed : '',
      secret?.kind === 'set' ? String(Math.max(1, Math.round(secret.ttlMs))) : '0',
    )) as [string, string?, string?];
    const [status, json, sealed] = reply;
    if (status === 'missing') return { kind: 'missing' };
    const request = JSON.parse(json as string) as KeyRequest;
    if (status === 'conflict') return { kind: 'conflict', request };
    if (status === 'no_secret') return { kind: 'no_secret', request };
    return sealed ? { kind: 'ok', request, sealedSecret: sealed } : { kind: 'ok', request };
  }

  /** Puts a taken secret back (the reveal modal could not be shown), keeping its original deadline. */
  async restoreSecret(id: string, sealed: string, ttlMs: number): Promise<void> {
    if (ttlMs <= 0) return;
    await this.redis.set(this.keys.secret(id), sealed, 'PX', Math.round(ttlMs), 'NX');
  }

  async hasSecret(id: string): Promise<boolean> {
    return (await this.redis.exists(this.keys.secret(id))) === 1;
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

  async bindKey(keyId: string, requestId: string): Promise<void> {
    await this.redis.set(this.keys.keyIndex(keyId), requestId);
  }

  async findByKey(keyId: string): Promise<string | null> {
    return this.redis.get(this.keys.keyIndex(keyId));
  }
}
