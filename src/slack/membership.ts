/** Which of the configured user groups (S…) a user belongs to, from usergroups.users.list, cached briefly. */
import type { WebClient } from '@slack/web-api';

export function createGroupMembership(
  web: Pick<WebClient, 'usergroups'>,
  groupIds: readonly string[],
  clock: () => number,
  ttlMs = 60_000,
): (userId: string) => Promise<readonly string[]> {
  const groups = [...new Set(groupIds.filter((id) => id.startsWith('S')))];
  const cache = new Map<string, { members: ReadonlySet<string>; until: number }>();

  const membersOf = async (groupId: string): Promise<ReadonlySet<string>> => {
    const hit = cache.get(groupId);
    if (hit && hit.until > clock()) return hit.members;
    const answer = await web.usergroups.users.list({ usergroup: groupId });
    const members = new Set(answer.users ?? []);
    cache.set(groupId, { members, until: clock() + ttlMs });
    return members;
  };

  return async (userId) => {
    if (groups.length === 0) return [];
    const found = await Promise.all(groups.map(async (g) => ((await membersOf(g)).has(userId) ? g : null)));
    return found.filter((g): g is string => g !== null);
  };
}
