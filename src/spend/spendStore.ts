/**
 * What the spend poll leaves in Redis: each limited project's month so far (for status messages), every project's
 * month-to-date total (for `/openai-key limits`), and the alert ledger with each project's claims in order.
 */
import type { RedisClient as Redis } from '../platform/redis/connection.js';
import type { MonthSpend } from './domain/aggregate.js';
import type { Alert, Enforcement } from './domain/alerts.js';
import type { Cents } from '../platform/domain/money.js';
import { releaseReentrantLock, takeReentrantLock } from '../platform/redis/reentrantLock.js';
import type { RedisKeys } from '../platform/redis/redis.js';
import type { SpendLimitReadState } from './domain/limitReads.js';

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

/**
 * One project's alerts of one poll, claimed at once. KEYS: each alert's ledger entry, then the project's claim order.
 * ARGV: TTL (s), n, then per alert: its entry without the closing brace, order score, identity, and '1' for a
 * threshold (soft or hard, ranked low to high) or '0' for a forecast. Of the thresholds this call claims first, the
 * highest leads; the others are recorded as told by it (`coveredBy`), in the same script, so no crash or second
 * worker can tell them apart. Replies per alert: 1 claimed now, to tell; 2 claimed now, told by the lead;
 * 0 claimed before; 3 claimed before and told by another alert.
 */
const CLAIM_SCRIPT = `
local ttl = ARGV[1]
local n = tonumber(ARGV[2])
local order = KEYS[n + 1]
local fresh = {}
local lead = nil
local any = false
for i = 1, n do
  local at = 3 + (i - 1) * 4
  if redis.call('SET', KEYS[i], ARGV[at] .. '}', 'EX', ttl, 'NX') then
    redis.call('ZADD', order, ARGV[at + 1], ARGV[at + 2])
    fresh[i] = true
    any = true
    if ARGV[at + 3] == '1' then lead = i end
  end
end
if any then redis.call('EXPIRE', order, ttl) end
local out = {}
for i = 1, n do
  local at = 3 + (i - 1) * 4
  if fresh[i] then
    if ARGV[at + 3] == '1' and i ~= lead then
      local leadIdentity = ARGV[3 + (lead - 1) * 4 + 2]
      redis.call('SET', KEYS[i], ARGV[at] .. ',"coveredBy":' .. cjson.encode(leadIdentity) .. '}', 'EX', ttl)
      out[i] = 2
    else
      out[i] = 1
    end
  else
    local current = redis.call('GET', KEYS[i])
    if current and string.find(current, '"coveredBy":', 1, true) then out[i] = 3 else out[i] = 0 end
  end
end
return out
`;

/**
 * How a claim went: `tell` claimed now, to be told; `covered` claimed now, told by a higher threshold of the same
 * poll; `repeat` claimed before; `repeat-covered` claimed before and told by another alert.
 */
export type ClaimOutcome = 'tell' | 'covered' | 'repeat' | 'repeat-covered';

/** A claimed alert and, when a higher threshold of the same poll tells it, that alert's identity. */
export interface ClaimedEntry {
  readonly alert: Alert;
  readonly coveredBy: string | null;
}

// KEYS[1] the status generation. ARGV: the generation whose message is gone. The next one, once, whoever asks.
const RETIRE_STATUS = `
local current = tonumber(redis.call('GET', KEYS[1]) or '1')
if current == tonumber(ARGV[1]) then
  current = current + 1
  redis.call('SET', KEYS[1], current, 'EX', ARGV[2])
end
return current
`;

// KEYS[1] a time. ARGV[1] ms, ARGV[2] TTL ms. Keeps the later of the stored and the given time; returns the stored one.
const KEEP_LATER = `
local before = redis.call('GET', KEYS[1])
if not before or tonumber(before) < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) end
return before
`;

/** An OpenAI Admin API endpoint keywarden paces on its own (per organization, so per deployment). */
export type PacedOpenAIEndpoint = 'spend-limit-read';

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
   * Claims a poll's alerts in one round trip, one script per project and month, and says for each (in the order
   * given) how its claim went. `rank` orders a project's thresholds (null for a forecast): when one poll claims
   * several thresholds of a project, only the highest is to be told and it names the others, which stay claimed so
   * they never post later. Each project's claims are kept in claim order, so its alerts are told in that order.
   */
  async claimAlerts(alerts: readonly Alert[], now: number, rank: (alert: Alert) => number | null): Promise<ClaimOutcome[]> {
    if (alerts.length === 0) return [];
    const groups = new Map<string, number[]>();
    alerts.forEach((alert, i) => {
      const group = `${alert.projectId}\u0000${alert.month}`;
      groups.set(group, [...(groups.get(group) ?? []), i]);
    });
    const pipeline = this.redis.pipeline();
    const orderOfGroups: number[][] = [];
    for (const indexes of groups.values()) {
      // Thresholds low to high (so the last fresh one leads), forecasts after them, each kind in the order given.
      const sorted = [...indexes].sort((a, b) => (rank(alerts[a] as Alert) ?? Number.POSITIVE_INFINITY) - (rank(alerts[b] as Alert) ?? Number.POSITIVE_INFINITY) || a - b);
      orderOfGroups.push(sorted);
      const first = alerts[sorted[0] as number] as Alert;
      const keys = [...sorted.map((i) => this.ledger((alerts[i] as Alert).identity)), this.order(first.projectId, first.month)];
      const args = [String(RETENTION_S), String(sorted.length)];
      sorted.forEach((i, position) => {
        const alert = alerts[i] as Alert;
        const entry = JSON.stringify({ alert, claimedAt: now });
        args.push(entry.slice(0, -1), String(now * 1_000 + position), alert.identity, rank(alert) === null ? '0' : '1');
      });
      pipeline.eval(CLAIM_SCRIPT, keys.length, ...keys, ...args);
    }
    const replies = (await pipeline.exec()) ?? [];
    const outcomes = new Array<ClaimOutcome>(alerts.length);
    replies.forEach(([error, reply], g) => {
      if (error) throw error;
      const codes = reply as number[];
      (orderOfGroups[g] ?? []).forEach((index, position) => {
        const code = Number(codes[position]);
        outcomes[index] = code === 1 ? 'tell' : code === 2 ? 'covered' : code === 3 ? 'repeat-covered' : 'repeat';
      });
    });
    return outcomes;
  }

  async claimedAlert(identity: string): Promise<Alert | null> {
    const raw = await this.redis.get(this.ledger(identity));
    return raw ? (JSON.parse(raw) as { alert: Alert }).alert : null;
  }

  /** A project's alerts of a month, in the order they were claimed. */
  async claimedAlertsOf(projectId: string, month: string): Promise<Alert[]> {
    return (await this.claimedEntriesOf(projectId, month)).map((entry) => entry.alert);
  }

  /** A project's claimed alerts of a month with who tells each, in the order they were claimed. */
  async claimedEntriesOf(projectId: string, month: string): Promise<ClaimedEntry[]> {
    const identities = await this.redis.zrange(this.order(projectId, month), '0', '-1');
    if (identities.length === 0) return [];
    const raws = await this.redis.mget(identities.map((id) => this.ledger(id)));
    return raws.flatMap((raw) => {
      if (!raw) return [];
      const entry = JSON.parse(raw) as { alert: Alert; coveredBy?: string };
      return [{ alert: entry.alert, coveredBy: entry.coveredBy ?? null }];
    });
  }

  /**
   * Which status message of the project's month is the living one: 1 for the first, one more each time the living
   * one turned out deleted (see `retireStatus`).
   */
  async statusGeneration(projectId: string, month: string): Promise<number> {
    return Number((await this.redis.get(this.keys.custom('status-generation', projectId, month))) ?? '1');
  }

  /**
   * The status message of `generation` is gone (someone deleted it): the next generation becomes the living one.
   * Compare-and-set, so however many retries or workers find it gone, it is retired once. Returns the living one.
   */
  async retireStatus(projectId: string, month: string, generation: number): Promise<number> {
    return Number(await this.redis.eval(RETIRE_STATUS, 1, this.keys.custom('status-generation', projectId, month), String(generation), String(RETENTION_S)));
  }

  private spendLimitReadsKey = () => this.keys.custom('spend-limit-reads');
  private holdKey = (endpoint: PacedOpenAIEndpoint) => this.keys.custom('openai-hold', endpoint);

  /** What keywarden knows of each project's last spend-limit read (a project never read is missing from the map). */
  async spendLimitReadStates(projectIds: readonly string[]): Promise<Map<string, SpendLimitReadState>> {
    const out = new Map<string, SpendLimitReadState>();
    if (projectIds.length === 0) return out;
    const raws = await this.redis.hmget(this.spendLimitReadsKey(), ...projectIds);
    projectIds.forEach((id, i) => {
      const raw = raws[i];
      if (raw) out.set(id, JSON.parse(raw) as SpendLimitReadState);
    });
    return out;
  }

  /** Records a poll's spend-limit reads, answered or failed, in one round trip (kept as long as spend records). */
  async recordSpendLimitReads(states: ReadonlyMap<string, SpendLimitReadState>): Promise<void> {
    if (states.size === 0) return;
    const flat: string[] = [];
    for (const [projectId, state] of states) flat.push(projectId, JSON.stringify(state));
    await this.redis.pipeline().hset(this.spendLimitReadsKey(), ...flat).pexpire(this.spendLimitReadsKey(), RETENTION_S * 1_000).exec();
  }

  /**
   * Marks a spend poll at `now` (ms, the poll's clock) and returns when the previous one was, or null for the first.
   * Concurrent polls of one tick both get the poll before it.
   */
  async markSpendPoll(now: number): Promise<number | null> {
    const before = await this.redis.eval(KEEP_LATER, 1, this.keys.custom('spend-limit-reads', 'last-poll'), String(now), String(RETENTION_S * 1_000));
    return before === null ? null : Number(before);
  }

  /**
   * Holds an OpenAI endpoint until `until` (ms, the callers' clock) for every worker of this deployment, after
   * OpenAI rate limited it. A later hold is never shortened. `now` sizes the key's lifetime: the hold plus ten
   * minutes, so an expired hold (a time in the past) may linger harmlessly for a while.
   */
  async holdOpenAIEndpoint(endpoint: PacedOpenAIEndpoint, until: number, now: number): Promise<void> {
    const ttl = Math.max(1, Math.ceil(until - now)) + 10 * 60_000;
    await this.redis.eval(KEEP_LATER, 1, this.holdKey(endpoint), String(until), String(ttl));
  }

  /** Until when (ms) the endpoint is held, or null when it was never held or the hold has lapsed. */
  async openAIEndpointHeldUntil(endpoint: PacedOpenAIEndpoint, now: number): Promise<number | null> {
    const raw = await this.redis.get(this.holdKey(endpoint));
    const until = raw === null ? null : Number(raw);
    return until !== null && until > now ? until : null;
  }

  async lock(name: string, owner: string, ttlMs: number): Promise<boolean> {
    return takeReentrantLock(this.redis, this.keys.custom('lock', name), owner, ttlMs);
  }

  async unlock(name: string, owner: string): Promise<void> {
    await releaseReentrantLock(this.redis, this.keys.custom('lock', name), owner);
  }

  /** Once per `window` (e.g. the hour): true for the first caller. */
  async firstInWindow(name: string, window: string, ttlS: number): Promise<boolean> {
    return (await this.redis.set(this.keys.custom('once', name, window), '1', 'EX', ttlS, 'NX')) === 'OK';
  }
}
