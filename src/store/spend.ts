/**
 * What the spend poll leaves in Redis: each limited project's month so far (for status messages), every project's
 * month-to-date total (for `/openai-key limits`), and the alert ledger with each project's claims in order.
 */
import type { RedisClient as Redis } from './redisConnection.js';
import type { MonthSpend } from '../domain/spend/aggregate.js';
import type { Alert, Enforcement } from '../domain/spend/alerts.js';
import type { Cents } from '../domain/money.js';
import type { RedisKeys } from './redis.js';

export interface ProjectSpendRecord {
  readonly spend: MonthSpend;
  readonly enforcement: Enforcement;
  readonly polledAt: number;
}

export interface SpendTotal {
  readonly cents: Cents;
  readonly estimateCents: Cents;
  readonly estimateMissing: boolean;
  readonly polledAt: number;
}

const RETENTION_S = 45 * 86_400;

// KEYS[1] ledger entry, KEYS[2] the project's claim order. ARGV: entry, TTL (s), order score, identity.
const CLAIM_SCRIPT = `
if not redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2], 'NX') then return 0 end
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
redis.call('EXPIRE', KEYS[2], ARGV[2])
return 1
`;

export const REENTRANT_LOCK = `
if redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then return 1 end
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
return 0
`;

export class SpendStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Pick<RedisKeys, 'custom'>,
  ) {}

  private project = (projectId: string) => this.keys.custom('spend', projectId);
  private totalsKey = (month: string) => this.keys.custom('spend', 'totals', month);
  private ledger = (identity: string) => this.keys.custom('ledger', identity);
  private order = (projectId: string, month: string) => this.keys.custom('ledger', 'order', projectId, month);

  /** Saves one poll's results in a single round trip. */
  async savePoll(month: string, limited: readonly ProjectSpendRecord[], totals: ReadonlyMap<string, SpendTotal>): Promise<void> {
    const pipeline = this.redis.pipeline();
    for (const record of limited) pipeline.set(this.project(record.spend.projectId), JSON.stringify(record), 'EX', RETENTION_S);
    if (totals.size > 0) {
      const flat: string[] = [];
      for (const [projectId, total] of totals) flat.push(projectId, JSON.stringify(total));
      pipeline.hset(this.totalsKey(month), ...flat);
      pipeline.expire(this.totalsKey(month), RETENTION_S);
    }
    await pipeline.exec();
  }

  async projectSpend(projectId: string): Promise<ProjectSpendRecord | null> {
    const raw = await this.redis.get(this.project(projectId));
    return raw ? (JSON.parse(raw) as ProjectSpendRecord) : null;
  }

  async totals(month: string, projectIds: readonly string[]): Promise<Map<string, SpendTotal>> {
    if (projectIds.length === 0) return new Map();
    const raws = await this.redis.hmget(this.totalsKey(month), ...projectIds);
    const out = new Map<string, SpendTotal>();
    projectIds.forEach((id, i) => {
      const raw = raws[i];
      if (raw) out.set(id, JSON.parse(raw) as SpendTotal);
    });
    return out;
  }

  /**
   * Claims many alerts in one round trip; true where this call was the first claimer. Each project's claims are
   * also kept in claim order, so its alerts can be told in that order.
   */
  async claimAlerts(alerts: readonly Alert[], now: number): Promise<boolean[]> {
    if (alerts.length === 0) return [];
    const pipeline = this.redis.pipeline();
    alerts.forEach((alert, i) => {
      pipeline.eval(CLAIM_SCRIPT, 2, this.ledger(alert.identity), this.order(alert.projectId, alert.month), JSON.stringify({ alert, claimedAt: now }), String(RETENTION_S), String(now * 1_000 + i), alert.identity);
    });
    const replies = (await pipeline.exec()) ?? [];
    return replies.map(([error, reply]) => {
      if (error) throw error;
      return Number(reply) === 1;
    });
  }

  async claimedAlert(identity: string): Promise<Alert | null> {
    const raw = await this.redis.get(this.ledger(identity));
    return raw ? (JSON.parse(raw) as { alert: Alert }).alert : null;
  }

  /** A project's alerts of a month, in the order they were claimed. */
  async claimedAlertsOf(projectId: string, month: string): Promise<Alert[]> {
    const identities = await this.redis.zrange(this.order(projectId, month), '0', '-1');
    if (identities.length === 0) return [];
    const raws = await this.redis.mget(identities.map((id) => this.ledger(id)));
    return raws.flatMap((raw) => (raw ? [(JSON.parse(raw) as { alert: Alert }).alert] : []));
  }

  async lock(name: string, owner: string, ttlMs: number): Promise<boolean> {
    return Number(await this.redis.eval(REENTRANT_LOCK, 1, this.keys.custom('lock', name), owner, String(ttlMs))) === 1;
  }

  async unlock(name: string, owner: string): Promise<void> {
    await this.redis.eval("if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end", 1, this.keys.custom('lock', name), owner);
  }

  /** Once per `window` (e.g. the hour): true for the first caller. */
  async firstInWindow(name: string, window: string, ttlS: number): Promise<boolean> {
    return (await this.redis.set(this.keys.custom('once', name, window), '1', 'EX', ttlS, 'NX')) === 'OK';
  }
}
