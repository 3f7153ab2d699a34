/**
 * Turns for posting in a Slack channel, at most one every `paceMs` (Slack allows about one message a second per
 * channel: https://api.slack.com/methods/chat.postMessage#rate_limiting), shared by every worker through Redis.
 *
 * A post that cannot go now is given its own later turn (a reserved slot), and its job waits exactly until then. So a
 * backlog of N posts costs N reservations, not N attempts every second: a shared "try again when the channel is free"
 * would wake every waiting job at the same moment, let one post and send the others back, again and again, and that
 * churn would compete with Slack acknowledgements on the process's event loop.
 */
import type { RedisClient } from '../redis/connection.js';

export interface ChannelPacer {
  /**
   * The turn of `ticket` (a job id, stable across its attempts) in `channel`: 0 means post now; otherwise the ms to
   * wait, after which the same ticket is asked again and is then let through. Errors are Redis's.
   */
  turn(channel: string, ticket: string): Promise<number>;
  /**
   * nothing is let through in `channel` for `ms` (Slack's Retry-After after a 429): a turn given earlier that falls
   * inside the hold is moved past it when its job asks, so no post goes out while Slack said to wait
   */
  hold(channel: string, ms: number): Promise<void>;
}

/** A reserved slot this close (ms) is taken as now: BullMQ promotes a delayed job about on time, not to the ms. */
const ON_TIME_MS = 25;
/** How long a channel's reservations outlive its last turn (covers jobs delayed by retries or a busy worker). */
const KEEP_MS = 10 * 60_000;

// KEYS[1] the channel's hash: `next` = when the next free turn starts (ms), `t:<ticket>` = that ticket's reserved turn.
// ARGV[1] ticket, ARGV[2] now (ms), ARGV[3] pace (ms), ARGV[4] on-time tolerance (ms), ARGV[5] keep (ms).
// Returns 0 to go now, or the ms to wait for the ticket's turn.
const TURN_SCRIPT = `
local now = tonumber(ARGV[2])
local pace = tonumber(ARGV[3])
local field = 't:' .. ARGV[1]
local reserved = redis.call('HGET', KEYS[1], field)
local held = tonumber(redis.call('HGET', KEYS[1], 'held') or '0')
if reserved then
  reserved = tonumber(reserved)
  if reserved <= now + tonumber(ARGV[4]) then
    if held > now then
      -- a 429's Retry-After came after this turn was given: the turn moves past the hold, behind the line
      local nextFree = math.max(tonumber(redis.call('HGET', KEYS[1], 'next') or '0'), held)
      redis.call('HSET', KEYS[1], 'next', nextFree + pace, field, nextFree)
      redis.call('PEXPIRE', KEYS[1], nextFree + pace - now + tonumber(ARGV[5]))
      return nextFree - now
    end
    redis.call('HDEL', KEYS[1], field)
    return 0
  end
  return reserved - now
end
local nextFree = math.max(tonumber(redis.call('HGET', KEYS[1], 'next') or '0'), held)
if nextFree <= now + tonumber(ARGV[4]) then
  redis.call('HSET', KEYS[1], 'next', math.max(nextFree, now) + pace)
  redis.call('PEXPIRE', KEYS[1], pace + tonumber(ARGV[5]))
  return 0
end
redis.call('HSET', KEYS[1], 'next', nextFree + pace, field, nextFree)
redis.call('PEXPIRE', KEYS[1], nextFree + pace - now + tonumber(ARGV[5]))
return nextFree - now
`;

// KEYS[1] the channel's hash. ARGV[1] held until (ms), ARGV[2] keep (ms), ARGV[3] now (ms).
const HOLD_SCRIPT = `
local until_ = tonumber(ARGV[1])
local nextFree = tonumber(redis.call('HGET', KEYS[1], 'next') or '0')
if until_ > nextFree then redis.call('HSET', KEYS[1], 'next', until_) end
local held = tonumber(redis.call('HGET', KEYS[1], 'held') or '0')
if until_ > held then redis.call('HSET', KEYS[1], 'held', until_) end
redis.call('PEXPIRE', KEYS[1], math.max(until_, nextFree) - tonumber(ARGV[3]) + tonumber(ARGV[2]))
return 1
`;

/**
 * `keyOf(channel)` names the channel's Redis hash (under keywarden's hash tag); `now` is the wall clock in ms that
 * BullMQ's delays use too.
 */
export function createChannelPacer(redis: RedisClient, keyOf: (channel: string) => string, paceMs: number, now: () => number = Date.now): ChannelPacer {
  return {
    async turn(channel, ticket) {
      const wait = await redis.eval(TURN_SCRIPT, 1, keyOf(channel), ticket, now(), paceMs, ON_TIME_MS, KEEP_MS);
      return Math.max(0, Number(wait));
    },
    async hold(channel, ms) {
      await redis.eval(HOLD_SCRIPT, 1, keyOf(channel), now() + Math.max(1, Math.ceil(ms)), KEEP_MS, now());
    },
  };
}
