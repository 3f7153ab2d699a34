/**
 * Project limits in Redis (limit-change requests live in the approvals store, src/approvals/requestStore.ts). Limits are saved with a compare-and-set on their version, so
 * two admins changing the same project at once cannot silently overwrite each other.
 */
import { releaseReentrantLock } from '../platform/redis/reentrantLock.js';
import type { RedisClient as Redis } from '../platform/redis/connection.js';
import type { StoredLimits } from './domain/storedLimits.js';
import type { RedisKeys } from '../platform/redis/redis.js';

export type { EndedRaise, StoredLimits } from './domain/storedLimits.js';

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

  /**
   * Takes the project's cap lock for `ttlMs` (a holder that dies lets it go then): keywarden's own writes of a
   * project's cap at OpenAI and in the record (a limit change, a raise's end) run one at a time.
   * @returns false when another holder has it
   */
  async lockCap(projectId: string, owner: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(this.keys.custom('limits', projectId, 'caplock'), owner, 'PX', ttlMs, 'NX')) === 'OK';
  }

  /** Lets the cap lock go, if `owner` still holds it. */
  async unlockCap(projectId: string, owner: string): Promise<void> {
    await releaseReentrantLock(this.redis, this.keys.custom('limits', projectId, 'caplock'), owner);
  }

  /**
   * Notes that keywarden is setting the cap back for the raise made at `raiseVersion` (before OpenAI is asked), so
   * a retry after a crash takes OpenAI's previous cap as its own doing. Kept 30 days.
   */
  async markRaiseRestoring(projectId: string, raiseVersion: number): Promise<void> {
    await this.redis.set(this.keys.custom('limits', projectId, 'raise', String(raiseVersion), 'restoring'), '1', 'EX', 30 * 86_400);
  }

  async isRaiseRestoring(projectId: string, raiseVersion: number): Promise<boolean> {
    return (await this.redis.exists(this.keys.custom('limits', projectId, 'raise', String(raiseVersion), 'restoring'))) === 1;
  }

}
