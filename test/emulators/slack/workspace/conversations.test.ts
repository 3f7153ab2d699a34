import { describe, expect, it } from 'vitest';
import { ALICE, BOB, BOT_USER_ID, CAROL, GENERAL, OUTSIDE, SECRET, newWorkspace } from './newWorkspace.js';

describe('conversations: channels, DMs and group DMs', () => {
  it('resolves a channel id, a name with or without #, and a user id to that user’s DM', () => {
    const { workspace } = newWorkspace();
    expect(workspace.resolveChannel(GENERAL.id)).toBe(GENERAL.id);
    expect(workspace.resolveChannel('#general')).toBe(GENERAL.id);
    expect(workspace.resolveChannel('secret')).toBe(SECRET.id);
    const dm = workspace.resolveChannel(ALICE.id);
    expect(dm).toBe('D0ALICE');
    expect(workspace.imChannelOf(ALICE.id)).toBe(dm);
    expect(workspace.resolveChannel(BOT_USER_ID)).toBeUndefined();
    expect(workspace.resolveChannel('#nowhere')).toBeUndefined();
  });

  it('names and types channels as message events do', () => {
    const { workspace } = newWorkspace();
    const dm = workspace.imChannelOf(BOB.id);
    expect([GENERAL.id, SECRET.id, dm, 'C0NONE'].map((c) => workspace.channelType(c))).toEqual(['channel', 'group', 'im', undefined]);
    expect([GENERAL.id, dm, 'C0NONE'].map((c) => workspace.channelName(c))).toEqual(['general', 'directmessage', undefined]);
  });

  it('answers conversations.info for a channel and for a DM', () => {
    const { workspace } = newWorkspace();
    expect(workspace.channelInfo(SECRET.id)).toMatchObject({
      ok: true,
      channel: { id: SECRET.id, name: 'secret', is_private: true, is_channel: true, is_member: true, num_members: 2, context_team_id: 'T0TEAM' },
    });
    const dm = workspace.imChannelOf(ALICE.id);
    expect(workspace.channelInfo(dm)).toMatchObject({ ok: true, channel: { id: dm, is_im: true, user: ALICE.id, is_open: true } });
    expect(workspace.channelInfo('C0NONE')).toEqual({ ok: false, error: 'channel_not_found' });
  });

  it('counts every known user as a member of an open channel, and the bot only while it is in', () => {
    const { workspace, changes } = newWorkspace();
    expect(workspace.channelMembers(GENERAL.id)).toEqual({ ok: true, members: [ALICE.id, BOB.id, CAROL.id, BOT_USER_ID] });
    expect(workspace.channelMembers(OUTSIDE.id)).toEqual({ ok: true, members: [ALICE.id, BOB.id, CAROL.id] });
    expect(workspace.channelMembers(SECRET.id)).toEqual({ ok: true, members: [ALICE.id, BOT_USER_ID] });
    workspace.setBotMembership(GENERAL.id, false);
    expect(changes).toEqual([{ kind: 'channel.membership', channel: GENERAL.id }]);
    expect(workspace.channelMembers(GENERAL.id)).toEqual({ ok: true, members: [ALICE.id, BOB.id, CAROL.id] });
    expect(() => workspace.setBotMembership('C0NONE', true)).toThrow('unknown channel C0NONE');
  });

  it('joins a public channel, warns when already in, and refuses other kinds', () => {
    const { workspace, changes } = newWorkspace();
    expect(workspace.joinChannel(OUTSIDE.id)).toMatchObject({ ok: true, channel: { id: OUTSIDE.id, is_member: true } });
    expect(workspace.joinChannel(OUTSIDE.id)).toMatchObject({ ok: true, warning: 'already_in_channel', response_metadata: { warnings: ['already_in_channel'] } });
    expect(changes).toEqual([{ kind: 'channel.membership', channel: OUTSIDE.id }]);
    expect(workspace.joinChannel(SECRET.id)).toEqual({ ok: false, error: 'method_not_supported_for_channel_type' });
    expect(workspace.joinChannel('C0NONE')).toEqual({ ok: false, error: 'channel_not_found' });
  });

  it('opens a DM for one person and one group DM per set of people, up to 8', () => {
    const { workspace, changes } = newWorkspace();
    expect(workspace.openConversation([])).toEqual({ ok: false, error: 'users_list_not_supplied' });
    expect(workspace.openConversation([ALICE.id, 'U0NOBODY'])).toEqual({ ok: false, error: 'user_not_found' });
    expect(workspace.openConversation([BOT_USER_ID, ALICE.id])).toEqual({ ok: true, channel: { id: 'D0ALICE' } });
    const opened = workspace.openConversation([ALICE.id, BOB.id]) as { ok: true; channel: { id: string } };
    expect(opened.channel.id).toMatch(/^G[A-Z0-9]{10}$/);
    expect(workspace.openConversation([BOB.id, ALICE.id])).toEqual(opened);
    expect(changes).toEqual([{ kind: 'channel.added', channel: opened.channel.id }]);
    expect(workspace.channelType(opened.channel.id)).toBe('mpim');
    expect(workspace.channelInfo(opened.channel.id)).toMatchObject({ channel: { name: 'mpdm-alice--bob-1', is_mpim: true, is_channel: false } });
    const nine = Array.from({ length: 9 }, (_, i) => `U0P${i}`);
    for (const id of nine) workspace.addUser({ id, name: id }, false);
    expect(workspace.openConversation(nine)).toEqual({ ok: false, error: 'too_many_users' });
  });

  it('adds a channel once', () => {
    const { workspace, changes } = newWorkspace();
    workspace.addChannel({ id: 'C0NEW', name: 'new' });
    expect(changes).toEqual([{ kind: 'channel.added', channel: 'C0NEW' }]);
    expect(() => workspace.addChannel({ id: 'C0NEW', name: 'again' })).toThrow('channel C0NEW already exists');
  });
});
