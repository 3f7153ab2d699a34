import { ErrorCode, WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createSlackDriver,
  startSlackEmulator,
  type SlackDriver,
  type SlackEmulator,
} from '../../../src/emulators/slack/index.js';
import { startRecordingApp, type RecordingApp } from './recording-app.js';

const SECRET = 'views-test-signing-secret';
const ALICE = { id: 'U0ALICE', name: 'alice' };
const BOB = { id: 'U0BOB', name: 'bob' };

let clock: number;
let emulator: SlackEmulator;
let app: RecordingApp;
let driver: SlackDriver;
let client: WebClient;

function modal(title: string, extra: Record<string, unknown> = {}) {
  return {
    type: 'modal' as const,
    callback_id: 'kw.view.request_key',
    private_metadata: '{"requestId":"r1"}',
    title: { type: 'plain_text' as const, text: title },
    submit: { type: 'plain_text' as const, text: 'Send' },
    blocks: [
      {
        type: 'input',
        block_id: 'purpose',
        label: { type: 'plain_text', text: 'Purpose' },
        element: { type: 'plain_text_input', action_id: 'text' },
      },
      {
        type: 'actions',
        block_id: 'more',
        elements: [{ type: 'button', action_id: 'details', text: { type: 'plain_text', text: 'Details' }, value: 'd' }],
      },
    ],
    ...extra,
  };
}

function platformError(error: string) {
  return { code: ErrorCode.PlatformError, data: expect.objectContaining({ ok: false, error }) };
}

beforeEach(async () => {
  clock = 1_763_800_000_000;
  emulator = await startSlackEmulator({ users: [ALICE, BOB], now: () => clock });
  app = await startRecordingApp(SECRET);
  driver = createSlackDriver({ emulator, appUrl: app.url, signingSecret: SECRET });
  client = new WebClient(emulator.botToken, { slackApiUrl: emulator.apiUrl, retryConfig: { retries: 0 } });
});

afterEach(async () => {
  await app.close();
  await emulator.close();
});

describe('trigger ids', () => {
  it('opens a modal for the trigger user, once', async () => {
    const { triggerId } = await driver.slashCommand({ userId: ALICE.id, text: 'request' });
    const opened = await client.views.open({ trigger_id: triggerId, view: modal('Request a key') });
    expect(opened.view).toMatchObject({ callback_id: 'kw.view.request_key', private_metadata: '{"requestId":"r1"}', type: 'modal' });
    const [open] = emulator.openViews(ALICE.id);
    expect(open).toMatchObject({ id: opened.view?.id, hash: opened.view?.hash, triggerId, userId: ALICE.id });
    expect(open?.blocks).toHaveLength(2);
    expect(emulator.openViews(BOB.id)).toEqual([]);
    await expect(client.views.open({ trigger_id: triggerId, view: modal('Again') })).rejects.toMatchObject(
      platformError('expired_trigger_id'),
    );
  });

  it('expires a trigger after 3 seconds and refuses made-up ones', async () => {
    const first = await driver.slashCommand({ userId: ALICE.id, text: '' });
    clock += 3_000;
    await client.views.open({ trigger_id: first.triggerId, view: modal('In time') });
    const second = await driver.slashCommand({ userId: ALICE.id, text: '' });
    clock += 3_001;
    await expect(client.views.open({ trigger_id: second.triggerId, view: modal('Late') })).rejects.toMatchObject(
      platformError('expired_trigger_id'),
    );
    await expect(client.views.open({ trigger_id: '123.456.abcdef', view: modal('Forged') })).rejects.toMatchObject(
      platformError('invalid_trigger_id'),
    );
    expect(emulator.openViews(ALICE.id).map((v) => (v.title as { text: string }).text)).toEqual(['In time']);
  });

  it('refuses an invalid view without spending the trigger', async () => {
    const { triggerId } = await driver.slashCommand({ userId: ALICE.id, text: '' });
    await expect(
      client.views.open({ trigger_id: triggerId, view: modal('A title far longer than twenty-four') }),
    ).rejects.toMatchObject({
      code: ErrorCode.PlatformError,
      data: {
        error: 'invalid_arguments',
        response_metadata: { messages: [expect.stringContaining('[json-pointer:/view/title/text]')] },
      },
    });
    await expect(
      client.views.open({ trigger_id: triggerId, view: { type: 'modal', title: { type: 'plain_text', text: 'x' } } as never }),
    ).rejects.toMatchObject(platformError('invalid_arguments'));
    await client.views.open({ trigger_id: triggerId, view: modal('Fine') });
    expect(emulator.openViews(ALICE.id)).toHaveLength(1);
  });
});

describe('views.update, views.push and views.publish', () => {
  it('updates by view_id, checking the hash', async () => {
    const { triggerId } = await driver.slashCommand({ userId: ALICE.id, text: '' });
    const opened = await client.views.open({ trigger_id: triggerId, view: modal('First') });
    const updated = await client.views.update({ view_id: opened.view!.id!, hash: opened.view!.hash!, view: modal('Second') });
    expect(updated.view?.hash).not.toBe(opened.view?.hash);
    expect(emulator.openViews(ALICE.id)[0]).toMatchObject({ id: opened.view?.id, hash: updated.view?.hash, title: { text: 'Second' } });
    await expect(
      client.views.update({ view_id: opened.view!.id!, hash: opened.view!.hash!, view: modal('Stale') }),
    ).rejects.toMatchObject(platformError('hash_conflict'));
    await expect(client.views.update({ view_id: 'V0NOPE', view: modal('x') })).rejects.toMatchObject(platformError('not_found'));
  });

  it('pushes onto the modal stack with a trigger from a click in the modal, up to three views', async () => {
    const { triggerId } = await driver.slashCommand({ userId: ALICE.id, text: '' });
    const root = await client.views.open({ trigger_id: triggerId, view: modal('Root') });
    for (const title of ['Second', 'Third']) {
      const top = emulator.openViews(ALICE.id).at(-1)!;
      const click = await driver.clickButton({ userId: ALICE.id, viewId: top.id, actionId: 'details' });
      const pushed = await client.views.push({ trigger_id: click.triggerId, view: modal(title) });
      expect(pushed.view).toMatchObject({ root_view_id: root.view?.id, previous_view_id: top.id });
    }
    const click = await driver.clickButton({ userId: ALICE.id, viewId: root.view!.id!, actionId: 'details' });
    await expect(client.views.push({ trigger_id: click.triggerId, view: modal('Fourth') })).rejects.toMatchObject(
      platformError('push_limit_reached'),
    );
    expect(emulator.openViews(ALICE.id).map((v) => (v.title as { text: string }).text)).toEqual(['Root', 'Second', 'Third']);
  });

  it('publishes an App Home per user, with a hash check', async () => {
    const first = await client.views.publish({ user_id: ALICE.id, view: { type: 'home', blocks: [{ type: 'divider' }] } });
    await client.views.publish({ user_id: ALICE.id, hash: first.view!.hash!, view: { type: 'home', blocks: [] } });
    expect(emulator.homeView(ALICE.id)).toMatchObject({ id: first.view?.id, type: 'home', blocks: [] });
    await expect(
      client.views.publish({ user_id: ALICE.id, hash: first.view!.hash!, view: { type: 'home', blocks: [] } }),
    ).rejects.toMatchObject(platformError('hash_conflict'));
    await expect(client.views.publish({ user_id: ALICE.id, view: modal('Not home') })).rejects.toMatchObject(
      platformError('invalid_arguments'),
    );
    expect(emulator.openViews()).toEqual([]);
  });
});

describe('view submissions', () => {
  async function openRequestModal() {
    const { triggerId } = await driver.slashCommand({ userId: ALICE.id, text: '' });
    const opened = await client.views.open({ trigger_id: triggerId, view: modal('Request') });
    return opened.view!.id!;
  }
  const values = { purpose: { text: { type: 'plain_text_input', value: 'evals' } } };

  it('keeps the modal open with the errors the app answers', async () => {
    const viewId = await openRequestModal();
    app.answerWith(() => ({ body: { response_action: 'errors', errors: { purpose: 'Say more' } } }));
    const answer = await driver.submitView({ userId: ALICE.id, viewId, values });
    expect(answer.json).toEqual({ response_action: 'errors', errors: { purpose: 'Say more' } });
    expect(emulator.openViews(ALICE.id)).toEqual([
      expect.objectContaining({ id: viewId, errors: { purpose: 'Say more' }, state: { values } }),
    ]);
  });

  it('replaces the modal on response_action update', async () => {
    const viewId = await openRequestModal();
    app.answerWith(() => ({ body: { response_action: 'update', view: modal('Thanks', { blocks: [{ type: 'divider' }] }) } }));
    await driver.submitView({ userId: ALICE.id, viewId, values });
    expect(emulator.openViews(ALICE.id)).toEqual([expect.objectContaining({ id: viewId, title: expect.objectContaining({ text: 'Thanks' }) })]);
  });

  it('closes the modal on a plain ack, after which views.update finds nothing', async () => {
    const viewId = await openRequestModal();
    await driver.submitView({ userId: ALICE.id, viewId, values });
    expect(emulator.openViews(ALICE.id)).toEqual([]);
    expect(emulator.views(ALICE.id)[0]?.closedAt).toBe(clock);
    await expect(client.views.update({ view_id: viewId, view: modal('Too late') })).rejects.toMatchObject(platformError('not_found'));
    await expect(driver.submitView({ userId: ALICE.id, viewId, values })).rejects.toThrow(/not open/);
  });

  it('leaves the modal open when the app fails to acknowledge', async () => {
    const viewId = await openRequestModal();
    app.answerWith(() => ({ status: 500 }));
    const answer = await driver.submitView({ userId: ALICE.id, viewId, values });
    expect(answer.status).toBe(500);
    expect(emulator.openViews(ALICE.id).map((v) => v.id)).toEqual([viewId]);
  });
});
