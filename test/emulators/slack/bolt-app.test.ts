/** A real Bolt app, wired to the emulator, driven through a whole request flow. */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, LogLevel } from '@slack/bolt';
import { afterEach, beforeEach, expect, it } from 'vitest';
import {
  createSlackDriver,
  startSlackEmulator,
  type SlackDriver,
  type SlackEmulator,
} from '../../../src/emulators/slack/index.js';

const SECRET = 'bolt-app-test-secret';
const ALICE = { id: 'U0ALICE', name: 'alice' };
const BOB = { id: 'U0BOB', name: 'bob' };
const APPROVALS = { id: 'C0APPROVALS', name: 'key-approvals' };

let emulator: SlackEmulator;
let app: App;
let driver: SlackDriver;

beforeEach(async () => {
  emulator = await startSlackEmulator({ users: [ALICE, BOB], channels: [APPROVALS] });
  app = new App({
    signingSecret: SECRET,
    token: emulator.botToken,
    logLevel: LogLevel.ERROR,
    clientOptions: { slackApiUrl: emulator.apiUrl, retryConfig: { retries: 0 } },
  });

  app.command('/openai-key', async ({ ack, body, client, respond }) => {
    await ack();
    await client.views.open({
      trigger_id: body.trigger_id,
      view: {
        type: 'modal',
        callback_id: 'request',
        private_metadata: body.channel_id,
        title: { type: 'plain_text', text: 'Request a key' },
        submit: { type: 'plain_text', text: 'Send' },
        blocks: [
          {
            type: 'input',
            block_id: 'purpose',
            label: { type: 'plain_text', text: 'Purpose' },
            element: { type: 'plain_text_input', action_id: 'text' },
          },
        ],
      },
    });
    await respond({ text: 'Fill in the form' });
  });

  app.view('request', async ({ ack, view, body, client }) => {
    const purpose = view.state.values.purpose?.text?.value ?? '';
    if (purpose.length < 3) {
      await ack({ response_action: 'errors', errors: { purpose: 'Say a bit more' } });
      return;
    }
    await ack();
    await client.chat.postMessage({
      channel: APPROVALS.id,
      text: `<@${body.user.id}> asks for a key: ${purpose}`,
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: `<@${body.user.id}> asks for a key: ${purpose}` } },
        {
          type: 'actions',
          block_id: 'decide',
          elements: [{ type: 'button', action_id: 'approve', text: { type: 'plain_text', text: 'Approve' }, value: body.user.id }],
        },
      ],
    });
  });

  app.action('approve', async ({ ack, body, client, action }) => {
    await ack();
    if (body.type !== 'block_actions' || !body.message || !body.channel || action.type !== 'button') return;
    await client.chat.update({ channel: body.channel.id, ts: body.message.ts, text: `Approved by <@${body.user.id}>`, blocks: [] });
    await client.chat.postMessage({ channel: action.value!, text: 'Your key is ready' });
  });

  app.message(async ({ message, say }) => {
    if (message.subtype === undefined && message.thread_ts) await say({ text: 'Noted', thread_ts: message.thread_ts });
  });

  const server = (await app.start(0)) as Server;
  const { port } = server.address() as AddressInfo;
  driver = createSlackDriver({ emulator, appUrl: `http://127.0.0.1:${port}/slack/events`, signingSecret: SECRET });
});

afterEach(async () => {
  await app.stop();
  await emulator.close();
});

it('runs a request from slash command to approval against the emulator', async () => {
  const command = await driver.slashCommand({ userId: ALICE.id, text: 'request', channelId: APPROVALS.id });
  expect(command.status).toBe(200);
  const [form] = await emulator.waitFor(() => emulator.openViews(ALICE.id).length > 0 && emulator.openViews(ALICE.id));
  expect(form).toMatchObject({ callback_id: 'request', private_metadata: APPROVALS.id, triggerId: command.triggerId });
  await emulator.waitFor(() => emulator.ephemerals(ALICE.id).find((e) => e.text === 'Fill in the form' && e.via === 'response_url'));

  const tooShort = await driver.submitView({ userId: ALICE.id, viewId: form!.id, values: { purpose: { text: { type: 'plain_text_input', value: 'x' } } } });
  expect(tooShort.json).toEqual({ response_action: 'errors', errors: { purpose: 'Say a bit more' } });
  expect(emulator.openViews(ALICE.id)).toHaveLength(1);

  await driver.submitView({ userId: ALICE.id, viewId: form!.id, values: { purpose: { text: { type: 'plain_text_input', value: 'evals' } } } });
  expect(emulator.openViews(ALICE.id)).toEqual([]);
  const request = await emulator.waitFor(() => emulator.messages(APPROVALS.id)[0]);
  expect(request.text).toBe(`<@${ALICE.id}> asks for a key: evals`);

  await driver.clickButton({ userId: BOB.id, actionId: 'approve', channel: APPROVALS.id, messageTs: request.ts });
  await emulator.waitFor(() => emulator.messages(emulator.dmChannelOf(ALICE.id)).find((m) => m.text === 'Your key is ready'));
  expect(emulator.message(APPROVALS.id, request.ts)).toMatchObject({ text: `Approved by <@${BOB.id}>` });
  expect(emulator.message(APPROVALS.id, request.ts)).not.toHaveProperty('blocks');

  const reply = await driver.postMessage({ userId: BOB.id, channel: APPROVALS.id, text: 'done', threadTs: request.ts });
  expect(reply.status).toBe(200);
  await emulator.waitFor(() => emulator.thread(APPROVALS.id, request.ts).find((m) => m.text === 'Noted'));
  expect(emulator.calls.filter((c) => !c.ok)).toEqual([]);
  expect(emulator.callsTo('auth.test').length).toBeGreaterThan(0);
});
