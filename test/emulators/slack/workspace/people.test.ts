import { describe, expect, it } from 'vitest';
import { ALICE, BOB, BOT_USER_ID, newWorkspace } from './newWorkspace.js';

describe('people: users and user groups', () => {
  it('lists the app bot first, then the seeded users, with Slack user objects', () => {
    const { workspace } = newWorkspace();
    const list = workspace.userList();
    expect(list).toMatchObject({ ok: true, response_metadata: { next_cursor: '' } });
    const members = list.members as Record<string, unknown>[];
    expect(members.map((m) => m.id)).toEqual([BOT_USER_ID, ALICE.id, BOB.id, 'U0CAROL']);
    expect(members[0]).toMatchObject({ is_bot: true, profile: { bot_id: 'B0BOT', api_app_id: 'A0APP' } });
    expect(members[1]).toMatchObject({ name: 'alice', real_name: 'alice', is_bot: false, team_id: 'T0TEAM', tz: 'Etc/UTC' });
    expect((members[1] as { profile: Record<string, unknown> }).profile.bot_id).toBeUndefined();
  });

  it('answers users.info, and user_not_found for someone unknown', () => {
    const { workspace } = newWorkspace();
    expect(workspace.userInfo(BOB.id)).toMatchObject({ ok: true, user: { id: BOB.id, name: 'bob' } });
    expect(workspace.userInfo('U0NOBODY')).toEqual({ ok: false, error: 'user_not_found' });
    expect(workspace.hasUser(ALICE.id)).toBe(true);
    expect(workspace.userName(ALICE.id)).toBe('alice');
    expect(workspace.userName('U0NOBODY')).toBeUndefined();
  });

  it('adds a user and announces it; a seeded real name is kept', () => {
    const { workspace, changes } = newWorkspace();
    workspace.addUser({ id: 'U0DAVE', name: 'dave', realName: 'Dave D' });
    expect(changes).toEqual([{ kind: 'user.added', userId: 'U0DAVE' }]);
    expect(workspace.userInfo('U0DAVE')).toMatchObject({ user: { real_name: 'Dave D', profile: { display_name: 'dave' } } });
  });

  it('lists user groups with or without their users, and their members', () => {
    const { workspace, changes } = newWorkspace();
    workspace.addUsergroup({ id: 'S0OPS', handle: 'ops', users: [BOB.id] });
    expect(changes).toEqual([{ kind: 'usergroup.added' }]);
    expect(workspace.usergroupList(false)).toEqual({
      ok: true,
      usergroups: [
        { id: 'S0ADMINS', team_id: 'T0TEAM', is_usergroup: true, name: 'admins', handle: 'admins', user_count: 1 },
        { id: 'S0OPS', team_id: 'T0TEAM', is_usergroup: true, name: 'ops', handle: 'ops', user_count: 1 },
      ],
    });
    expect((workspace.usergroupList(true).usergroups as { users: string[] }[]).map((g) => g.users)).toEqual([[ALICE.id], [BOB.id]]);
    expect(workspace.usergroupUsers('S0ADMINS')).toEqual({ ok: true, users: [ALICE.id] });
    expect(workspace.usergroupUsers('S0NONE')).toEqual({ ok: false, error: 'no_such_subteam' });
  });
});
