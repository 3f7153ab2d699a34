/**
 * Every way keywarden sends Block Kit to the Slack emulator checks it, over real HTTP: chat.postMessage,
 * chat.update, chat.postEphemeral and response_url posts answer `invalid_blocks` with Slack's `errors`;
 * views.open, views.update, views.push and views.publish answer `invalid_arguments`; nothing is stored.
 */
import { ErrorCode, WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSlackDriver, startSlackEmulator, type SlackDriver, type SlackEmulator } from '../../../src/emulators/slack/index.js';
import { startRecordingApp, type RecordingApp } from './recording-app.js';

const SECRET = 'block-kit-api-secret';
const ALICE = { id: 'U0ALICE', name: 'alice' };
const APPROVALS = { id: 'C0APPROVALS', name: 'key-approvals', members: [ALICE.id] };

const plain = (text: string) => ({ type: 'plain_text' as const, text });
const GOOD_BLOCKS = [{ type: 'header', text: plain('Fine') }];
const BAD_BLOCKS = [{ type: 'section', text: { type: 'mrkdwn', text: 'ok' } }, { type: 'header', text: plain('h'.repeat(151)) }];
const BAD_PROBLEM = 'must be less than 151 characters [json-pointer:/blocks/1/text/text]';
const modal = (blocks: unknown[]) => ({ type: 'modal' as const, title: plain('Keys'), blocks }) as never;

let emulator: SlackEmulator;
let app: RecordingApp;
let driver: SlackDriver;
let client: WebClient;

beforeEach(async () => {
  emulator = await startSlackEmulator({ users: [ALICE], channels: [APPROVALS], now: () => 1_763_800_000_000 });
  app = await startRecordingApp(SECRET);
  driver = createSlackDriver({ emulator, appUrl: app.url, signingSecret: SECRET });
  client = new WebClient(emulator.botToken, { slackApiUrl: emulator.apiUrl, retryConfig: { retries: 0 } });
});

afterEach(async () => {
  await app.close();
  await emulator.close();
});

const invalidBlocks = {
  code: ErrorCode.PlatformError,
  data: expect.objectContaining({
    ok: false,
    error: 'invalid_blocks',
    errors: [BAD_PROBLEM],
    response_metadata: { messages: [`[ERROR] ${BAD_PROBLEM}`] },
  }),
};

const invalidView = {
  code: ErrorCode.PlatformError,
  data: expect.objectContaining({
    ok: false,
    error: 'invalid_arguments',
    response_metadata: { messages: ['[ERROR] must be less than 151 characters [json-pointer:/view/blocks/1/text/text]'] },
  }),
};

describe('messages', () => {
  it('chat.postMessage refuses blocks Slack would refuse and stores nothing', async () => {
    await expect(client.chat.postMessage({ channel: APPROVALS.id, text: 'x', blocks: BAD_BLOCKS as never })).rejects.toMatchObject(invalidBlocks);
    expect(emulator.messages(APPROVALS.id)).toHaveLength(0);
    await client.chat.postMessage({ channel: APPROVALS.id, text: 'x', blocks: GOOD_BLOCKS as never });
    expect(emulator.messages(APPROVALS.id)).toHaveLength(1);
  });

  it('chat.update refuses them and keeps the message as it was', async () => {
    const posted = await client.chat.postMessage({ channel: APPROVALS.id, text: 'x', blocks: GOOD_BLOCKS as never });
    await expect(
      client.chat.update({ channel: APPROVALS.id, ts: posted.ts as string, text: 'y', blocks: BAD_BLOCKS as never }),
    ).rejects.toMatchObject(invalidBlocks);
    expect(emulator.messages(APPROVALS.id)[0]).toMatchObject({ text: 'x', blocks: [expect.objectContaining({ type: 'header' })] });
  });

  it('chat.postEphemeral refuses them', async () => {
    await expect(
      client.chat.postEphemeral({ channel: APPROVALS.id, user: ALICE.id, text: 'x', blocks: BAD_BLOCKS as never }),
    ).rejects.toMatchObject(invalidBlocks);
    expect(emulator.ephemerals(ALICE.id)).toHaveLength(0);
  });

  it('a response_url post answers 400 invalid_blocks, for a new and for a replaced message', async () => {
    const { responseUrl } = await driver.slashCommand({ userId: ALICE.id, text: 'help', channelId: APPROVALS.id });
    for (const body of [
      { text: 'x', blocks: BAD_BLOCKS },
      { text: 'x', blocks: BAD_BLOCKS, response_type: 'in_channel' },
    ]) {
      const response = await fetch(responseUrl, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ ok: false, error: 'invalid_blocks', errors: [BAD_PROBLEM] });
    }
    expect(emulator.ephemerals(ALICE.id)).toHaveLength(0);
    expect(emulator.messages(APPROVALS.id)).toHaveLength(0);
  });
});

describe('views', () => {
  const BAD_VIEW_BLOCKS = [{ type: 'divider' }, { type: 'header', text: plain('h'.repeat(151)) }];

  it('views.open refuses a view with bad blocks without spending the trigger', async () => {
    const { triggerId } = await driver.slashCommand({ userId: ALICE.id, text: 'request' });
    await expect(client.views.open({ trigger_id: triggerId, view: modal(BAD_VIEW_BLOCKS) })).rejects.toMatchObject(invalidView);
    await client.views.open({ trigger_id: triggerId, view: modal(GOOD_BLOCKS) });
  });

  it('views.update and views.push refuse it and leave the open modal alone', async () => {
    const { triggerId } = await driver.slashCommand({ userId: ALICE.id, text: 'request' });
    const opened = await client.views.open({ trigger_id: triggerId, view: modal(GOOD_BLOCKS) });
    const viewId = opened.view?.id as string;
    await expect(client.views.update({ view_id: viewId, view: modal(BAD_VIEW_BLOCKS) })).rejects.toMatchObject(invalidView);
    const second = await driver.slashCommand({ userId: ALICE.id, text: 'request' });
    await expect(client.views.push({ trigger_id: second.triggerId, view: modal(BAD_VIEW_BLOCKS) })).rejects.toMatchObject(invalidView);
    expect(emulator.openViews(ALICE.id).map((v) => v.id)).toEqual([viewId]);
  });

  it('views.publish refuses a Home tab with bad blocks', async () => {
    await expect(
      client.views.publish({ user_id: ALICE.id, view: { type: 'home', blocks: BAD_VIEW_BLOCKS } as never }),
    ).rejects.toMatchObject(invalidView);
    await client.views.publish({ user_id: ALICE.id, view: { type: 'home', blocks: GOOD_BLOCKS } as never });
  });
});
