import { describe, expect, it } from 'vitest';
import { MAX_MESSAGE_TEXT } from '../../../../src/emulators/slack/blocks.js';
import { ALICE, BOT_USER_ID, GENERAL, OUTSIDE, newWorkspace } from './newWorkspace.js';

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });

function tsOf(answer: { ok: boolean; [field: string]: unknown }): string {
  if (!answer.ok || typeof answer.ts !== 'string') throw new Error(`not posted: ${JSON.stringify(answer)}`);
  return answer.ts;
}

describe('messages: posting, threads, edits and deletion', () => {
  it('posts as the bot where it is a member, with the message as Slack hands it back', () => {
    const { workspace, changes } = newWorkspace();
    const posted = workspace.postBotMessage('#general', { text: 'hello', metadata: { event_type: 'x', event_payload: {} } });
    expect(posted).toMatchObject({ ok: true, channel: GENERAL.id, message: { type: 'message', user: BOT_USER_ID, bot_id: 'B0BOT', app_id: 'A0APP', text: 'hello', metadata: { event_type: 'x' } } });
    expect((posted.message as Record<string, unknown>).channel).toBeUndefined();
    expect(changes).toEqual([{ kind: 'message.posted', channel: GENERAL.id, ts: tsOf(posted), userId: BOT_USER_ID }]);
    expect(workspace.postBotMessage(OUTSIDE.id, { text: 'hi' })).toEqual({ ok: false, error: 'not_in_channel' });
    expect(workspace.postBotMessage('#nowhere', { text: 'hi' })).toEqual({ ok: false, error: 'channel_not_found' });
  });

  it('refuses content Slack refuses', () => {
    const { workspace } = newWorkspace();
    const post = (content: Record<string, unknown>) => workspace.postBotMessage(GENERAL.id, content);
    expect(post({})).toEqual({ ok: false, error: 'no_text' });
    expect(post({ text: '' })).toEqual({ ok: false, error: 'no_text' });
    expect(post({ text: 'x', blocks: 'nope' })).toEqual({ ok: false, error: 'invalid_blocks_format' });
    expect(post({ text: 'x', attachments: {} })).toEqual({ ok: false, error: 'invalid_attachments' });
    expect(post({ text: { not: 'text' } })).toEqual({ ok: false, error: 'invalid_arguments' });
    expect(post({ text: 'x'.repeat(MAX_MESSAGE_TEXT + 1) })).toEqual({ ok: false, error: 'msg_too_long' });
    expect(post({ blocks: [{ type: 'nonsense' }] })).toMatchObject({ ok: false, error: 'invalid_blocks' });
    expect(post({ text: 42 })).toMatchObject({ ok: true, message: { text: '42' } });
    expect(post({ attachments: [{ text: 'a' }] })).toMatchObject({ ok: true, message: { text: '', attachments: [{ text: 'a' }] } });
  });

  it('threads a reply under the root, even when given a reply’s ts, and counts replies on the parent', () => {
    const { workspace } = newWorkspace();
    const root = tsOf(workspace.postBotMessage(GENERAL.id, { text: 'root' }));
    const first = tsOf(workspace.postUserMessage(ALICE.id, GENERAL.id, 'first', root));
    const second = tsOf(workspace.postBotMessage(GENERAL.id, { text: 'second', threadTs: first, replyBroadcast: true }));
    expect(workspace.threadReplies(GENERAL.id, root).map((m) => [m.ts, m.thread_ts, m.subtype])).toEqual([
      [first, root, undefined],
      [second, root, 'thread_broadcast'],
    ]);
    expect(workspace.message(GENERAL.id, root)).toMatchObject({ thread_ts: root, reply_count: 2, reply_users: [ALICE.id, BOT_USER_ID], latest_reply: second });
    expect(workspace.topLevelMessages(GENERAL.id).map((m) => m.ts)).toEqual([root, second]);
    expect(workspace.postBotMessage(GENERAL.id, { text: 'x', threadTs: 'nope' })).toEqual({ ok: false, error: 'invalid_thread_ts' });
    expect(workspace.postBotMessage(GENERAL.id, { text: 'x', threadTs: '1.000001' })).toEqual({ ok: false, error: 'thread_not_found' });
    expect(workspace.postUserMessage('U0NOBODY', GENERAL.id, 'x')).toEqual({ ok: false, error: 'user_not_found' });
  });

  it('updates only the bot’s messages, keeping blocks unless an empty list is sent', () => {
    const { workspace, changes } = newWorkspace();
    const ts = tsOf(workspace.postBotMessage(GENERAL.id, { text: 'v1', blocks: [section('one')] }));
    const typed = tsOf(workspace.postUserMessage(ALICE.id, GENERAL.id, 'mine'));
    expect(workspace.updateMessage(GENERAL.id, ts, { text: 'v2' })).toMatchObject({ ok: true, channel: GENERAL.id, ts, text: 'v2', message: { blocks: [{ type: 'section' }] } });
    expect(workspace.message(GENERAL.id, ts)?.edited?.user).toBe(BOT_USER_ID);
    expect(workspace.updateMessage(GENERAL.id, ts, { text: 'v3', blocks: [] })).toMatchObject({ ok: true, text: 'v3' });
    expect(workspace.message(GENERAL.id, ts)?.blocks).toBeUndefined();
    expect(changes.filter((c) => c.kind === 'message.updated')).toHaveLength(2);
    expect(workspace.updateMessage(GENERAL.id, typed, { text: 'x' })).toEqual({ ok: false, error: 'cant_update_message' });
    expect(workspace.updateMessage(GENERAL.id, '1.000001', { text: 'x' })).toEqual({ ok: false, error: 'message_not_found' });
    expect(workspace.updateMessage('C0NONE', ts, { text: 'x' })).toEqual({ ok: false, error: 'channel_not_found' });
  });

  it('deletes a message; a parent with replies stays as a tombstone its thread hangs on', () => {
    const { workspace } = newWorkspace();
    const lone = tsOf(workspace.postBotMessage(GENERAL.id, { text: 'lone' }));
    const root = tsOf(workspace.postBotMessage(GENERAL.id, { text: 'root' }));
    const reply = tsOf(workspace.postUserMessage(ALICE.id, GENERAL.id, 'reply', root));
    expect(workspace.deleteMessage(GENERAL.id, reply, true)).toEqual({ ok: false, error: 'cant_delete_message' });
    expect(workspace.deleteMessage(GENERAL.id, lone, true)).toEqual({ ok: true, channel: GENERAL.id, ts: lone });
    expect(workspace.deleteMessage(GENERAL.id, root, false)).toEqual({ ok: true, channel: GENERAL.id, ts: root });
    expect(workspace.message(GENERAL.id, root)).toBeUndefined();
    expect(workspace.topLevelMessages(GENERAL.id)).toEqual([]);
    expect(workspace.threadReplies(GENERAL.id, root).map((m) => m.ts)).toEqual([reply]);
    expect(workspace.updateMessage(GENERAL.id, root, { text: 'x' })).toEqual({ ok: false, error: 'message_not_found' });
    expect(workspace.deleteMessage(GENERAL.id, root, false)).toEqual({ ok: false, error: 'message_not_found' });
    expect(workspace.replies(GENERAL.id, reply, 0, undefined)).toMatchObject({ ok: true, messages: [{ subtype: 'tombstone', ts: root, user: 'USLACKBOT' }, { ts: reply }] });
    expect(workspace.postUserMessage(ALICE.id, GENERAL.id, 'late', root)).toMatchObject({ ok: true, message: { thread_ts: root } });
  });

  it('gives permalinks, with the thread for a reply', () => {
    const { workspace } = newWorkspace();
    const root = tsOf(workspace.postBotMessage(GENERAL.id, { text: 'root' }));
    const reply = tsOf(workspace.postBotMessage(GENERAL.id, { text: 'reply', threadTs: root }));
    expect(workspace.permalink(GENERAL.id, root)).toEqual({ ok: true, channel: GENERAL.id, permalink: `http://127.0.0.1:1/archives/${GENERAL.id}/p${root.replace('.', '')}` });
    expect(workspace.permalink(GENERAL.id, reply)).toMatchObject({ permalink: `http://127.0.0.1:1/archives/${GENERAL.id}/p${reply.replace('.', '')}?thread_ts=${root}&cid=${GENERAL.id}` });
    expect(workspace.permalink(GENERAL.id, '1.000001')).toEqual({ ok: false, error: 'message_not_found' });
  });

  it('pages history newest first with a cursor, and refuses a bad cursor or a channel the bot is not in', () => {
    const { workspace } = newWorkspace();
    const [a, b, c] = ['a', 'b', 'c'].map((text) => tsOf(workspace.postBotMessage(GENERAL.id, { text })));
    const first = workspace.history(GENERAL.id, 2, undefined);
    expect(first).toMatchObject({ ok: true, messages: [{ ts: c }, { ts: b }], has_more: true });
    const second = workspace.history(GENERAL.id, 2, (first.response_metadata as { next_cursor: string }).next_cursor);
    expect(second).toMatchObject({ ok: true, messages: [{ ts: a }], has_more: false, response_metadata: { next_cursor: '' } });
    expect(workspace.history(GENERAL.id, 2, Buffer.from('nope').toString('base64'))).toEqual({ ok: false, error: 'invalid_cursor' });
    expect(workspace.history(OUTSIDE.id, 0, undefined)).toEqual({ ok: false, error: 'not_in_channel' });
    expect(workspace.replies(GENERAL.id, '1.000001', 0, undefined)).toEqual({ ok: false, error: 'thread_not_found' });
  });
});
