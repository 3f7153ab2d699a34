/**
 * Which of the configured user groups (S…) a user belongs to, from Slack's `usergroups.users.list`, cached briefly.
 *
 * - One lookup per group at a time: concurrent callers on a cold cache share the call in flight (20 approvers
 *   clicking at once make one `usergroups.users.list` call, not 20).
 * - Rate limits do not refuse anyone: a 429 (Slack's tier 2 allows ~20 calls a minute) is waited out for its
 *   Retry-After (1 s when Slack sends none) and retried, up to `maxWaitMs` in all; a group whose lookup still
 *   fails is answered from the last known members when there are any, and otherwise the error is thrown (the
 *   caller says plainly that membership could not be checked), never a silent "not a member".
 *   Source: https://api.slack.com/methods/usergroups.users.list (Tier 2), https://api.slack.com/apis/rate-limits
 */
import { ErrorCode, type WebClient } from '@slack/web-api';

export interface GroupMembershipOptions {
  /** how long an answer is fresh (ms); default 60 s */
  readonly ttlMs?: number;
  /** how long one lookup may spend waiting out rate limits (ms); default 20 s */
  readonly maxWaitMs?: number;
  /** waits between retries (a parameter so tests need not sleep) */
  readonly sleep?: (ms: number) => Promise<void>;
}

const DEFAULT_RETRY_AFTER_MS = 1_000;

/** The wait a rate-limited Web API error asks for, or null when the error is not a rate limit. */
function rateLimitWaitMs(error: unknown): number | null {
  const e = error as { code?: string; retryAfter?: number; data?: { error?: string } };
  if (e?.code === ErrorCode.RateLimitedError) return Number.isFinite(e.retryAfter) && (e.retryAfter ?? 0) > 0 ? (e.retryAfter as number) * 1_000 : DEFAULT_RETRY_AFTER_MS;
  if (e?.code === ErrorCode.PlatformError && e.data?.error === 'ratelimited') return DEFAULT_RETRY_AFTER_MS;
  // @slack/web-api 8 throws plain errors for a 429 without a usable Retry-After, and after its own retries ran out.
  const message = error instanceof Error ? error.message : '';
  if (/Retry header did not contain a valid timeout|A rate limit was exceeded/.test(message)) return DEFAULT_RETRY_AFTER_MS;
  return null;
}

/**
 * `groupIds()` names the user groups that matter (the policy's approver and admin groups; read on every call so a
 * reloaded policy takes effect); ids not starting with `S` are ignored. Returns, for a user id, the groups among
 * them that the user is a member of.
 */
export function createGroupMembership(
  web: Pick<WebClient, 'usergroups'>,
  groupIds: readonly string[] | (() => readonly string[]),
  clock: () => number,
  options: GroupMembershipOptions = {},
): (userId: string) => Promise<readonly string[]> {
  const ttlMs = options.ttlMs ?? 60_000;
  const maxWaitMs = options.maxWaitMs ?? 20_000;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const groupsNow = (): string[] => [...new Set((typeof groupIds === 'function' ? groupIds() : groupIds).filter((id) => id.startsWith('S')))];
  const cache = new Map<string, { members: ReadonlySet<string>; until: number }>();
  const inFlight = new Map<string, Promise<ReadonlySet<string>>>();

  const fetchMembers = async (groupId: string): Promise<ReadonlySet<string>> => {
    let waited = 0;
    for (;;) {
      try {
        const answer = await web.usergroups.users.list({ usergroup: groupId });
        const members = new Set(answer.users ?? []);
        cache.set(groupId, { members, until: clock() + ttlMs });
        return members;
      } catch (error) {
        const wait = rateLimitWaitMs(error);
        if (wait !== null && waited + wait <= maxWaitMs) {
          waited += wait;
          await sleep(wait);
          continue;
        }
        const stale = cache.get(groupId);
        if (stale) return stale.members;
        throw error;
      }
    }
  };

  const membersOf = (groupId: string): Promise<ReadonlySet<string>> => {
    const hit = cache.get(groupId);
    if (hit && hit.until > clock()) return Promise.resolve(hit.members);
    const running = inFlight.get(groupId);
    if (running) return running;
    const lookup = fetchMembers(groupId).finally(() => inFlight.delete(groupId));
    inFlight.set(groupId, lookup);
    return lookup;
  };

  return async (userId) => {
    const groups = groupsNow();
    if (groups.length === 0) return [];
    const found = await Promise.all(groups.map(async (g) => ((await membersOf(g)).has(userId) ? g : null)));
    return found.filter((g): g is string => g !== null);
  };
}
