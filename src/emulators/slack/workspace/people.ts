/**
 * The workspace's people: its users (the app's bot user among them) and user groups, as `users.info`,
 * `users.list`, `usergroups.list` and `usergroups.users.list` answer them
 * (https://docs.slack.dev/reference/methods/users.info, https://docs.slack.dev/reference/methods/usergroups.list,
 * https://docs.slack.dev/reference/methods/usergroups.users.list). Everyone is in UTC and nobody is an admin.
 */
import type { SlackUserSeed, SlackUsergroupSeed } from '../types.js';
import { failure, type ApiAnswer } from './apiAnswer.js';
import type { WorkspaceContext } from './context.js';

interface UserRecord {
  id: string;
  name: string;
  realName: string;
  isBot: boolean;
}

export class People {
  private readonly users = new Map<string, UserRecord>();
  private readonly usergroups = new Map<string, SlackUsergroupSeed>();

  /** Starts with the app's bot user, named 'keywarden'. */
  constructor(private readonly context: Pick<WorkspaceContext, 'teamId' | 'botUserId' | 'botId' | 'appId' | 'emit'>) {
    this.users.set(context.botUserId, { id: context.botUserId, name: 'keywarden', realName: 'keywarden', isBot: true });
  }

  /** Adds (or replaces) a user; `notify` announces 'user.added'. */
  addUser(user: SlackUserSeed, notify: boolean): void {
    this.users.set(user.id, { id: user.id, name: user.name, realName: user.realName ?? user.name, isBot: user.isBot ?? false });
    if (notify) this.context.emit({ kind: 'user.added', userId: user.id });
  }

  /** Adds (or replaces) a user group; `notify` announces 'usergroup.added'. */
  addUsergroup(group: SlackUsergroupSeed, notify: boolean): void {
    this.usergroups.set(group.id, { id: group.id, handle: group.handle, users: [...group.users] });
    if (notify) this.context.emit({ kind: 'usergroup.added' });
  }

  hasUser(userId: string): boolean {
    return this.users.has(userId);
  }

  userName(userId: string): string | undefined {
    return this.users.get(userId)?.name;
  }

  /** Every user but the app's bot user, in the order they were added. */
  humanIds(): string[] {
    return [...this.users.values()].filter((u) => u.id !== this.context.botUserId).map((u) => u.id);
  }

  /** users.info: the user object, or user_not_found. */
  userInfo(userId: string): ApiAnswer {
    const user = this.users.get(userId);
    if (!user) return failure('user_not_found');
    return { ok: true, user: this.userObject(user) };
  }

  /** users.list: everyone on one page. */
  userList(): ApiAnswer {
    return { ok: true, members: [...this.users.values()].map((u) => this.userObject(u)), response_metadata: { next_cursor: '' } };
  }

  private userObject(user: UserRecord): Record<string, unknown> {
    const { teamId, botUserId, botId, appId } = this.context;
    return {
      id: user.id,
      team_id: teamId,
      name: user.name,
      deleted: false,
      real_name: user.realName,
      tz: 'Etc/UTC',
      tz_label: 'Coordinated Universal Time',
      tz_offset: 0,
      is_bot: user.isBot,
      is_app_user: false,
      is_admin: false,
      is_owner: false,
      is_restricted: false,
      is_ultra_restricted: false,
      profile: {
        real_name: user.realName,
        real_name_normalized: user.realName,
        display_name: user.name,
        display_name_normalized: user.name,
        team: teamId,
        ...(user.id === botUserId ? { bot_id: botId, api_app_id: appId } : {}),
      },
    };
  }

  /** usergroups.users.list: the group's user ids, or no_such_subteam. */
  usergroupUsers(usergroupId: string): ApiAnswer {
    const group = this.usergroups.get(usergroupId);
    if (!group) return failure('no_such_subteam');
    return { ok: true, users: [...group.users] };
  }

  /** usergroups.list, with each group's user ids when `includeUsers`. */
  usergroupList(includeUsers: boolean): ApiAnswer {
    const usergroups = [...this.usergroups.values()].map((g) => ({
      id: g.id,
      team_id: this.context.teamId,
      is_usergroup: true,
      name: g.handle,
      handle: g.handle,
      user_count: g.users.length,
      ...(includeUsers ? { users: [...g.users] } : {}),
    }));
    return { ok: true, usergroups };
  }
}
