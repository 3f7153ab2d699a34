/** The audit log: a Redis Stream of who did what to which target, when, and how it ended. */
import type { RedisClient as Redis } from './connection.js';
import type { AuditEntry } from '../domain/audit.js';
import type { RedisKeys } from './redis.js';

export interface StoredAuditEntry extends AuditEntry {
  readonly id: string;
}

const MAX_ENTRIES = 100_000;

export class AuditLog {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Pick<RedisKeys, 'audit'>,
  ) {}

  async append(entry: AuditEntry): Promise<string> {
    const fields = Object.entries(entry).flatMap(([k, v]) => (v === undefined ? [] : [k, String(v)]));
    const id = await this.redis.xadd(this.keys.audit(), 'MAXLEN', '~', String(MAX_ENTRIES), '*', ...fields);
    return id ?? '';
  }

  /** Newest first; `filter` narrows by project and age. Reads at most `scan` entries back. */
  async recent(opts: { limit: number; project?: string; sinceMs?: number; scan?: number }): Promise<StoredAuditEntry[]> {
    const end = opts.sinceMs !== undefined ? String(opts.sinceMs) : '-';
    const rows = await this.redis.xrevrange(this.keys.audit(), '+', end, 'COUNT', opts.scan ?? 2_000);
    const out: StoredAuditEntry[] = [];
    for (const [id, flat] of rows) {
      const e: Record<string, string> = {};
      for (let i = 0; i + 1 < flat.length; i += 2) e[flat[i] as string] = flat[i + 1] as string;
      if (opts.project && e.project !== opts.project) continue;
      out.push({
        id,
        actor: e.actor ?? '',
        action: e.action ?? '',
        target: e.target ?? '',
        outcome: e.outcome ?? '',
        at: Number(e.at ?? 0),
        ...(e.detail !== undefined ? { detail: e.detail } : {}),
        ...(e.project !== undefined ? { project: e.project } : {}),
      });
      if (out.length >= opts.limit) break;
    }
    return out;
  }
}
