import { WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createSlackDriver,
  startSlackEmulator,
  type SlackDriver,
  type SlackEmulator,
} from '../../../src/emulators/slack/index.js';
import { startRecordingApp, type RecordingApp } from './recording-app.js';

const SECRET = 'response-url-test-secret';
const ALICE = { id: 'U0ALICE', name: 'alice' };
const APPROVALS = { id: 'C0APPROVALS', name: 'key-approvals' };
const THIRTY_MINUTES = 30 * 60_000;

let clock: number;
let emulator: SlackEmulator;
let app: RecordingApp;
let driver: SlackDriver;
let client: WebClient;

beforeEach(async () => {
  clock = 1_763_800_000_000;
  emulator = await startSlackEmulator({ users: [ALICE], channels: [APPROVALS], now: () => clock });
  app = await startRecordingApp(SECRET);
  driver = createSlackDriver({ emulator, appUrl: app.url, signingSecret: SECRET });
  client = new WebClient(emulator.botToken, { slackApiUrl: emulator.apiUrl, retryConfig: { retries: 0 } });
});

afterEach(async () => {
  await app.close();
  await emulator.close();
});

async function respond(url: string, body: unknown): Promise<{ status: number; json: unknown }> {
  const response = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, json: await response.json() };
}

describe('response_url', () => {
  it('works five times, then answers 404 used_url', async () => {
    const { responseUrl } = await driver.slashCommand({ userId: ALICE.id, text: 'status', channelId: APPROVALS.id });
    expect(responseUrl.startsWith(`${emulator.baseUrl}/response/`)).toBe(true);
    for (let i = 1; i <= 5; i++) {
      expect(await respond(responseUrl, { text: `update ${i}` })).toEqual({ status: 200, json: { ok: true } });
    }
    expect(await respond(responseUrl, { text: 'one too many' })).toEqual({ status: 404, json: { ok: false, error: 'used_url' } });
    expect(emulator.ephemerals(ALICE.id).map((e) => [e.text, e.via, e.channel])).toEqual(
      [1, 2, 3, 4, 5].map((i) => [`update ${i}`, 'response_url', APPROVALS.id]),
    );
    expect(emulator.responseUrlPosts.map((p) => p.status)).toEqual([200, 200, 200, 200, 200, 404]);
    expect(emulator.responseUrlPosts[5]).toEqual({ url: responseUrl, body: { text: 'one too many' }, status: 404, at: clock });
  });

  it('expires 30 minutes after it was issued', async () => {
    const { responseUrl } = await driver.slashCommand({ userId: ALICE.id, text: '' });
    clock += THIRTY_MINUTES;
    expect((await respond(responseUrl, { text: 'just in time' })).status).toBe(200);
    clock += 1;
    expect(await respond(responseUrl, { text: 'too late' })).toEqual({ status: 404, json: { ok: false, error: 'expired_url' } });
    expect(emulator.ephemerals(ALICE.id).map((e) => e.text)).toEqual(['just in time']);
    expect(emulator.responseUrlPosts.map((p) => p.status)).toEqual([200, 404]);
  });

  it('posts in the channel for response_type in_channel', async () => {
    const { responseUrl } = await driver.slashCommand({ userId: ALICE.id, text: '', channelId: APPROVALS.id });
    await respond(responseUrl, { response_type: 'in_channel', text: 'visible to all' });
    expect(emulator.messages(APPROVALS.id).map((m) => [m.text, m.user])).toEqual([['visible to all', emulator.botUserId]]);
    expect(emulator.ephemerals(ALICE.id)).toEqual([]);
  });

  it('replaces or deletes the message whose button was clicked', async () => {
    const posted = await client.chat.postMessage({
      channel: APPROVALS.id,
      text: 'Approve?',
      blocks: [{ type: 'actions', block_id: 'b', elements: [{ type: 'button', action_id: 'approve', text: { type: 'plain_text', text: 'Approve' }, value: 'r1' }] }],
    });
    const click = await driver.clickButton({ userId: ALICE.id, actionId: 'approve', channel: APPROVALS.id, messageTs: posted.ts! });
    expect((await respond(click.responseUrl!, { replace_original: true, text: 'Approved' })).status).toBe(200);
    expect(emulator.messages(APPROVALS.id)).toEqual([expect.objectContaining({ ts: posted.ts, text: 'Approved' })]);
    expect(emulator.message(APPROVALS.id, posted.ts!)).not.toHaveProperty('blocks');
    expect((await respond(click.responseUrl!, { delete_original: true })).status).toBe(200);
    expect(emulator.messages(APPROVALS.id)).toEqual([]);
    expect((await respond(click.responseUrl!, { delete_original: true })).status).toBe(404);
  });

  it('acts on an ephemeral message whose button was clicked', async () => {
    const command = await driver.slashCommand({ userId: ALICE.id, text: '', channelId: APPROVALS.id });
    await respond(command.responseUrl, {
      text: 'Reveal?',
      blocks: [{ type: 'actions', elements: [{ type: 'button', action_id: 'reveal', text: { type: 'plain_text', text: 'Reveal' } }] }],
    });
    const [shown] = emulator.ephemerals(ALICE.id);
    const click = await driver.clickButton({ userId: ALICE.id, actionId: 'reveal', channel: APPROVALS.id, messageTs: shown!.ts });
    expect(app.requests.at(-1)?.payload?.container).toMatchObject({ is_ephemeral: true, message_ts: shown!.ts });
    await respond(click.responseUrl!, { replace_original: true, text: 'Revealed in a modal' });
    expect(emulator.ephemerals(ALICE.id).map((e) => e.text)).toEqual(['Revealed in a modal']);
  });

  it('refuses a body without content and honours injected faults', async () => {
    const { responseUrl } = await driver.slashCommand({ userId: ALICE.id, text: '' });
    expect(await respond(responseUrl, { response_type: 'ephemeral' })).toEqual({ status: 400, json: { ok: false, error: 'no_text' } });
    emulator.inject('response_url', { status: 500 });
    expect((await respond(responseUrl, { text: 'x' })).status).toBe(500);
    expect((await respond(responseUrl, { text: 'x' })).status).toBe(200);
    expect((await respond(`${emulator.baseUrl}/response/abc123`, { text: 'x' })).status).toBe(404);
  });
});
