/**
 * Slack's per-channel limit on posting, for the emulator: "Posting messages: 1 per second [per channel]. Short
 * bursts >1 allowed." (https://docs.slack.dev/apis/web-api/rate-limits, "Special Tier": chat.postMessage "generally
 * allows posting one message per second per channel, while also maintaining a workspace-wide limit"). Beyond it
 * Slack answers HTTP 429 with `Retry-After` (whole seconds) and `{ ok: false, error: 'ratelimited' }`.
 *
 * Modelled as a token bucket per channel: `burst` posts may go at once, then one every 1/`perSecond` s. A post
 * refused here does not use a token. While a Retry-After the emulator announced for a channel is still running,
 * every post to that channel is refused too (Retry-After: what is left of it, rounded up to a second, without
 * extending it) and counted as *ignored*: a client that honours Retry-After never sends one. The workspace-wide limit is not modelled.
 *
 * Off unless `SlackEmulatorOptions.channelRateLimit` is given, so existing tests are unaffected.
 */

/** How fast the emulator lets posts into one channel. */
export interface ChannelRateLimit {
  /** sustained posts per second per channel (Slack: 1) */
  readonly perSecond: number;
  /** posts that may go at once into a channel that has been quiet (Slack: "short bursts >1 allowed"); default 1 */
  readonly burst?: number;
  /** the Web API methods limited; default ['chat.postMessage'] (chat.postEphemeral and chat.update are tiered per workspace) */
  readonly methods?: readonly string[];
  /** clock in ms; default Date.now (real time, as clients pace by real time) */
  readonly now?: () => number;
}

/** One post the emulator answered with 429. */
export interface PacingRefusal {
  readonly channel: string;
  readonly method: string;
  /** ms, the pacing clock */
  readonly at: number;
  /** whole seconds, as sent in the Retry-After header */
  readonly retryAfterSeconds: number;
  /** true when the post came while an earlier Retry-After for this channel was still running */
  readonly ignoredRetryAfter: boolean;
}

/** What the pacing saw so far. */
export interface PacingReport {
  /** posts let through, per channel */
  readonly admittedByChannel: ReadonlyMap<string, number>;
  readonly admitted: number;
  /** every 429 answered, in order */
  readonly refusals: readonly PacingRefusal[];
  /** the refusals of posts sent inside an earlier Retry-After: a client not waiting a 429 out */
  readonly ignored: readonly PacingRefusal[];
}

export type PacingDecision = { readonly ok: true } | { readonly ok: false; readonly retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  updatedAt: number;
  /** ms until which the last announced Retry-After runs */
  holdUntil: number;
}

/** The per-channel token buckets of one emulator. */
export class ChannelPacing {
  private readonly perSecond: number;
  private readonly burst: number;
  private readonly methods: ReadonlySet<string>;
  private readonly now: () => number;
  private readonly buckets = new Map<string, Bucket>();
  private readonly admittedByChannel = new Map<string, number>();
  private readonly refusals: PacingRefusal[] = [];

  /** @throws Error when perSecond is not positive or burst is below 1 */
  constructor(limit: ChannelRateLimit) {
    if (!(limit.perSecond > 0)) throw new Error(`channelRateLimit.perSecond must be positive, got ${limit.perSecond}`);
    const burst = limit.burst ?? 1;
    if (!(burst >= 1)) throw new Error(`channelRateLimit.burst must be at least 1, got ${burst}`);
    this.perSecond = limit.perSecond;
    this.burst = burst;
    this.methods = new Set(limit.methods ?? ['chat.postMessage']);
    this.now = limit.now ?? Date.now;
  }

  /** Whether `method` is limited per channel. */
  limits(method: string): boolean {
    return this.methods.has(method);
  }

  /**
   * Decides one call of `method` to `channel` (a resolved channel id): let through (using a token), or refused with
   * the whole seconds to wait (at least 1). Methods not limited are always let through and not counted.
   */
  admit(method: string, channel: string): PacingDecision {
    if (!this.methods.has(method)) return { ok: true };
    const at = this.now();
    const bucket = this.buckets.get(channel) ?? { tokens: this.burst, updatedAt: at, holdUntil: 0 };
    this.buckets.set(channel, bucket);
    bucket.tokens = Math.min(this.burst, bucket.tokens + (Math.max(0, at - bucket.updatedAt) / 1000) * this.perSecond);
    bucket.updatedAt = at;
    const held = at < bucket.holdUntil;
    if (!held && bucket.tokens >= 1) {
      bucket.tokens -= 1;
      this.admittedByChannel.set(channel, (this.admittedByChannel.get(channel) ?? 0) + 1);
      return { ok: true };
    }
    const untilToken = ((1 - Math.min(1, bucket.tokens)) / this.perSecond) * 1000;
    const waitMs = Math.max(untilToken, held ? bucket.holdUntil - at : 0);
    const retryAfterSeconds = Math.max(1, Math.ceil(waitMs / 1000));
    // A new hold starts with a refusal outside one; inside one, the answer only says what is left of it.
    if (!held) bucket.holdUntil = at + retryAfterSeconds * 1000;
    this.refusals.push({ channel, method, at, retryAfterSeconds, ignoredRetryAfter: held });
    return { ok: false, retryAfterSeconds };
  }

  /** Counts so far (copies). */
  report(): PacingReport {
    let admitted = 0;
    for (const n of this.admittedByChannel.values()) admitted += n;
    return {
      admittedByChannel: new Map(this.admittedByChannel),
      admitted,
      refusals: [...this.refusals],
      ignored: this.refusals.filter((r) => r.ignoredRetryAfter),
    };
  }
}
