/** The driver's block_suggestion: Slack's payload, Slack's rules for the answer, and min_query_length. */
import { WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSlackDriver, startSlackEmulator, type SlackDriver, type SlackEmulator } from '../../../src/emulators/slack/index.js';
import { startRecordingApp, type RecordingApp } from './recording-app.js';

const SECRET = 'suggest-test-signing-secret';
const ALICE = { id: 'U0ALICE', name: 'alice' };
const BOB = { id: 'U0BOB', name: 'bob' };
const GENERAL = { id: 'C0GENERAL', name: 'general' };

let emulator: SlackEmulator;
let app: RecordingApp;
let driver: SlackDriver;
let viewId: string;

const option = (text: string, value = text) => ({ text: { type: 'plain_text' as const, text }, value });

beforeEach(async () => {
  emulator = await startSlackEmulator({ users: [ALICE, BOB], channels: [GENERAL] });
  app = await startRecordingApp(SECRET);
  driver = createSlackDriver({ emulator, appUrl: app.url, signingSecret: SECRET });
  const { triggerId } = await driver.slashCommand({ userId: ALICE.id, channelId: GENERAL.id, text: 'request' });
  const client = new WebClient(emulator.botToken, { slackApiUrl: emulator.apiUrl, retryConfig: { retries: 0 } });
  const opened = await client.views.open({
    trigger_id: triggerId,
    view: {
      type: 'modal',
      title: { type: 'plain_text', text: 'Pick' },
      submit: { type: 'plain_text', text: 'Go' },
      blocks: [
        { type: 'input', block_id: 'b0', label: { type: 'plain_text', text: 'Now' }, element: { type: 'external_select', action_id: 'any', min_query_length: 0 } },
        { type: 'input', block_id: 'b3', label: { type: 'plain_text', text: 'Later' }, element: { type: 'external_select', action_id: 'three' } },
        { type: 'input', block_id: 'bs', label: { type: 'plain_text', text: 'Fixed' }, element: { type: 'static_select', action_id: 'fixed', options: [option('a')] } },
      ],
    },
  });
  viewId = opened.view?.id ?? '';
});

afterEach(async () => {
  await app.close();
  await emulator.close();
});

describe('suggestOptions', () => {
  it('sends Slack’s block_suggestion payload, signed, and returns the options answered', async () => {
    app.answerWith(() => ({ body: { options: [option('Support Bot', 'proj_1')] } }));
    const answer = await driver.suggestOptions({ userId: ALICE.id, viewId, actionId: 'any', value: 'sup' });
    expect(answer.options).toEqual([{ text: 'Support Bot', value: 'proj_1' }]);
    expect(answer.problems).toEqual([]);
    const sent = app.requests.at(-1);
    expect(sent?.verification).toBe('valid');
    expect(sent?.payload).toMatchObject({ type: 'block_suggestion', action_id: 'any', block_id: 'b0', value: 'sup', user: { id: ALICE.id }, container: { type: 'view', view_id: viewId } });
    expect(sent?.payload?.view?.id).toBe(viewId);
  });

  it('flattens option groups', async () => {
    app.answerWith(() => ({ body: { option_groups: [{ label: { type: 'plain_text', text: 'Starts with' }, options: [option('a'), option('b')] }] } }));
    expect((await driver.suggestOptions({ userId: ALICE.id, viewId, actionId: 'any', value: '' })).options.map((o) => o.value)).toEqual(['a', 'b']);
  });

  it('shows nothing, and says why, for an answer Slack refuses', async () => {
    const refusals: [unknown, RegExp][] = [
      [{ options: Array.from({ length: 101 }, (_, i) => option(`p${i}`)) }, /101 options \(at most 100\)/],
      [{ options: [option('x'.repeat(76), 'v')] }, /text has 76 characters \(at most 75\)/],
      [{ options: [option('t', 'v'.repeat(151))] }, /value has 151 characters \(at most 150\)/],
      [{ options: [{ text: { type: 'mrkdwn', text: '*t*' }, value: 'v' }] }, /plain_text/],
      [{ text: 'no options' }, /neither options nor option_groups/],
    ];
    for (const [body, problem] of refusals) {
      app.answerWith(() => ({ body: body as Record<string, unknown> }));
      const answer = await driver.suggestOptions({ userId: ALICE.id, viewId, actionId: 'any', value: '' });
      expect(answer.options).toEqual([]);
      expect(answer.problems.join('; ')).toMatch(problem);
    }
    app.answerWith(() => ({ status: 500 }));
    expect((await driver.suggestOptions({ userId: ALICE.id, viewId, actionId: 'any', value: '' })).problems).toEqual(['status 500']);
  });

  it('sends nothing before min_query_length characters (3 by default), nor for a static select or someone else’s view', async () => {
    await expect(driver.suggestOptions({ userId: ALICE.id, viewId, actionId: 'three', value: 'ab' })).rejects.toThrow(/min_query_length/);
    app.answerWith(() => ({ body: { options: [] } }));
    expect((await driver.suggestOptions({ userId: ALICE.id, viewId, actionId: 'three', value: 'abc' })).options).toEqual([]);
    await expect(driver.suggestOptions({ userId: ALICE.id, viewId, actionId: 'fixed', value: 'abc' })).rejects.toThrow(/no external select/);
    await expect(driver.suggestOptions({ userId: BOB.id, viewId, actionId: 'any', value: '' })).rejects.toThrow(/not open for U0BOB/);
  });
});
