/**
 * Counting what keywarden posted to Slack, for the fan-out and load benches: every post is named in its Slack
 * message metadata (`{ event_type: 'keywarden_post', event_payload: { name } }`, see src/platform/slack/postOnce.ts), so two
 * accepted posts with one name are a duplicate. Pure functions over the emulator's recorded calls.
 */
import type { SlackCall } from '../../src/emulators/slack/index.js';

/** The post name a chat.postMessage call carried in its metadata, or null. */
export function postNameOf(call: Pick<SlackCall, 'args'>): string | null {
  const metadata = call.args.metadata as { event_payload?: { name?: unknown } } | undefined;
  const name = metadata?.event_payload?.name;
  return typeof name === 'string' ? name : null;
}

export interface PostTally {
  /** accepted posts (HTTP 200, ok) by name */
  readonly byName: ReadonlyMap<string, number>;
  /** accepted posts by channel */
  readonly byChannel: ReadonlyMap<string, number>;
  /** names accepted more than once, with the count */
  readonly duplicates: readonly { readonly name: string; readonly count: number }[];
  /** accepted posts without a name (none expected from keywarden's workers) */
  readonly unnamed: number;
  /** ms (the emulator's clock) of the first and last accepted post; null when none */
  readonly firstAt: number | null;
  readonly lastAt: number | null;
  /** HTTP 429 answers to chat.postMessage */
  readonly rateLimited: number;
}

/** Tallies the accepted chat.postMessage calls among `calls`. */
export function tallyPosts(calls: readonly SlackCall[]): PostTally {
  const byName = new Map<string, number>();
  const byChannel = new Map<string, number>();
  let unnamed = 0;
  let firstAt: number | null = null;
  let lastAt: number | null = null;
  let rateLimited = 0;
  for (const call of calls) {
    if (call.method !== 'chat.postMessage') continue;
    if (call.status === 429) rateLimited += 1;
    if (!call.ok) continue;
    const name = postNameOf(call);
    if (name === null) unnamed += 1;
    else byName.set(name, (byName.get(name) ?? 0) + 1);
    const channel = String(call.args.channel);
    byChannel.set(channel, (byChannel.get(channel) ?? 0) + 1);
    firstAt = firstAt === null ? call.at : Math.min(firstAt, call.at);
    lastAt = lastAt === null ? call.at : Math.max(lastAt, call.at);
  }
  const duplicates = [...byName].filter(([, n]) => n > 1).map(([name, count]) => ({ name, count }));
  return { byName, byChannel, duplicates, unnamed, firstAt, lastAt, rateLimited };
}

/**
 * The least time, in seconds, to post `posts` messages into one channel under a token bucket of `burst` that refills
 * `perSecond`: the first `burst` go at once, the rest one every 1/perSecond s.
 */
export function channelFloorSeconds(posts: number, perSecond: number, burst: number): number {
  return Math.max(0, posts - burst) / perSecond;
}

export { percentile } from './benchKit.js';
