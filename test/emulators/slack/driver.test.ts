import { createHmac } from 'node:crypto';
import { WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createSlackDriver,
  signSlackRequest,
  startSlackEmulator,
  type SlackDriver,
  type SlackEmulator,
} from '../../../src/emulators/slack/index.js';
import { startRecordingApp, type RecordingApp } from './recording-app.js';

const SECRET = 'driver-test-signing-secret';
const ALICE = { id: 'U0ALICE', name: 'alice' };
const APPROVALS = { id: 'C0APPROVALS', name: 'key-approvals' };

let emulator: SlackEmulator;
let app: RecordingApp;
let driver: SlackDriver;
let client: WebClient;

beforeEach(async () => {
  emulator = await startSlackEmulator({ users: [ALICE], channels: [APPROVALS] });
  app = await startRecordingApp(SECRET);
  driver = createSlackDriver({ emulator, appUrl: app.url, signingSecret: SECRET });
  client = new WebClient(emulator.botToken, { slackApiUrl: emulator.apiUrl, retryConfig: { retries: 0 } });
});

afterEach(async () => {
  await app.close();
  await emulator.close();
});

async function postApprovalRequest(): Promise<string> {
  const posted = await client.chat.postMessage({
    channel: APPROVALS.id,
    text: 'Alice asks for a key',
    blocks: [
      { type: 'section', block_id: 'summary', text: { type: 'mrkdwn', text: '*Alice* asks for a key' } },
      {
        type: 'actions',
        block_id: 'decide',
        elements: [
          { type: 'button', action_id: 'kw.request.approve', text: { type: 'plain_text', text: 'Approve' }, value: 'req-1', style: 'primary' },
          { type: 'button', action_id: 'kw.request.deny', text: { type: 'plain_text', text: 'Deny' }, value: 'req-1' },
        ],
      },
    ],
  });
  return posted.ts!;
}

describe('signing', () => {
  it('signs with the v0 scheme', () => {
    const expected = createHmac('sha256', 's3cret').update('v0:1700000000:a=b').digest('hex');
    expect(signSlackRequest('s3cret', 1_700_000_000, 'a=b')).toBe(`v0=${expected}`);
  });

  it('produces requests Bolt verifies, of every kind', async () => {
    const ts = await postApprovalRequest();
    await driver.slashCommand({ userId: ALICE.id, text: 'request' });
    await driver.clickButton({ userId: ALICE.id, actionId: 'kw.request.approve', channel: APPROVALS.id, messageTs: ts });
    await driver.postMessage({ userId: ALICE.id, channel: APPROVALS.id, text: 'hello' });
    await driver.sendRaw({ body: '{"type":"url_verification","challenge":"c"}' });
    expect(app.requests).toHaveLength(4);
    expect(app.requests.map((r) => r.verification)).toEqual(['valid', 'valid', 'valid', 'valid']);
    for (const request of app.requests) {
      expect(request.headers['x-slack-signature']).toMatch(/^v0=[0-9a-f]{64}$/);
      expect(Math.abs(Number(request.headers['x-slack-request-timestamp']) - Date.now() / 1000)).toBeLessThan(5);
    }
  });

  it('fails verification with a wrong secret, a forged signature, or a stale timestamp', async () => {
    const impostor = createSlackDriver({ emulator, appUrl: app.url, signingSecret: 'not-the-secret' });
    const refused = await impostor.slashCommand({ userId: ALICE.id, text: 'request' });
    expect(refused.status).toBe(401);
    expect(app.requests[0]?.verification).toMatch(/signature mismatch/);

    const forged = await driver.sendRaw({ body: '{}', signature: `v0=${'0'.repeat(64)}` });
    expect(forged.status).toBe(401);
    const stale = await driver.sendRaw({ body: '{}', timestamp: Math.floor(Date.now() / 1000) - 600 });
    expect(stale.status).toBe(401);
    expect(app.requests[2]?.verification).toMatch(/stale/);
    const fresh = await driver.sendRaw({ body: '{}' });
    expect(fresh.status).toBe(200);
  });
});

describe('slash commands', () => {
  it('sends the form fields Slack sends, defaulting to the user DM and /openai-key', async () => {
    const sent = await driver.slashCommand({ userId: ALICE.id, text: 'request gpt-evals' });
    const form = app.requests[0]?.form;
    expect(app.requests[0]?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(form).toMatchObject({
      command: '/openai-key',
      text: 'request gpt-evals',
      user_id: ALICE.id,
      user_name: 'alice',
      channel_id: emulator.dmChannelOf(ALICE.id),
      channel_name: 'directmessage',
      team_id: emulator.teamId,
      api_app_id: emulator.appId,
      trigger_id: sent.triggerId,
      response_url: sent.responseUrl,
    });
    expect(form?.token).toBeTruthy();
    expect(sent.status).toBe(200);
    expect(sent.ms).toBeGreaterThan(0);

    await driver.slashCommand({ userId: ALICE.id, text: '', channelId: APPROVALS.id, command: '/other' });
    expect(app.requests[1]?.form).toMatchObject({ command: '/other', channel_id: APPROVALS.id, channel_name: 'key-approvals' });
  });

  it('shows the acknowledgement body to the user, as Slack does', async () => {
    app.answerWith(() => ({ body: { text: 'Working on it' } }));
    await driver.slashCommand({ userId: ALICE.id, text: 'x', channelId: APPROVALS.id });
    app.answerWith(() => ({ body: 'plain words' }));
    await driver.slashCommand({ userId: ALICE.id, text: 'x', channelId: APPROVALS.id });
    expect(emulator.ephemerals(ALICE.id).map((e) => [e.text, e.via])).toEqual([
      ['Working on it', 'command_ack'],
      ['plain words', 'command_ack'],
    ]);
  });

  it('measures the time to the answer', async () => {
    app.answerWith(() => ({ delayMs: 120 }));
    const sent = await driver.slashCommand({ userId: ALICE.id, text: 'x' });
    expect(sent.ms).toBeGreaterThanOrEqual(115);
  });

  it('refuses a user the emulator does not know', async () => {
    await expect(driver.slashCommand({ userId: 'U0GHOST', text: '' })).rejects.toThrow(/unknown user/);
    expect(app.requests).toEqual([]);
  });
});

describe('block actions', () => {
  it('sends the real block_actions shape with the stored message', async () => {
    const ts = await postApprovalRequest();
    const click = await driver.clickButton({ userId: ALICE.id, actionId: 'kw.request.approve', channel: APPROVALS.id, messageTs: ts });
    const payload = app.requests[0]?.payload;
    expect(payload).toMatchObject({
      type: 'block_actions',
      user: { id: ALICE.id, username: 'alice', team_id: emulator.teamId },
      team: { id: emulator.teamId },
      api_app_id: emulator.appId,
      container: { type: 'message', message_ts: ts, channel_id: APPROVALS.id, is_ephemeral: false },
      channel: { id: APPROVALS.id, name: 'key-approvals' },
      trigger_id: click.triggerId,
      response_url: click.responseUrl,
      message: { ts, text: 'Alice asks for a key', bot_id: emulator.botId, blocks: emulator.message(APPROVALS.id, ts)?.blocks },
    });
    expect(typeof payload?.token).toBe('string');
    expect(payload?.actions).toEqual([
      {
        type: 'button',
        action_id: 'kw.request.approve',
        block_id: 'decide',
        text: { type: 'plain_text', text: 'Approve' },
        value: 'req-1',
        style: 'primary',
        action_ts: expect.stringMatching(/^\d+\.\d{6}$/),
      },
    ]);
  });

  it('includes thread_ts for a button in a thread reply', async () => {
    const parent = await client.chat.postMessage({ channel: APPROVALS.id, text: 'parent' });
    const ts = (
      await client.chat.postMessage({
        channel: APPROVALS.id,
        thread_ts: parent.ts!,
        text: 'in thread',
        blocks: [{ type: 'actions', block_id: 'a', elements: [{ type: 'button', action_id: 'go', text: { type: 'plain_text', text: 'Go' } }] }],
      })
    ).ts!;
    await driver.clickButton({ userId: ALICE.id, actionId: 'go', channel: APPROVALS.id, messageTs: ts });
    expect(app.requests[0]?.payload?.container).toMatchObject({ thread_ts: parent.ts });
    expect(app.requests[0]?.payload?.message).toMatchObject({ thread_ts: parent.ts, ts });
  });

  it('refuses to click what is not rendered, unless the caller describes a stale button', async () => {
    const ts = await postApprovalRequest();
    await expect(
      driver.clickButton({ userId: ALICE.id, actionId: 'kw.key.reveal', channel: APPROVALS.id, messageTs: ts }),
    ).rejects.toThrow(/no element with action_id kw\.key\.reveal/);
    await client.chat.update({ channel: APPROVALS.id, ts, text: 'Approved', blocks: [] });
    await driver.clickButton({
      userId: ALICE.id,
      actionId: 'kw.request.approve',
      channel: APPROVALS.id,
      messageTs: ts,
      blockId: 'decide',
      value: 'req-1',
    });
    expect(app.requests[0]?.payload?.actions[0]).toMatchObject({ action_id: 'kw.request.approve', value: 'req-1', block_id: 'decide' });
    expect(app.requests[0]?.payload?.message.text).toBe('Approved');
  });
});

describe('message events', () => {
  it('stores the message and sends an event_callback envelope', async () => {
    const parent = await client.chat.postMessage({ channel: APPROVALS.id, text: 'request #1' });
    const sent = await driver.postMessage({ userId: ALICE.id, channel: APPROVALS.id, text: 'approve please', threadTs: parent.ts! });
    expect(emulator.thread(APPROVALS.id, parent.ts!)).toEqual([
      expect.objectContaining({ ts: sent.ts, user: ALICE.id, text: 'approve please', thread_ts: parent.ts }),
    ]);
    const request = app.requests[0]!;
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['x-slack-retry-num']).toBeUndefined();
    expect(request.json).toMatchObject({
      type: 'event_callback',
      token: expect.any(String),
      team_id: emulator.teamId,
      api_app_id: emulator.appId,
      event_id: sent.eventId,
      event_time: expect.any(Number),
      event: {
        type: 'message',
        user: ALICE.id,
        text: 'approve please',
        channel: APPROVALS.id,
        ts: sent.ts,
        thread_ts: parent.ts,
        parent_user_id: emulator.botUserId,
        channel_type: 'channel',
      },
    });
  });

  it('sends a DM as channel_type im, and marks retries', async () => {
    const sent = await driver.postMessage({ userId: ALICE.id, channel: ALICE.id, text: 'hi bot', retryNum: 1 });
    const request = app.requests[0]!;
    expect(request.json).toMatchObject({ event: { channel: emulator.dmChannelOf(ALICE.id), channel_type: 'im' } });
    expect(request.json?.event).not.toHaveProperty('thread_ts');
    expect(request.headers).toMatchObject({ 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' });
    expect(emulator.messages(emulator.dmChannelOf(ALICE.id)).map((m) => m.ts)).toEqual([sent.ts]);

    await driver.redeliverEvent({ eventId: sent.eventId, retryNum: 2, retryReason: 'http_error' });
    expect(app.requests[1]?.rawBody).toBe(request.rawBody);
    expect(app.requests[1]?.headers).toMatchObject({ 'x-slack-retry-num': '2', 'x-slack-retry-reason': 'http_error' });
    expect(app.requests[1]?.verification).toBe('valid');
    expect(emulator.messages(emulator.dmChannelOf(ALICE.id))).toHaveLength(1);
  });
});
