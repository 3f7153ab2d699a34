/**
 * The emulator's Socket Mode as a client meets it: raw WebSocket frames (what is on the wire) and @slack/socket-mode's
 * own SocketModeClient (what Bolt runs), against https://api.slack.com/apis/connections/socket-implement.
 */
import { SocketModeClient } from '@slack/socket-mode';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createSlackDriver, SOCKET_MODE_NO_ACK_STATUS, startSlackEmulator, type SlackEmulator } from '../../../src/emulators/slack/index.js';

let emulator: SlackEmulator;
const sockets: WebSocket[] = [];
const clients: SocketModeClient[] = [];

beforeEach(async () => {
  emulator = await startSlackEmulator({
    users: [{ id: 'U0ALICE', name: 'alice' }],
    channels: [{ id: 'C0GENERAL', name: 'general' }],
    socketMode: { ackTimeoutMs: 300, maxRetries: 2, pingIntervalMs: 0 },
  });
});

afterEach(async () => {
  for (const ws of sockets.splice(0)) {
    ws.on('error', () => undefined); // terminating a refused handshake reports it as an error
    ws.terminate();
  }
  for (const client of clients.splice(0)) await client.disconnect();
  await emulator.close();
});

async function openConnection(token: string): Promise<{ ok: boolean; url?: string; error?: string }> {
  const res = await fetch(`${emulator.apiUrl}apps.connections.open`, { method: 'POST', headers: { Authorization: `Bearer ${token}` } });
  return (await res.json()) as { ok: boolean; url?: string; error?: string };
}

/** A raw connection and every message it received, parsed. */
async function rawConnection(): Promise<{ ws: WebSocket; messages: Record<string, unknown>[] }> {
  const opened = await openConnection(emulator.appToken);
  const ws = new WebSocket(opened.url as string);
  sockets.push(ws);
  const messages: Record<string, unknown>[] = [];
  ws.on('message', (data) => messages.push(JSON.parse(String(data)) as Record<string, unknown>));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  await emulator.waitFor(() => messages.length > 0);
  return { ws, messages };
}

function quietLogger() {
  return { debug() {}, info() {}, warn() {}, error() {}, setLevel() {}, getLevel: () => 'error' as never, setName() {} };
}

describe('apps.connections.open', () => {
  it('gives a one-time ws:// URL on loopback for the app-level token, and refuses other tokens as Slack does', async () => {
    const opened = await openConnection(emulator.appToken);
    expect(opened.ok).toBe(true);
    expect(opened.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/link\/\?ticket=[0-9a-f]+&app_id=A0KEYWARDEN$/);
    expect(await openConnection('xapp-1-someone-else')).toEqual({ ok: false, error: 'invalid_auth' });
    expect(await openConnection(emulator.botToken)).toEqual({ ok: false, error: 'not_allowed_token_type' });
    expect(emulator.callsTo('apps.connections.open').map((c) => c.ok)).toEqual([true, false, false]);

    const first = new WebSocket(opened.url as string);
    sockets.push(first);
    await new Promise((resolve) => first.once('open', resolve));
    const again = new WebSocket(opened.url as string);
    sockets.push(again);
    const refused = await new Promise<string>((resolve) => again.once('unexpected-response', (_req, res) => resolve(String(res.statusCode))));
    expect(refused).toBe('401');
  });
});

describe('the wire', () => {
  it('says hello with num_connections, debug_info and connection_info.app_id', async () => {
    const { messages } = await rawConnection();
    expect(messages[0]).toMatchObject({
      type: 'hello',
      num_connections: 1,
      debug_info: { host: expect.any(String), build_number: expect.any(Number), approximate_connection_time: expect.any(Number) },
      connection_info: { app_id: 'A0KEYWARDEN' },
    });
    const second = await rawConnection();
    expect(second.messages[0]).toMatchObject({ type: 'hello', num_connections: 2 });
  });

  it('sends envelopes with their fields and takes the ack payload as the answer', async () => {
    const { ws, messages } = await rawConnection();
    const delivered = emulator.socketMode.deliver('slash_commands', { command: '/openai-key', text: 'help', trigger_id: 't1' });
    const envelope = await emulator.waitFor(() => messages.find((m) => m.type === 'slash_commands'));
    expect(envelope).toMatchObject({
      envelope_id: expect.any(String),
      payload: { command: '/openai-key', text: 'help' },
      accepts_response_payload: true,
      retry_attempt: 0,
      retry_reason: '',
    });
    ws.send(JSON.stringify({ envelope_id: envelope.envelope_id, payload: { text: 'the help' } }));
    expect(await delivered).toMatchObject({ acked: true, payload: { text: 'the help' }, attempts: 1 });
    expect(emulator.socketMode.acks()).toMatchObject([{ envelopeId: envelope.envelope_id, payload: { text: 'the help' }, lost: false, late: false }]);

    const click = emulator.socketMode.deliver('interactive', { type: 'block_actions', trigger_id: 't2' });
    const interactive = await emulator.waitFor(() => messages.find((m) => m.type === 'interactive'));
    expect(interactive.accepts_response_payload).toBe(false);
    ws.send(JSON.stringify({ envelope_id: interactive.envelope_id, payload: {} }));
    const clicked = await click;
    expect(clicked.acked).toBe(true);
    expect(clicked.payload).toBeUndefined();
  });

  it('accepts options in the ack of a block_suggestion, and a view_submission response_action', async () => {
    const { ws, messages } = await rawConnection();
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as { envelope_id?: string; payload?: { type?: string } };
      if (!m.envelope_id) return;
      const answer =
        m.payload?.type === 'block_suggestion'
          ? { options: [{ text: { type: 'plain_text', text: 'Support Bot' }, value: 'proj_1' }] }
          : { response_action: 'errors', errors: { purpose: 'Too short' } };
      ws.send(JSON.stringify({ envelope_id: m.envelope_id, payload: answer }));
    });
    const options = await emulator.socketMode.deliver('interactive', { type: 'block_suggestion', action_id: 'project', value: 'sup' });
    expect(options).toMatchObject({ acked: true, payload: { options: [{ value: 'proj_1' }] } });
    const submitted = await emulator.socketMode.deliver('interactive', { type: 'view_submission', trigger_id: 't9' });
    expect(submitted).toMatchObject({ acked: true, payload: { response_action: 'errors', errors: { purpose: 'Too short' } } });
    expect(messages.filter((m) => m.type === 'interactive').map((m) => m.accepts_response_payload)).toEqual([true, true]);
  });

  it('redelivers an unacknowledged envelope with a higher retry_attempt and retry_reason timeout, then gives up', async () => {
    const { messages } = await rawConnection();
    const delivery = await emulator.socketMode.deliver('events_api', { type: 'event_callback', event_id: 'Ev1', event: { type: 'message' } });
    expect(delivery).toMatchObject({ acked: false, attempts: 3 });
    const sent = messages.filter((m) => m.type === 'events_api');
    expect(sent.map((m) => [m.retry_attempt, m.retry_reason])).toEqual([
      [0, ''],
      [1, 'timeout'],
      [2, 'timeout'],
    ]);
    expect(new Set(sent.map((m) => m.envelope_id)).size).toBe(1);
    expect(sent[0]?.accepts_response_payload).toBe(false);
  });

  it('redelivers after a lost ack, and the second ack settles it', async () => {
    const { ws, messages } = await rawConnection();
    emulator.socketMode.loseNextAcks(1);
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as { envelope_id?: string };
      if (m.envelope_id) ws.send(JSON.stringify({ envelope_id: m.envelope_id, payload: {} }));
    });
    const delivery = await emulator.socketMode.deliver('interactive', { type: 'view_submission', trigger_id: 't3' });
    expect(delivery).toMatchObject({ acked: true, attempts: 2 });
    expect(messages.filter((m) => m.type === 'interactive').map((m) => m.retry_attempt)).toEqual([0, 1]);
    expect(emulator.socketMode.acks().map((a) => a.lost)).toEqual([true, false]);
  });

  it('sends disconnect with its reason, and closes a disabled link itself', async () => {
    const { ws, messages } = await rawConnection();
    expect(emulator.socketMode.disconnect('warning')).toBe(1);
    await emulator.waitFor(() => messages.find((m) => m.type === 'disconnect'));
    expect(messages.at(-1)).toMatchObject({ type: 'disconnect', reason: 'warning', debug_info: { host: expect.any(String) } });
    const closed = new Promise((resolve) => ws.once('close', resolve));
    emulator.socketMode.disconnect('link_disabled');
    await closed;
    await emulator.waitFor(() => emulator.socketMode.connections()[0]?.closedAt);
    expect(emulator.socketMode.connections()[0]).toMatchObject({ disconnects: ['warning', 'link_disabled'], closedAt: expect.any(Number) });
  });
});

describe('the driver in Socket Mode', () => {
  it('answers like HTTP: the ack payload as the body, shown to the user, and 408 when no attempt is acknowledged', async () => {
    const { ws } = await rawConnection();
    let answering = true;
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as { envelope_id?: string; payload?: { text?: string } };
      if (m.envelope_id && answering) ws.send(JSON.stringify({ envelope_id: m.envelope_id, payload: { response_type: 'ephemeral', text: `you said ${m.payload?.text}` } }));
    });
    const driver = createSlackDriver({ emulator, mode: 'socket' });
    const res = await driver.slashCommand({ userId: 'U0ALICE', text: 'hello', channelId: 'C0GENERAL' });
    expect(res).toMatchObject({ status: 200, json: { text: 'you said hello' }, triggerId: expect.any(String) });
    expect(JSON.parse(res.body)).toEqual(res.json);
    expect(emulator.ephemerals('U0ALICE')).toMatchObject([{ text: 'you said hello', via: 'command_ack' }]);
    expect(emulator.socketMode.envelopes().at(-1)?.payload).toMatchObject({ command: '/openai-key', text: 'hello', user_id: 'U0ALICE', trigger_id: res.triggerId });

    answering = false;
    const unanswered = await driver.slashCommand({ userId: 'U0ALICE', text: 'anyone?', channelId: 'C0GENERAL' });
    expect(unanswered.status).toBe(SOCKET_MODE_NO_ACK_STATUS);
    expect(() => driver.sendRaw({ body: '{}' })).toThrow(/Socket Mode/);
  });
});

describe("@slack/socket-mode's client", () => {
  it('connects through SLACK_API_URL, gets envelopes, acks them, and reconnects with a fresh URL after refresh_requested', async () => {
    const client = new SocketModeClient({
      appToken: emulator.appToken,
      logger: quietLogger(),
      clientPingTimeout: 500,
      clientOptions: { slackApiUrl: emulator.apiUrl, retryConfig: { retries: 0 } },
    });
    clients.push(client);
    const seen: string[] = [];
    client.on('slash_commands', async ({ ack, body }: { ack: (p?: unknown) => Promise<void>; body: { text: string } }) => {
      seen.push(body.text);
      await ack({ text: `got ${body.text}` });
    });
    await client.start();
    expect(emulator.callsTo('apps.connections.open')).toHaveLength(1);

    expect(await emulator.socketMode.deliver('slash_commands', { text: 'one', trigger_id: 'a' })).toMatchObject({ acked: true, payload: { text: 'got one' } });
    emulator.socketMode.disconnect('refresh_requested');
    // sent around the reconnect: held until the new connection is open, not lost
    const during = emulator.socketMode.deliver('slash_commands', { text: 'two', trigger_id: 'b' });
    expect(await during).toMatchObject({ acked: true, payload: { text: 'got two' } });
    expect(emulator.callsTo('apps.connections.open')).toHaveLength(2);
    expect(emulator.socketMode.connections()).toHaveLength(2);
    expect(seen).toEqual(['one', 'two']);
  });

  it('fails to start with invalid_auth for a wrong app token', async () => {
    const client = new SocketModeClient({
      appToken: 'xapp-1-wrong',
      logger: quietLogger(),
      clientOptions: { slackApiUrl: emulator.apiUrl, retryConfig: { retries: 0 } },
    });
    clients.push(client);
    await expect(client.start()).rejects.toMatchObject({ data: { error: 'invalid_auth' } });
  });
});
