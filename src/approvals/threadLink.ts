/**
 * Which request a thread belongs to, for a reply in it. The link (channel, parent ts → request id) is written by the
 * worker right after Slack answers the request message's chat.postMessage, so an approver quick enough (or a busy
 * worker slow enough) can reply in the thread before it exists: the lookup then waits a little and asks again
 * rather than dropping the decision.
 */
import type { RequestStore } from './requestStore.js';

/** Pauses (ms) before each further lookup while no request is linked to the thread: about 4 s in all. */
export const THREAD_LINK_WAITS_MS: readonly number[] = [250, 500, 1_000, 2_000];

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/**
 * The id of the request whose message started the thread at (`channel`, `threadTs`), or null when none is linked
 * after every wait (an ordinary thread). Errors: whatever the store throws (e.g. StoreUnavailableError).
 */
export async function requestOfThread(
  requests: Pick<RequestStore, 'findByThread'>,
  channel: string,
  threadTs: string,
  waitsMs: readonly number[] = THREAD_LINK_WAITS_MS,
  wait: (ms: number) => Promise<void> = pause,
): Promise<string | null> {
  let found = await requests.findByThread(channel, threadTs);
  for (const ms of waitsMs) {
    if (found) return found;
    await wait(ms);
    found = await requests.findByThread(channel, threadTs);
  }
  return found;
}
