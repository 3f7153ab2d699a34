import { describe, expect, it } from 'vitest';
import { ALICE, BOT_USER_ID, GENERAL, newWorkspace } from './newWorkspace.js';

function idOf(url: string): string {
  const id = url.split('/response/')[1];
  if (!id || !url.startsWith('http://127.0.0.1:1/response/')) throw new Error(`not a response_url: ${url}`);
  return id;
}

describe('response URLs', () => {
  it('answers 404 invalid_url for an unknown one and 400 invalid_payload for a body that is not an object', () => {
    const { workspace } = newWorkspace();
    expect(workspace.postToResponseUrl('nope', { text: 'x' })).toEqual({ status: 404, answer: { ok: false, error: 'invalid_url' } });
    const id = idOf(workspace.issueResponseUrl(ALICE.id, GENERAL.id));
    expect(workspace.postToResponseUrl(id, 'text')).toEqual({ status: 400, answer: { ok: false, error: 'invalid_payload' } });
  });

  it('replaces the original message, dropping its blocks, and counts only the uses that worked', () => {
    const { workspace, changes } = newWorkspace();
    const posted = workspace.postBotMessage(GENERAL.id, { text: 'old', blocks: [{ type: 'divider' }] });
    const ts = posted.ts as string;
    const id = idOf(workspace.issueResponseUrl(ALICE.id, GENERAL.id, { kind: 'message', channel: GENERAL.id, ts }));
    expect(workspace.postToResponseUrl(id, { replace_original: true, blocks: 'bad' })).toEqual({ status: 400, answer: { ok: false, error: 'invalid_blocks_format' } });
    for (let i = 0; i < 5; i++) expect(workspace.postToResponseUrl(id, { replace_original: 'true', text: `new ${i}` }).status).toBe(200);
    expect(workspace.message(GENERAL.id, ts)).toMatchObject({ text: 'new 4', edited: { user: BOT_USER_ID } });
    expect(workspace.message(GENERAL.id, ts)?.blocks).toBeUndefined();
    expect(changes.filter((c) => c.kind === 'message.updated')).toHaveLength(5);
    expect(workspace.postToResponseUrl(id, { text: 'sixth' })).toEqual({ status: 404, answer: { ok: false, error: 'used_url' } });
  });

  it('deletes the original message, or answers 404 message_not_found when there is none', () => {
    const { workspace } = newWorkspace();
    const ts = workspace.postBotMessage(GENERAL.id, { text: 'bye' }).ts as string;
    const id = idOf(workspace.issueResponseUrl(ALICE.id, GENERAL.id, { kind: 'message', channel: GENERAL.id, ts }));
    expect(workspace.postToResponseUrl(id, { delete_original: true })).toEqual({ status: 200, answer: { ok: true } });
    expect(workspace.message(GENERAL.id, ts)).toBeUndefined();
    expect(workspace.postToResponseUrl(id, { delete_original: true })).toEqual({ status: 404, answer: { ok: false, error: 'message_not_found' } });
    const bare = idOf(workspace.issueResponseUrl(ALICE.id, GENERAL.id));
    expect(workspace.postToResponseUrl(bare, { delete_original: 1 })).toEqual({ status: 404, answer: { ok: false, error: 'message_not_found' } });
  });

  it('replaces or deletes the original ephemeral', () => {
    const { workspace, changes } = newWorkspace();
    const ts = workspace.postEphemeral(GENERAL.id, ALICE.id, { text: 'old', blocks: [{ type: 'divider' }] }, 'command_ack').message_ts as string;
    const id = idOf(workspace.issueResponseUrl(ALICE.id, GENERAL.id, { kind: 'ephemeral', userId: ALICE.id, ts }));
    expect(workspace.postToResponseUrl(id, { replace_original: true, text: 'new' }).status).toBe(200);
    expect(workspace.ephemeral(ALICE.id, ts)).toEqual({ channel: GENERAL.id, userId: ALICE.id, ts, text: 'new', at: 1_763_800_000_000, via: 'response_url' });
    expect(workspace.postToResponseUrl(id, { delete_original: true }).status).toBe(200);
    expect(workspace.ephemerals(ALICE.id)).toEqual([]);
    expect(workspace.postToResponseUrl(id, { replace_original: true, text: 'again' })).toEqual({ status: 404, answer: { ok: false, error: 'message_not_found' } });
    expect(changes.map((c) => c.kind)).toEqual(['ephemeral.posted', 'ephemeral.updated', 'ephemeral.deleted']);
  });

  it('posts in the channel for in_channel, and an ephemeral otherwise, in the thread asked for', () => {
    const { workspace } = newWorkspace();
    const root = workspace.postBotMessage(GENERAL.id, { text: 'root' }).ts as string;
    const id = idOf(workspace.issueResponseUrl(ALICE.id, GENERAL.id));
    expect(workspace.postToResponseUrl(id, { response_type: 'in_channel', text: 'for all', thread_ts: root }).status).toBe(200);
    expect(workspace.threadReplies(GENERAL.id, root).map((m) => [m.text, m.user])).toEqual([['for all', BOT_USER_ID]]);
    expect(workspace.postToResponseUrl(id, { text: 'for alice', thread_ts: root }).status).toBe(200);
    expect(workspace.ephemerals(ALICE.id).map((e) => [e.text, e.threadTs, e.via])).toEqual([['for alice', root, 'response_url']]);
  });
});
