import { describe, expect, it } from 'vitest';
import { ALICE, BOB, GENERAL, OUTSIDE, SECRET, newWorkspace } from './newWorkspace.js';

describe('ephemerals: messages only one person sees', () => {
  it('posts one for a member, and keeps it for that person only', () => {
    const { workspace, changes } = newWorkspace();
    const posted = workspace.postEphemeral('#general', ALICE.id, { text: 'psst', threadTs: '1.000001' }, 'chat.postEphemeral');
    expect(posted).toEqual({ ok: true, message_ts: expect.stringMatching(/^\d+\.\d{6}$/) });
    const ts = posted.message_ts as string;
    expect(workspace.ephemerals(ALICE.id)).toEqual([{ channel: GENERAL.id, userId: ALICE.id, ts, text: 'psst', threadTs: '1.000001', at: 1_763_800_000_000, via: 'chat.postEphemeral' }]);
    expect(workspace.ephemeral(ALICE.id, ts)?.text).toBe('psst');
    expect(workspace.ephemerals(BOB.id)).toEqual([]);
    expect(changes).toEqual([{ kind: 'ephemeral.posted', channel: GENERAL.id, ts, userId: ALICE.id }]);
  });

  it('checks membership for chat.postEphemeral only', () => {
    const { workspace } = newWorkspace();
    expect(workspace.postEphemeral(SECRET.id, BOB.id, { text: 'x' }, 'chat.postEphemeral')).toEqual({ ok: false, error: 'user_not_in_channel' });
    expect(workspace.postEphemeral(OUTSIDE.id, BOB.id, { text: 'x' }, 'chat.postEphemeral')).toEqual({ ok: false, error: 'not_in_channel' });
    expect(workspace.postEphemeral(SECRET.id, BOB.id, { text: 'x' }, 'response_url')).toMatchObject({ ok: true });
    expect(workspace.postEphemeral(OUTSIDE.id, BOB.id, { text: 'x' }, 'command_ack')).toMatchObject({ ok: true });
    expect(workspace.postEphemeral(GENERAL.id, 'U0NOBODY', { text: 'x' }, 'response_url')).toEqual({ ok: false, error: 'user_not_found' });
    expect(workspace.postEphemeral('C0NONE', BOB.id, { text: 'x' }, 'response_url')).toEqual({ ok: false, error: 'channel_not_found' });
    expect(workspace.postEphemeral(GENERAL.id, BOB.id, {}, 'response_url')).toEqual({ ok: false, error: 'no_text' });
  });

  it('hands out copies, not the stored ephemerals', () => {
    const { workspace } = newWorkspace();
    const ts = workspace.postEphemeral(GENERAL.id, ALICE.id, { text: 'kept' }, 'command_ack').message_ts as string;
    const copy = workspace.ephemeral(ALICE.id, ts);
    if (copy) copy.text = 'changed';
    expect(workspace.ephemeral(ALICE.id, ts)?.text).toBe('kept');
    expect(workspace.ephemeral(ALICE.id, '1.000001')).toBeUndefined();
  });
});
