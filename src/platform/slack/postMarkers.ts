/**
 * What keywarden knows of each Slack post it must make once: not tried, tried with an unknown outcome (a crash, a
 * timeout, an answer that never came), or posted at a known channel and ts.
 */
import type { RedisClient as Redis } from '../redis/connection.js';
import type { RedisKeys } from '../redis/redis.js';

export type PostMarker =
  | { readonly kind: 'none' }
  | { readonly kind: 'attempted' }
  | { readonly kind: 'posted'; readonly channel: string; readonly ts: string; readonly by: string | null };

const RETENTION_S = 180 * 86_400;

export class PostMarkers {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Pick<RedisKeys, 'custom'>,
  ) {}

  private key = (name: string) => this.keys.custom('posted', name);

  async get(name: string): Promise<PostMarker> {
    const raw = await this.redis.get(this.key(name));
    if (raw === null) return { kind: 'none' };
    if (raw === 'attempted') return { kind: 'attempted' };
    const [channel, ts, by] = raw.slice('ts:'.length).split('|');
    return { kind: 'posted', channel: channel ?? '', ts: ts ?? '', by: by || null };
  }

  async markAttempted(name: string): Promise<void> {
    await this.redis.set(this.key(name), 'attempted', 'EX', RETENTION_S);
  }

  async markPosted(name: string, channel: string, ts: string, by: string | null = null): Promise<void> {
    await this.redis.set(this.key(name), `ts:${channel}|${ts}|${by ?? ''}`, 'EX', RETENTION_S);
  }

  /** For each name, whether it is posted; one round trip. */
  async posted(names: readonly string[]): Promise<boolean[]> {
    if (names.length === 0) return [];
    const raws = await this.redis.mget(names.map((n) => this.key(n)));
    return raws.map((raw) => raw !== null && raw.startsWith('ts:'));
  }
}
