import type { UsageEntry } from './model.js';
import { HOUR, MINUTE, floorTo } from './time-buckets.js';

export interface UsageCounts {
  inputTokens: number;
  cachedInputTokens: number;
  outputTokens: number;
  requests: number;
}

interface UsageRecord extends UsageCounts {
  readonly projectId: string;
  readonly apiKeyId: string | null;
  readonly model: string;
  readonly minute: number;
}

export interface UsageFilter {
  readonly projectIds: ReadonlySet<string> | null;
  readonly apiKeyIds: ReadonlySet<string> | null;
  readonly models: ReadonlySet<string> | null;
  readonly userIds: ReadonlySet<string> | null;
  readonly batch: boolean | undefined;
}

export interface UsageGroupBy {
  readonly projectId: boolean;
  readonly userId: boolean;
  readonly apiKeyId: boolean;
  readonly model: boolean;
  readonly batch: boolean;
  readonly serviceTier: boolean;
}

export interface UsageGroup extends UsageCounts {
  readonly projectId: string | null;
  readonly userId: string | null;
  readonly apiKeyId: string | null;
  readonly model: string | null;
  readonly batch: boolean | null;
  readonly serviceTier: string | null;
}

/** Usage made through the emulator is never batch, has no user, and runs on the default tier. */
const USAGE_BATCH = false;
const USAGE_SERVICE_TIER = 'default';

const nonNegativeInteger = (name: string, value: number): number => {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer, got ${value}.`);
  return value;
};

/** Completions usage indexed by UTC hour, each hour holding per-minute records by project, key and model. */
export class UsageLedger {
  private readonly hours = new Map<number, Map<string, UsageRecord>>();

  add(entry: UsageEntry): void {
    const counts: UsageCounts = {
      inputTokens: nonNegativeInteger('inputTokens', entry.inputTokens),
      cachedInputTokens: nonNegativeInteger('cachedInputTokens', entry.cachedInputTokens ?? 0),
      outputTokens: nonNegativeInteger('outputTokens', entry.outputTokens),
      requests: nonNegativeInteger('requests', entry.requests ?? 1),
    };
    if (counts.cachedInputTokens > counts.inputTokens) {
      throw new RangeError('cachedInputTokens cannot exceed inputTokens: cached tokens are part of the input.');
    }
    const minute = floorTo(entry.hour, MINUTE);
    const hour = floorTo(minute, HOUR);
    let records = this.hours.get(hour);
    if (!records) this.hours.set(hour, (records = new Map()));
    const key = `${minute}\u0000${entry.projectId}\u0000${entry.apiKeyId ?? '\u0001'}\u0000${entry.model}`;
    const record = records.get(key);
    if (record) addCounts(record, counts);
    else records.set(key, { projectId: entry.projectId, apiKeyId: entry.apiKeyId, model: entry.model, minute, ...counts });
  }

  /** Usage in [start, end), summed per group in the order groups first appear; no usage gives no groups. */
  aggregate(start: number, end: number, filter: UsageFilter, groupBy: UsageGroupBy): UsageGroup[] {
    if (filter.batch === true || (filter.userIds && filter.userIds.size > 0)) return [];
    const groups = new Map<string, UsageGroup>();
    for (let hour = floorTo(start, HOUR); hour < end; hour += HOUR) {
      const records = this.hours.get(hour);
      if (!records) continue;
      for (const record of records.values()) {
        if (record.minute < start || record.minute >= end) continue;
        if (filter.projectIds && !filter.projectIds.has(record.projectId)) continue;
        if (filter.apiKeyIds && (record.apiKeyId === null || !filter.apiKeyIds.has(record.apiKeyId))) continue;
        if (filter.models && !filter.models.has(record.model)) continue;
        const group: UsageGroup = {
          projectId: groupBy.projectId ? record.projectId : null,
          userId: null,
          apiKeyId: groupBy.apiKeyId ? record.apiKeyId : null,
          model: groupBy.model ? record.model : null,
          batch: groupBy.batch ? USAGE_BATCH : null,
          serviceTier: groupBy.serviceTier ? USAGE_SERVICE_TIER : null,
          inputTokens: 0,
          cachedInputTokens: 0,
          outputTokens: 0,
          requests: 0,
        };
        const key = `${group.projectId ?? ''}\u0000${group.apiKeyId ?? ''}\u0000${group.model ?? ''}`;
        const existing = groups.get(key);
        if (existing) addCounts(existing, record);
        else groups.set(key, addCounts(group, record));
      }
    }
    return [...groups.values()];
  }
}

function addCounts<T extends UsageCounts>(target: T, source: UsageCounts): T {
  target.inputTokens += source.inputTokens;
  target.cachedInputTokens += source.cachedInputTokens;
  target.outputTokens += source.outputTokens;
  target.requests += source.requests;
  return target;
}
