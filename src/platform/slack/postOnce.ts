/**
 * Posting to Slack once under a name, across retries and crashes. Every post carries Slack message metadata with
 * its name; a retry that finds the post "attempted" (outcome unknown) first looks in the channel, or the thread, for
 * a message with that name before it posts again.
 */
import { DelayedError } from 'bullmq';
import type { WebClient } from '@slack/web-api';
import type { RenderedMessage } from './render/blocks.js';
import type { PostMarkers } from './postMarkers.js';

export interface PostOnceDeps {
  readonly web: Pick<WebClient, 'chat' | 'conversations'>;
  readonly markers: PostMarkers;
  /** runs a Slack call through the queue's per-channel pacing and 429 handling */
  readonly paced: <T>(channel: string, run: () => Promise<T>, post?: boolean) => Promise<T>;
}

export interface Posted {
  readonly channel: string;
  readonly ts: string;
  /** who made the post (e.g. the alert that posted a status message), when known */
  readonly by: string | null;
  /** false when an earlier attempt had posted it */
  readonly fresh: boolean;
}

const METADATA_EVENT = 'keywarden_post';

export async function postOnce(
  deps: PostOnceDeps,
  name: string,
  target: { readonly channel: string; readonly threadTs?: string; readonly broadcast?: boolean; readonly alsoLookIn?: readonly string[] },
  message: RenderedMessage,
  opts: { readonly by?: string; readonly fallback?: (error: unknown) => { channel: string; message: RenderedMessage } | null } = {},
): Promise<Posted> {
  const marker = await deps.markers.get(name);
  if (marker.kind === 'posted') return { channel: marker.channel, ts: marker.ts, by: marker.by, fresh: false };
  if (marker.kind === 'attempted') {
    const found = await findEarlierPost(deps, name, [target.channel, ...(target.alsoLookIn ?? [])], target.threadTs ?? null);
    if (found) {
      await deps.markers.markPosted(name, found.channel, found.ts);
      return { ...found, by: null, fresh: false };
    }
  }
  const metadata = { event_type: METADATA_EVENT, event_payload: { name } };
  const post = (channel: string, body: RenderedMessage) =>
    deps.paced(channel, async () => {
      // Marked just before the call, inside the pacing: a job held back by pacing has not tried anything yet.
      await deps.markers.markAttempted(name);
      const common = { channel, text: body.text, blocks: body.blocks, metadata, unfurl_links: false };
      if (!target.threadTs) return deps.web.chat.postMessage(common);
      return deps.web.chat.postMessage(
        target.broadcast ? { ...common, thread_ts: target.threadTs, reply_broadcast: true } : { ...common, thread_ts: target.threadTs },
      );
    });
  let channel = target.channel;
  let posted;
  try {
    posted = await post(channel, message);
  } catch (error) {
    const instead = opts.fallback?.(error);
    if (!instead) throw error;
    channel = instead.channel;
    posted = await post(channel, instead.message);
  }
  const ts = posted.ts as string;
  await deps.markers.markPosted(name, channel, ts, opts.by ?? null);
  return { channel, ts, by: opts.by ?? null, fresh: true };
}

async function findEarlierPost(deps: PostOnceDeps, name: string, channels: readonly string[], threadTs: string | null): Promise<{ channel: string; ts: string } | null> {
  for (const channel of new Set(channels)) {
    try {
      const answer = await deps.paced(
        channel,
        () =>
          threadTs
            ? deps.web.conversations.replies({ channel, ts: threadTs, include_all_metadata: true, limit: 200 })
            : deps.web.conversations.history({ channel, include_all_metadata: true, limit: 200 }),
        false,
      );
      const match = (answer.messages ?? []).find((m) => (m.metadata as { event_payload?: { name?: string } } | undefined)?.event_payload?.name === name);
      if (match?.ts) return { channel, ts: match.ts };
    } catch (error) {
      // Rate limited: the job waits (Retry-After) and looks again, rather than take "not found" for an answer.
      if (error instanceof DelayedError) throw error;
      // A channel we cannot read cannot hold our earlier post either.
    }
  }
  return null;
}
