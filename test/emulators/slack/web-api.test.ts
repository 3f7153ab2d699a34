import { ErrorCode, WebClient, WebClientEvent } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSlackEmulator, type SlackChange, type SlackEmulator } from '../../../src/emulators/slack/index.js';

const ALICE = { id: 'U0ALICE', name: 'alice', realName: 'Alice Doe' };
const BOB = { id: 'U0BOB', name: 'bob' };
const APPROVALS = { id: 'C0APPROVALS', name: 'key-approvals' };
const OUTSIDE = { id: 'C0OUTSIDE', name: 'random', botIsMember: false };
const PRIVATE = { id: 'C0PRIVATE', name: 'finance', isPrivate: true, members: [ALICE.id] };

let emulator: SlackEmulator;
let client: WebClient;

beforeEach(async () => {
  emulator = await startSlackEmulator({
    users: [ALICE, BOB],
    channels: [APPROVALS, OUTSIDE, PRIVATE],
    usergroups: [{ id: 'S0APPROVERS', handle: 'key-approvers', users: [BOB.id] }],
    now: () => 1_763_800_000_000,
  });
  client = new WebClient(emulator.botToken, { slackApiUrl: emulator.apiUrl, retryConfig: { retries: 0 } });
});

afterEach(async () => {
  await emulator.close();
});

function platformError(error: string) {
  return { code: ErrorCode.PlatformError, data: expect.objectContaining({ ok: false, error }) };
}

describe('authentication', () => {
  it('answers auth.test for the bot token', async () => {
    const answer = await client.auth.test();
    expect(answer).toMatchObject({ ok: true, user_id: emulator.botUserId, team_id: emulator.teamId, bot_id: emulator.botId });
    expect(emulator.apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/$/);
  });

  it('refuses a wrong token with invalid_auth and a missing one with not_authed', async () => {
    const wrong = new WebClient('xoxb-wrong', { slackApiUrl: emulator.apiUrl, retryConfig: { retries: 0 } });
    await expect(wrong.auth.test()).rejects.toMatchObject(platformError('invalid_auth'));
    const none = new WebClient(undefined, { slackApiUrl: emulator.apiUrl, retryConfig: { retries: 0 } });
    await expect(none.auth.test()).rejects.toMatchObject(platformError('not_authed'));
    expect(emulator.callsTo('auth.test').map((c) => c.error)).toEqual(['invalid_auth', 'not_authed']);
  });

  it('takes the token from a form field, and a JSON body with the Authorization header', async () => {
    const form = await fetch(`${emulator.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: emulator.botToken, channel: APPROVALS.id, text: 'from a form' }).toString(),
    });
    expect(await form.json()).toMatchObject({ ok: true, channel: APPROVALS.id });

    const blocks = [{ type: 'section', block_id: 'b1', text: { type: 'mrkdwn', text: '*bold*' } }];
    const json = await fetch(`${emulator.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json; charset=utf-8', Authorization: `Bearer ${emulator.botToken}` },
      body: JSON.stringify({ channel: APPROVALS.id, text: 'from JSON', blocks }),
    });
    const answer = (await json.json()) as { ok: boolean; ts: string };
    expect(answer.ok).toBe(true);
    expect(emulator.message(APPROVALS.id, answer.ts)?.blocks).toEqual(blocks);

    const tokenInJson = await fetch(`${emulator.apiUrl}auth.test`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ token: emulator.botToken }),
    });
    expect(await tokenInJson.json()).toEqual({ ok: false, error: 'not_authed' });
  });
});

describe('chat.postMessage', () => {
  it('stores messages in order with unique, increasing timestamps', async () => {
    const first = await client.chat.postMessage({ channel: APPROVALS.id, text: 'one' });
    const second = await client.chat.postMessage({ channel: APPROVALS.id, text: 'two' });
    expect(first.ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(first.ts?.startsWith('1763800000.')).toBe(true);
    expect(Number(second.ts)).toBeGreaterThan(Number(first.ts));
    expect(emulator.messages(APPROVALS.id).map((m) => [m.text, m.user, m.bot_id])).toEqual([
      ['one', emulator.botUserId, emulator.botId],
      ['two', emulator.botUserId, emulator.botId],
    ]);
    expect(first.message).toMatchObject({ text: 'one', ts: first.ts, bot_id: emulator.botId });
  });

  it('records every call with its parsed arguments and no token', async () => {
    const blocks = [{ type: 'actions', block_id: 'decide', elements: [{ type: 'button', action_id: 'approve', text: { type: 'plain_text', text: 'Approve' }, value: 'r1' }] }];
    await client.chat.postMessage({ channel: APPROVALS.id, text: 'Decide', blocks });
    const [call] = emulator.callsTo('chat.postMessage');
    expect(call).toMatchObject({ method: 'chat.postMessage', ok: true, status: 200, at: 1_763_800_000_000 });
    expect(call?.args).toMatchObject({ channel: APPROVALS.id, text: 'Decide', blocks });
    expect(call?.args).not.toHaveProperty('token');
    expect(emulator.calls).toHaveLength(1);
  });

  it('fills in the block_id and action_id Slack generates', async () => {
    const posted = await client.chat.postMessage({
      channel: APPROVALS.id,
      text: 'x',
      blocks: [{ type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Go' } }] }],
    });
    const block = emulator.message(APPROVALS.id, posted.ts!)?.blocks?.[0] as { block_id: string; elements: { action_id: string }[] };
    expect(block.block_id).toMatch(/^[A-Z0-9]+$/);
    expect(block.elements[0]?.action_id).toMatch(/^[A-Z0-9]+$/);
  });

  it('threads replies under the root, broadcasts to the channel, and counts replies', async () => {
    const parent = await client.chat.postMessage({ channel: APPROVALS.id, text: 'request' });
    const reply = await client.chat.postMessage({ channel: APPROVALS.id, thread_ts: parent.ts!, text: 'first reply' });
    const broadcast = await client.chat.postMessage({
      channel: APPROVALS.id,
      thread_ts: reply.ts!, // a reply's ts lands in the same thread
      text: 'decided',
      reply_broadcast: true,
    });
    expect(emulator.thread(APPROVALS.id, parent.ts!).map((m) => m.text)).toEqual(['first reply', 'decided']);
    expect(emulator.thread(APPROVALS.id, parent.ts!).every((m) => m.thread_ts === parent.ts)).toBe(true);
    expect(emulator.messages(APPROVALS.id).map((m) => m.text)).toEqual(['request', 'decided']);
    expect(emulator.message(APPROVALS.id, broadcast.ts!)?.subtype).toBe('thread_broadcast');
    expect(emulator.message(APPROVALS.id, parent.ts!)).toMatchObject({
      thread_ts: parent.ts,
      reply_count: 2,
      latest_reply: broadcast.ts,
      reply_users: [emulator.botUserId],
    });
    await expect(client.chat.postMessage({ channel: APPROVALS.id, thread_ts: '1.000001', text: 'x' })).rejects.toMatchObject(
      platformError('thread_not_found'),
    );
  });

  it('posts to a user id in that user DM, the same channel conversations.open gives', async () => {
    const posted = await client.chat.postMessage({ channel: ALICE.id, text: 'your key is ready' });
    const opened = await client.conversations.open({ users: ALICE.id });
    expect(posted.channel).toBe(emulator.dmChannelOf(ALICE.id));
    expect(opened.channel?.id).toBe(posted.channel);
    expect(posted.channel).toMatch(/^D/);
    expect(emulator.messages(posted.channel!).map((m) => m.text)).toEqual(['your key is ready']);
    const info = await client.conversations.info({ channel: posted.channel! });
    expect(info.channel).toMatchObject({ id: posted.channel, is_im: true, user: ALICE.id });
  });

  it('answers Slack errors for unknown channels, missing membership, and bad content', async () => {
    await expect(client.chat.postMessage({ channel: 'C0NOPE', text: 'x' })).rejects.toMatchObject(platformError('channel_not_found'));
    await expect(client.chat.postMessage({ channel: OUTSIDE.id, text: 'x' })).rejects.toMatchObject(platformError('not_in_channel'));
    await expect(client.chat.postMessage({ channel: APPROVALS.id, text: '' })).rejects.toMatchObject(platformError('no_text'));
    const tooMany = Array.from({ length: 51 }, () => ({ type: 'divider' }));
    await expect(client.chat.postMessage({ channel: APPROVALS.id, text: 'x', blocks: tooMany })).rejects.toMatchObject(
      platformError('invalid_blocks'),
    );
    await expect(
      client.chat.postMessage({ channel: APPROVALS.id, text: 'x', blocks: [{ text: 'no type' }] as never }),
    ).rejects.toMatchObject(platformError('invalid_blocks'));
    await expect(client.chat.postMessage({ channel: APPROVALS.id, text: 'a'.repeat(40_001) })).rejects.toMatchObject(
      platformError('msg_too_long'),
    );
    await client.chat.postMessage({ channel: APPROVALS.id, text: 'a'.repeat(40_000) });
    const fifty = Array.from({ length: 50 }, () => ({ type: 'divider' }));
    await client.chat.postMessage({ channel: APPROVALS.id, text: 'x', blocks: fifty });
    expect(emulator.messages(APPROVALS.id)).toHaveLength(2);
    expect(emulator.messages(OUTSIDE.id)).toHaveLength(0);
  });

  it('lets the bot post once it joins, or once a test adds it', async () => {
    expect((await client.conversations.info({ channel: OUTSIDE.id })).channel?.is_member).toBe(false);
    await client.conversations.join({ channel: OUTSIDE.id });
    await client.chat.postMessage({ channel: OUTSIDE.id, text: 'hello' });
    emulator.setBotMembership(OUTSIDE.id, false);
    await expect(client.chat.postMessage({ channel: OUTSIDE.id, text: 'x' })).rejects.toMatchObject(platformError('not_in_channel'));
    expect(emulator.messages(OUTSIDE.id).map((m) => m.text)).toEqual(['hello']);
  });
});

describe('chat.update, chat.delete and permalinks', () => {
  it('edits a stored message, keeping blocks unless replaced', async () => {
    const blocks = [{ type: 'section', block_id: 's', text: { type: 'mrkdwn', text: 'pending' } }];
    const posted = await client.chat.postMessage({ channel: APPROVALS.id, text: 'pending', blocks });
    const updated = await client.chat.update({ channel: APPROVALS.id, ts: posted.ts!, text: 'approved' });
    expect(updated).toMatchObject({ ok: true, channel: APPROVALS.id, ts: posted.ts, text: 'approved' });
    expect(emulator.message(APPROVALS.id, posted.ts!)).toMatchObject({ text: 'approved', blocks, edited: { user: emulator.botUserId } });
    await client.chat.update({ channel: APPROVALS.id, ts: posted.ts!, text: 'done', blocks: [] });
    expect(emulator.messages(APPROVALS.id)).toHaveLength(1);
    expect(emulator.messages(APPROVALS.id)[0]).not.toHaveProperty('blocks');
    await expect(client.chat.update({ channel: APPROVALS.id, ts: '1763800000.999999', text: 'x' })).rejects.toMatchObject(
      platformError('message_not_found'),
    );
  });

  it('deletes a message and gives permalinks for messages and replies', async () => {
    const parent = await client.chat.postMessage({ channel: APPROVALS.id, text: 'p' });
    const reply = await client.chat.postMessage({ channel: APPROVALS.id, text: 'r', thread_ts: parent.ts! });
    const link = await client.chat.getPermalink({ channel: APPROVALS.id, message_ts: parent.ts! });
    expect(link.permalink).toBe(`${emulator.baseUrl}/archives/${APPROVALS.id}/p${parent.ts!.replace('.', '')}`);
    const replyLink = await client.chat.getPermalink({ channel: APPROVALS.id, message_ts: reply.ts! });
    expect(replyLink.permalink).toContain(`?thread_ts=${parent.ts}&cid=${APPROVALS.id}`);
    await client.chat.delete({ channel: APPROVALS.id, ts: parent.ts! });
    expect(emulator.message(APPROVALS.id, parent.ts!)).toBeUndefined();
    await expect(client.chat.getPermalink({ channel: APPROVALS.id, message_ts: parent.ts! })).rejects.toMatchObject(
      platformError('message_not_found'),
    );
  });
});

describe('chat.postEphemeral', () => {
  it('records ephemerals for channel members and refuses others', async () => {
    const posted = await client.chat.postEphemeral({ channel: PRIVATE.id, user: ALICE.id, text: 'only you' });
    expect(posted.message_ts).toMatch(/^\d+\.\d{6}$/);
    expect(emulator.ephemerals(ALICE.id)).toEqual([
      expect.objectContaining({ channel: PRIVATE.id, text: 'only you', via: 'chat.postEphemeral', at: 1_763_800_000_000 }),
    ]);
    await expect(client.chat.postEphemeral({ channel: PRIVATE.id, user: BOB.id, text: 'x' })).rejects.toMatchObject(
      platformError('user_not_in_channel'),
    );
    expect(emulator.ephemerals(BOB.id)).toEqual([]);
    expect(emulator.messages(PRIVATE.id)).toEqual([]);
  });
});

describe('directory', () => {
  it('answers users.info, usergroups.users.list and conversations.info', async () => {
    expect((await client.users.info({ user: ALICE.id })).user).toMatchObject({ id: ALICE.id, name: 'alice', real_name: 'Alice Doe', is_bot: false });
    await expect(client.users.info({ user: 'U0NOBODY' })).rejects.toMatchObject(platformError('user_not_found'));
    expect((await client.usergroups.users.list({ usergroup: 'S0APPROVERS' })).users).toEqual([BOB.id]);
    await expect(client.usergroups.users.list({ usergroup: 'S0NONE' })).rejects.toMatchObject(platformError('no_such_subteam'));
    expect((await client.conversations.info({ channel: PRIVATE.id })).channel).toMatchObject({ name: 'finance', is_private: true, is_member: true });
    await expect(client.conversations.info({ channel: 'C0NOPE' })).rejects.toMatchObject(platformError('channel_not_found'));
    emulator.addUser({ id: 'U0CAROL', name: 'carol' });
    emulator.addChannel({ id: 'C0NEW', name: 'new' });
    expect((await client.users.info({ user: 'U0CAROL' })).user?.name).toBe('carol');
    await client.chat.postMessage({ channel: '#new', text: 'by name' });
    expect(emulator.messages('C0NEW').map((m) => m.text)).toEqual(['by name']);
  });

  it('reads history and threads back', async () => {
    const parent = await client.chat.postMessage({ channel: APPROVALS.id, text: 'p' });
    await client.chat.postMessage({ channel: APPROVALS.id, text: 'r', thread_ts: parent.ts! });
    await client.chat.postMessage({ channel: APPROVALS.id, text: 'q' });
    const history = await client.conversations.history({ channel: APPROVALS.id, limit: 1 });
    expect(history.messages?.map((m) => m.text)).toEqual(['q']);
    expect(history.has_more).toBe(true);
    const rest = await client.conversations.history({ channel: APPROVALS.id, cursor: history.response_metadata?.next_cursor! });
    expect(rest.messages?.map((m) => m.text)).toEqual(['p']);
    const replies = await client.conversations.replies({ channel: APPROVALS.id, ts: parent.ts! });
    expect(replies.messages?.map((m) => m.text)).toEqual(['p', 'r']);
  });

  it('answers unknown_method for a method it does not emulate', async () => {
    await expect(client.apiCall('files.list')).rejects.toMatchObject(platformError('unknown_method'));
  });
});

describe('faults', () => {
  it('answers 429 with Retry-After, surfacing as the client rate-limit error, then recovers', async () => {
    const limited = new WebClient(emulator.botToken, {
      slackApiUrl: emulator.apiUrl,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
    });
    const seen: number[] = [];
    limited.on(WebClientEvent.RATE_LIMITED, (seconds: number) => seen.push(seconds));
    emulator.inject('chat.postMessage', { retryAfterSeconds: 7 });
    await expect(limited.chat.postMessage({ channel: APPROVALS.id, text: 'x' })).rejects.toMatchObject({
      code: ErrorCode.RateLimitedError,
      retryAfter: 7,
    });
    expect(seen).toEqual([7]);
    await limited.chat.postMessage({ channel: APPROVALS.id, text: 'after' });
    expect(emulator.callsTo('chat.postMessage').map((c) => [c.status, c.error])).toEqual([
      [429, 'ratelimited'],
      [200, undefined],
    ]);
    expect(emulator.messages(APPROVALS.id).map((m) => m.text)).toEqual(['after']);
  });

  it('fails a method `times` times with an HTTP status or a platform error, and clears', async () => {
    emulator.inject('chat.update', { status: 503, times: 2 });
    const posted = await client.chat.postMessage({ channel: APPROVALS.id, text: 'x' });
    for (let i = 0; i < 2; i++) {
      await expect(client.chat.update({ channel: APPROVALS.id, ts: posted.ts!, text: 'y' })).rejects.toMatchObject({
        code: ErrorCode.HTTPError,
        statusCode: 503,
      });
    }
    await client.chat.update({ channel: APPROVALS.id, ts: posted.ts!, text: 'y' });
    emulator.inject('users.info', { error: 'fatal_error', times: 5 });
    await expect(client.users.info({ user: ALICE.id })).rejects.toMatchObject(platformError('fatal_error'));
    emulator.clearFaults();
    await client.users.info({ user: ALICE.id });
  });

  it('delays an answer by delayMs', async () => {
    emulator.inject('auth.test', { delayMs: 150 });
    const started = Date.now();
    await client.auth.test();
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });
});

describe('change notifications and waiting', () => {
  it('tells listeners what changed and waitFor resolves on it', async () => {
    const changes: SlackChange[] = [];
    const stop = emulator.onChange((change) => changes.push(change));
    const waiting = emulator.waitFor(() => emulator.messages(APPROVALS.id).find((m) => m.text === 'late'));
    setTimeout(() => void client.chat.postMessage({ channel: APPROVALS.id, text: 'late' }), 30);
    const found = await waiting;
    expect(found.text).toBe('late');
    expect(changes).toContainEqual({ kind: 'message.posted', channel: APPROVALS.id, ts: found.ts, userId: emulator.botUserId });
    expect(changes).toContainEqual({ kind: 'api.call', method: 'chat.postMessage' });
    stop();
    await client.chat.postMessage({ channel: APPROVALS.id, text: 'unheard' });
    expect(changes.filter((c) => c.kind === 'message.posted')).toHaveLength(1);
    await expect(emulator.waitFor(() => false, 50)).rejects.toThrow(/50 ms/);
  });
});
