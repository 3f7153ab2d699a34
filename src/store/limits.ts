/**
 * Project limits and limit-change requests in Redis. Limits are saved with a compare-and-set on their version, so
 * two admins changing the same project at once cannot silently overwrite each other.
 */
import type { RedisClient as Redis } from './redisConnection.js';
import type { LimitChangeRequest, LimitRequestState } from '../domain/limitRequest.js';
import type { ProjectLimits } from '../domain/limits.js';
import type { Cents } from '../domain/money.js';
import { compareAndSet, type CasOutcome } from './documents.js';
import type { RedisKeys } from './redis.js';

export interface StoredLimits extends ProjectLimits {
  /** the hard cap keywarden last set at (or adopted from) OpenAI, in cents; null when none */
  readonly hardAtOpenAI: Cents | null;
  /** the project's name when the limits were last saved, so polls and alerts need not list every project */
  readonly projectName?: string;
  /**
   * true once keywarden has set the project's cap at OpenAI or seen what OpenAI has (a cap or none), so a different
   * cap there is drift; absent on records that predate it, which count as known when they hold a cap.
   */
  readonly capKnown?: boolean;
}

// KEYS[1] limits doc, KEYS[2] index set. ARGV[1] new doc, ARGV[2] expected version, ARGV[3] project id.
const SAVE_SCRIPT = `
local raw = redis.call('GET', KEYS[1])
local v = 0
if raw then v = cjson.decode(raw).version end
if v ~= tonumber(ARGV[2]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('SADD', KEYS[2], ARGV[3])
return 1
`;

export class LimitsStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Pick<RedisKeys, 'custom'>,
  ) {}

  private doc = (projectId: string) => this.keys.custom('limits', projectId);
  private index = () => this.keys.custom('limits', 'index');

  async get(projectId: string): Promise<StoredLimits | null> {
    const raw = await this.redis.get(this.doc(projectId));
    return raw ? (JSON.parse(raw) as StoredLimits) : null;
  }

  async all(): Promise<StoredLimits[]> {
    const ids = await this.redis.smembers(this.index());
    if (ids.length === 0) return [];
    const raws = await this.redis.mget(ids.map((id) => this.doc(id)));
    return raws.flatMap((raw) => (raw ? [JSON.parse(raw) as StoredLimits] : []));
  }

  /** Saves `next` if the stored version is still `expectedVersion` (0 when none was stored). */
  async save(next: StoredLimits, expectedVersion: number): Promise<boolean> {
    const saved = await this.redis.eval(SAVE_SCRIPT, 2, this.doc(next.projectId), this.index(), JSON.stringify(next), String(expectedVersion), next.projectId);
    return Number(saved) === 1;
  }

  /** Of `projectIds`, those OpenAI said have no cap within the last `rememberWithoutCap` TTL (one round trip). */
  async recentlyWithoutCap(projectIds: readonly string[]): Promise<Set<string>> {
    if (projectIds.length === 0) return new Set();
    const raws = await this.redis.mget(projectIds.map((id) => this.keys.custom('limits', id, 'nocap')));
    return new Set(projectIds.filter((_, i) => raws[i] !== null));
  }

  /** Remembers for `ttlMs` that OpenAI has no cap for the project, so `limits` need not ask again meanwhile. */
  async rememberWithoutCap(projectId: string, ttlMs: number): Promise<void> {
    await this.redis.set(this.keys.custom('limits', projectId, 'nocap'), '1', 'PX', ttlMs);
  }

  /** The cap keywarden is about to set at OpenAI (null: removing it); kept a day in case it is never recorded. */
  async recordIntendedCap(projectId: string, cents: number | null): Promise<void> {
    await this.redis.set(this.keys.custom('limits', projectId, 'intent'), cents === null ? 'none' : String(cents), 'EX', 86_400);
  }

  async forgetIntendedCap(projectId: string): Promise<void> {
    await this.redis.del(this.keys.custom('limits', projectId, 'intent'));
  }

  /** undefined: no cap is being set; null: keywarden is removing the cap */
  async intendedCap(projectId: string): Promise<number | null | undefined> {
    const raw = await this.redis.get(this.keys.custom('limits', projectId, 'intent'));
    return raw === null ? undefined : raw === 'none' ? null : Number(raw);
  }

}

export class LimitRequestStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Pick<RedisKeys, 'custom'>,
  ) {}

  private doc = (id: string) => this.keys.custom('limitreq', id);

  async create(request: LimitChangeRequest): Promise<boolean> {
    return (await this.redis.set(this.doc(request.id), JSON.stringify(request), 'NX')) === 'OK';
  }

  async get(id: string): Promise<LimitChangeRequest | null> {
    const raw = await this.redis.get(this.doc(id));
    return raw ? (JSON.parse(raw) as LimitChangeRequest) : null;
  }

  async transition(
    id: string,
    from: readonly LimitRequestState[],
    patch: Partial<Omit<LimitChangeRequest, 'id' | 'version'>>,
  ): Promise<CasOutcome<LimitChangeRequest>> {
    return compareAndSet<LimitChangeRequest>(this.redis, { doc: this.doc(id), secret: this.keys.custom('limitreq', id, 'unused') }, from, patch);
  }
}
