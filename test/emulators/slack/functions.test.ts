/**
 * The Slack emulator's Workflow Builder steps: function_executed as Slack's docs show it, reaching a real Bolt app
 * (app.function), the execution's bot token, and functions.completeSuccess / functions.completeError with Slack's
 * documented errors and output validation against the declared types.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, LogLevel } from '@slack/bolt';
import { WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createSlackDriver,
  startSlackEmulator,
  type SlackDriver,
  type SlackEmulator,
  type SlackFunctionDefinition,
} from '../../../src/emulators/slack/index.js';

const SECRET = 'functions-test-secret';
const ALICE = { id: 'U0ALICE', name: 'alice' };
const GENERAL = { id: 'C0GENERAL', name: 'general' };

const GREET: SlackFunctionDefinition = {
  callback_id: 'greet',
  title: 'Greet someone',
  description: 'Says hello',
  input_parameters: [
    { name: 'user', type: 'slack#/types/user_id', is_required: true },
    { name: 'times', type: 'integer' },
  ],
  output_parameters: [
    { name: 'greeting', type: 'string', is_required: true },
    { name: 'count', type: 'integer', is_required: true },
    { name: 'amount', type: 'number' },
    { name: 'on', type: 'slack#/types/date' },
  ],
};

let emulator: SlackEmulator;
const api = (token: string) => new WebClient(token, { slackApiUrl: emulator.apiUrl, retryConfig: { retries: 0 } });
const quiet = async <T>(call: Promise<T>): Promise<T | { ok: false; error: string; messages: string[] }> =>
  call.catch((e: { data?: { error: string; response_metadata?: { messages?: string[] } } }) => ({
    ok: false as const,
    error: e.data?.error ?? 'thrown',
    messages: e.data?.response_metadata?.messages ?? [],
  }));

beforeEach(async () => {
  emulator = await startSlackEmulator({ users: [ALICE], channels: [GENERAL], functions: [GREET] });
});
afterEach(async () => {
  await emulator.close();
});

describe('a Bolt app handling a step with app.function', () => {
  let app: App;
  let driver: SlackDriver;
  const seen: { event: Record<string, unknown>; token?: string; inputs: unknown }[] = [];

  beforeEach(async () => {
    seen.length = 0;
    app = new App({ signingSecret: SECRET, token: emulator.botToken, logLevel: LogLevel.ERROR, clientOptions: { slackApiUrl: emulator.apiUrl, retryConfig: { retries: 0 } } });
    app.function('greet', async ({ event, inputs, complete, client, context }) => {
      seen.push({ event: event as unknown as Record<string, unknown>, token: context.functionBotAccessToken, inputs });
      // the listener's client carries the execution's token: a call with it works while the step runs
      await client.chat.postMessage({ channel: GENERAL.id, text: `hello <@${String(inputs.user)}>` });
      await complete({ outputs: { greeting: 'hello', count: 2, amount: 12.5, on: '2026-11-27' } });
    });
    const server = (await app.start(0)) as Server;
    driver = createSlackDriver({ emulator, appUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`, signingSecret: SECRET });
  });
  afterEach(async () => {
    await app.stop();
  });

  it('gets function_executed as Slack sends it, and completes the execution with its own token', async () => {
    const sent = await driver.executeFunction({ callbackId: 'greet', inputs: { user: ALICE.id, times: 2 } });
    expect(sent.status).toBe(200);
    expect(sent.executionId).toMatch(/^Fx[A-Z0-9]{10}$/);
    expect(sent.botToken).toMatch(/^xwfp-/);
    const done = await emulator.waitFor(() => emulator.functions.execution(sent.executionId)?.state === 'completed' && emulator.functions.execution(sent.executionId));
    expect(done.outputs).toEqual({ greeting: 'hello', count: 2, amount: 12.5, on: '2026-11-27' });

    const [got] = seen;
    expect(got?.token).toBe(sent.botToken);
    expect(got?.inputs).toEqual({ user: ALICE.id, times: 2 });
    expect(got?.event).toMatchObject({
      type: 'function_executed',
      function_execution_id: sent.executionId,
      workflow_execution_id: expect.stringMatching(/^Wx/),
      bot_access_token: sent.botToken,
      event_ts: expect.stringMatching(/^\d+\.\d{6}$/),
      function: {
        id: expect.stringMatching(/^Fn/),
        callback_id: 'greet',
        title: 'Greet someone',
        type: 'app',
        app_id: emulator.appId,
        input_parameters: GREET.input_parameters,
        output_parameters: GREET.output_parameters,
      },
    });
    expect(emulator.messages(GENERAL.id).map((m) => m.text)).toEqual([`hello <@${ALICE.id}>`]);
    expect(emulator.calls.filter((c) => !c.ok)).toEqual([]);
  });

  it('redelivers the same event (a retry) and under a new event id, with the same execution', async () => {
    const sent = await driver.executeFunction({ callbackId: 'greet', inputs: { user: ALICE.id } });
    await emulator.waitFor(() => emulator.functions.execution(sent.executionId)?.state === 'completed');
    await driver.redeliverEvent({ eventId: sent.eventId, retryNum: 1 });
    const again = await driver.redeliverAsNewEvent(sent.eventId);
    expect(again.eventId).not.toBe(sent.eventId);
    await emulator.waitFor(() => seen.length === 3);
    expect(new Set(seen.map((s) => s.event.function_execution_id))).toEqual(new Set([sent.executionId]));
    // this app does not deduplicate, but the execution's token is spent: its redelivered runs cannot post or complete
    await emulator.waitFor(() => emulator.callsTo('chat.postMessage').length === 3);
    expect(emulator.callsTo('chat.postMessage').map((c) => c.error ?? 'ok')).toEqual(['ok', 'invalid_auth', 'invalid_auth']);
    expect(emulator.functions.execution(sent.executionId)?.completions.map((c) => c.method)).toEqual(['functions.completeSuccess']);
  });
});

describe('functions.completeSuccess and functions.completeError', () => {
  const start = (inputs: Record<string, unknown> = { user: ALICE.id }) => emulator.functions.start('greet', inputs).execution;

  it('refuses outputs that do not conform to the declared output parameters, and leaves the step running', async () => {
    const run = start();
    const client = api(run.botToken);
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ greeting: 'hi' }, /count: required/],
      [{ greeting: 'hi', count: 1.5 }, /count: expected an integer/],
      [{ greeting: 7, count: 1 }, /greeting: expected a string/],
      [{ greeting: 'hi', count: 1, amount: '12.50' }, /amount: expected a number/],
      [{ greeting: 'hi', count: 1, on: '2026-02-30' }, /on: expected a date as YYYY-MM-DD/],
      [{ greeting: 'hi', count: 1, extra: true }, /extra: not a declared parameter/],
    ];
    for (const [outputs, problem] of cases) {
      const answer = await quiet(client.functions.completeSuccess({ function_execution_id: run.id, outputs }));
      expect(answer).toMatchObject({ ok: false, error: 'parameter_validation_failed' });
      expect((answer as { messages: string[] }).messages.join('\n')).toMatch(problem);
    }
    expect(emulator.functions.execution(run.id)?.state).toBe('running');
    expect(await client.functions.completeSuccess({ function_execution_id: run.id, outputs: { greeting: 'hi', count: 1 } })).toMatchObject({ ok: true });
    expect(emulator.functions.execution(run.id)).toMatchObject({ state: 'completed', outputs: { greeting: 'hi', count: 1 } });
  });

  it('ends a step once: a second completion of either kind is execution_not_in_running_state', async () => {
    const run = start();
    const client = api(run.botToken);
    expect(await client.functions.completeError({ function_execution_id: run.id, error: 'No project is named "x".' })).toMatchObject({ ok: true });
    expect(emulator.functions.execution(run.id)).toMatchObject({ state: 'failed', error: 'No project is named "x".' });
    expect(await quiet(client.functions.completeSuccess({ function_execution_id: run.id, outputs: { greeting: 'hi', count: 1 } }))).toMatchObject({ error: 'execution_not_in_running_state' });
    expect(await quiet(client.functions.completeError({ function_execution_id: run.id, error: 'again' }))).toMatchObject({ error: 'execution_not_in_running_state' });
    expect(emulator.functions.execution(run.id)?.state).toBe('failed');
  });

  it('needs an error text, and a known execution', async () => {
    const run = start();
    const bot = api(emulator.botToken);
    expect(await quiet(bot.functions.completeError({ function_execution_id: run.id, error: ' ' }))).toMatchObject({ error: 'invalid_arguments' });
    expect(await quiet(bot.functions.completeSuccess({ function_execution_id: 'Fx0NOSUCHONE', outputs: {} }))).toMatchObject({ error: 'function_execution_not_found' });
  });

  it("accepts an execution's token while it runs, and refuses it for anything but functions.* once it ended", async () => {
    const run = start();
    const client = api(run.botToken);
    expect(await client.chat.postMessage({ channel: GENERAL.id, text: 'working on it' })).toMatchObject({ ok: true });
    await client.functions.completeSuccess({ function_execution_id: run.id, outputs: { greeting: 'hi', count: 1 } });
    expect(await quiet(client.chat.postMessage({ channel: GENERAL.id, text: 'too late' }))).toMatchObject({ error: 'invalid_auth' });
    expect(await quiet(api('xwfp-made-up').chat.postMessage({ channel: GENERAL.id, text: 'who?' }))).toMatchObject({ error: 'invalid_auth' });
  });

  it('starts only declared steps with conforming inputs, as Workflow Builder would', () => {
    expect(() => emulator.functions.start('nope', {})).toThrow(/no function nope is declared/);
    expect(() => emulator.functions.start('greet', {})).toThrow(/user: required/);
    expect(() => emulator.functions.start('greet', { user: 'alice' })).toThrow(/user: expected a user id/);
    expect(() => emulator.functions.start('greet', { user: ALICE.id, times: 'two' })).toThrow(/times: expected an integer/);
  });
});
