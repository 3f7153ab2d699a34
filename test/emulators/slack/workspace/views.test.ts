import { describe, expect, it } from 'vitest';
import { ALICE, BOB, newWorkspace } from './newWorkspace.js';

const plain = (text: string) => ({ type: 'plain_text', text });
const modal = (extra: Record<string, unknown> = {}) => ({ type: 'modal', title: plain('Title'), blocks: [], ...extra });
const home = (text: string) => ({ type: 'home', blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] });

function viewIdOf(answer: { ok: boolean; [field: string]: unknown }): string {
  const view = answer.view as { id?: unknown } | undefined;
  if (!answer.ok || typeof view?.id !== 'string') throw new Error(`no view: ${JSON.stringify(answer)}`);
  return view.id;
}

describe('triggers', () => {
  it('open a view once, within 3 seconds', () => {
    const { workspace, advance } = newWorkspace();
    const late = workspace.issueTrigger(ALICE.id);
    advance(3_001);
    expect(workspace.openView(late, modal())).toEqual({ ok: false, error: 'expired_trigger_id' });
    const trigger = workspace.issueTrigger(ALICE.id);
    advance(3_000);
    expect(workspace.openView(trigger, modal())).toMatchObject({ ok: true });
    expect(workspace.openView(trigger, modal())).toEqual({ ok: false, error: 'expired_trigger_id' });
    expect(workspace.openView('1.2.3', modal())).toEqual({ ok: false, error: 'invalid_trigger_id' });
    expect(workspace.openView('', modal())).toEqual({ ok: false, error: 'invalid_arguments', response_metadata: { messages: ['[ERROR] missing required field: trigger_id'] } });
  });

  it('stay usable when the view is refused', () => {
    const { workspace } = newWorkspace();
    const trigger = workspace.issueTrigger(ALICE.id);
    expect(workspace.openView(trigger, { type: 'modal' })).toMatchObject({ ok: false, error: 'invalid_arguments' });
    expect(workspace.openView(trigger, modal())).toMatchObject({ ok: true });
  });
});

describe('views: modals and App Home', () => {
  it('opens a modal as Slack hands it back, and closes the previous stack', () => {
    const { workspace, changes } = newWorkspace();
    const first = viewIdOf(workspace.openView(workspace.issueTrigger(ALICE.id), modal({ callback_id: 'one' })));
    const opened = workspace.openView(workspace.issueTrigger(ALICE.id), modal({ callback_id: 'two', notify_on_close: true }));
    const second = viewIdOf(opened);
    expect(opened.view).toMatchObject({ id: second, team_id: 'T0TEAM', app_id: 'A0APP', bot_id: 'B0BOT', root_view_id: second, previous_view_id: null, callback_id: 'two', notify_on_close: true, clear_on_close: false, private_metadata: '', external_id: '' });
    expect(Object.keys(opened.view as object)).not.toContain('userId');
    expect(workspace.view(first)?.closedAt).toBe(1_763_800_000_000);
    expect(workspace.views({ userId: ALICE.id, openOnly: true }).map((v) => v.id)).toEqual([second]);
    expect(changes.map((c) => c.kind)).toEqual(['view.opened', 'view.closed', 'view.opened']);
  });

  it('pushes up to three views, and refuses a taken external_id', () => {
    const { workspace } = newWorkspace();
    const root = viewIdOf(workspace.openView(workspace.issueTrigger(ALICE.id), modal({ external_id: 'ext-1' })));
    const pushed = workspace.pushView(workspace.issueTrigger(ALICE.id), modal());
    expect(pushed.view).toMatchObject({ root_view_id: root, previous_view_id: root });
    expect(workspace.pushView(workspace.issueTrigger(ALICE.id), modal({ external_id: 'ext-1' }))).toEqual({ ok: false, error: 'duplicate_external_id' });
    expect(workspace.pushView(workspace.issueTrigger(ALICE.id), modal())).toMatchObject({ ok: true });
    expect(workspace.pushView(workspace.issueTrigger(ALICE.id), modal())).toEqual({ ok: false, error: 'push_limit_reached' });
    expect(workspace.openView(workspace.issueTrigger(BOB.id), modal({ external_id: 'ext-1' }))).toEqual({ ok: false, error: 'duplicate_external_id' });
  });

  it('updates a view by id or external_id, checking the hash', () => {
    const { workspace } = newWorkspace();
    const opened = workspace.openView(workspace.issueTrigger(ALICE.id), modal({ external_id: 'ext', submit: plain('Go') }));
    const id = viewIdOf(opened);
    const hash = (opened.view as { hash: string }).hash;
    expect(workspace.updateView({ viewId: id, hash: 'stale' }, modal())).toEqual({ ok: false, error: 'hash_conflict' });
    expect(workspace.updateView({ externalId: 'ext', hash }, modal({ external_id: 'ext', callback_id: 'v2' }))).toMatchObject({ ok: true, view: { id, callback_id: 'v2' } });
    expect(workspace.view(id)?.submit).toBeUndefined();
    expect(workspace.updateView({}, modal())).toEqual({ ok: false, error: 'invalid_arguments', response_metadata: { messages: ['[ERROR] either view_id or external_id is required'] } });
    expect(workspace.updateView({ viewId: 'V0NONE' }, modal())).toEqual({ ok: false, error: 'not_found' });
    expect(workspace.updateView({ viewId: id }, home('x'))).toMatchObject({ ok: false, error: 'invalid_arguments' });
  });

  it('publishes one App Home per person, replaced in place', () => {
    const { workspace, changes } = newWorkspace();
    const first = workspace.publishHome(ALICE.id, home('one'), undefined);
    const id = viewIdOf(first);
    expect(workspace.publishHome(ALICE.id, home('two'), 'stale')).toEqual({ ok: false, error: 'hash_conflict' });
    expect(viewIdOf(workspace.publishHome(ALICE.id, home('two'), (first.view as { hash: string }).hash))).toBe(id);
    expect(workspace.homeView(ALICE.id)?.blocks).toMatchObject([{ text: { text: 'two' } }]);
    expect(workspace.homeView(BOB.id)).toBeUndefined();
    expect(workspace.publishHome('U0NOBODY', home('x'), undefined)).toEqual({ ok: false, error: 'user_not_found' });
    expect(workspace.publishHome(ALICE.id, modal(), undefined)).toMatchObject({ ok: false, error: 'invalid_arguments' });
    expect(changes.map((c) => c.kind)).toEqual(['home.published', 'home.published']);
  });

  it('applies what the app answers to a view_submission', () => {
    const { workspace } = newWorkspace();
    const root = viewIdOf(workspace.openView(workspace.issueTrigger(ALICE.id), modal()));
    workspace.applyViewSubmissionAck(root, 500, undefined);
    expect(workspace.view(root)?.closedAt).toBeUndefined();
    workspace.applyViewSubmissionAck(root, 200, { response_action: 'errors', errors: { block: 'bad', n: 3 } });
    expect(workspace.view(root)?.errors).toEqual({ block: 'bad', n: '3' });
    workspace.applyViewSubmissionAck(root, 200, { response_action: 'update', view: modal({ callback_id: 'updated' }) });
    expect(workspace.view(root)).toMatchObject({ callback_id: 'updated' });
    expect(workspace.view(root)?.errors).toBeUndefined();
    workspace.applyViewSubmissionAck(root, 200, { response_action: 'push', view: modal({ callback_id: 'pushed' }) });
    expect(workspace.views({ userId: ALICE.id, openOnly: true }).map((v) => v.callback_id)).toEqual(['updated', 'pushed']);
    workspace.applyViewSubmissionAck(root, 200, { response_action: 'clear' });
    expect(workspace.views({ userId: ALICE.id, openOnly: true })).toEqual([]);
    const next = viewIdOf(workspace.openView(workspace.issueTrigger(ALICE.id), modal()));
    workspace.applyViewSubmissionAck(next, 200, {});
    expect(workspace.view(next)?.closedAt).toBeDefined();
  });

  it('keeps the state the person typed, and hands out copies', () => {
    const { workspace } = newWorkspace();
    const id = viewIdOf(workspace.openView(workspace.issueTrigger(ALICE.id), modal()));
    const values = { block: { action: { type: 'plain_text_input', value: 'typed' } } };
    workspace.recordViewState(id, values);
    values.block.action.value = 'changed';
    expect(workspace.view(id)?.state).toEqual({ values: { block: { action: { type: 'plain_text_input', value: 'typed' } } } });
    expect(workspace.views({ openOnly: false, type: 'home' })).toEqual([]);
  });
});
