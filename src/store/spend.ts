/**
 * What the spend poll leaves in Redis: each limited project's month so far (for status messages), every project's
 * month-to-date total (for `/openai-key limits`), the alert ledger, and the markers that make each Slack post of an
 * alert happen once.
 */
import type { Redis } from 'ioredis';
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

/** A post is either not tried, tried with an unknown outcome (a crash or a timeout), or done at a known ts. */
export type PostMarker = { readonly kind: 'none' } | { readonly kind: 'attempted' } | { readonly kind: 'posted'; readonly ts: string };

const RETENTION_S = 45 * 86_400;

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
  private marker = (name: string) => this.keys.custom('posted', name);

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

  /** Claims an alert in the ledger: true only for the first claimer of this identity, ever (per retention). */
  async claimAlert(alert: Alert, now: number): Promise<boolean> {
    const claimed = await this.redis.set(this.ledger(alert.identity), JSON.stringify({ alert, claimedAt: now }), 'EX', RETENTION_S, 'NX');
    return claimed === 'OK';
  }

  async claimedAlert(identity: string): Promise<Alert | null> {
    const raw = await this.redis.get(this.ledger(identity));
    return raw ? (JSON.parse(raw) as { alert: Alert }).alert : null;
  }

  /** Claims many alerts in one round trip; true where this call was the first claimer. */
  async claimAlerts(alerts: readonly Alert[], now: number): Promise<boolean[]> {
    if (alerts.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const alert of alerts) pipeline.set(this.ledger(alert.identity), JSON.stringify({ alert, claimedAt: now }), 'EX', RETENTION_S, 'NX');
    const replies = (await pipeline.exec()) ?? [];
    return replies.map(([error, reply]) => {
      if (error) throw error;
      return reply === 'OK';
    });
  }

  /** For each identity, whether its reply is in Slack; one round trip. */
  async alertsDelivered(identities: readonly string[]): Promise<boolean[]> {
    if (identities.length === 0) return [];
    const raws = await this.redis.mget(identities.map((identity) => this.marker(`reply.${identity}`)));
    return raws.map((raw) => raw !== null && raw.startsWith('ts:'));
  }

  /** Whether the alert's reply is in Slack (its status message is then posted too). */
  async alertDelivered(identity: string): Promise<boolean> {
    return (await this.postMarker(`reply.${identity}`)).kind === 'posted';
  }

  async postMarker(name: string): Promise<PostMarker> {
    const raw = await this.redis.get(this.marker(name));
    if (raw === null) return { kind: 'none' };
    if (raw === 'attempted') return { kind: 'attempted' };
    return { kind: 'posted', ts: raw.slice('ts:'.length) };
  }

  async markAttempted(name: string): Promise<void> {
    await this.redis.set(this.marker(name), 'attempted', 'EX', RETENTION_S);
  }

  async markPosted(name: string, ts: string): Promise<void> {
    await this.redis.set(this.marker(name), `ts:${ts}`, 'EX', RETENTION_S);
  }

  /**
   * Takes the lock, or renews it when `owner` holds it already: owners are job ids, and a job that a crashed worker
   * held comes back under the same id, so it must not wait for its own lock to expire.
   */
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
