/** Button clicks: approve, deny (asks for a reason), reveal key. */
import type { AllMiddlewareArgs, App, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { decideRequest, recordReveal, revealKey } from '../../../services/keyRequests.js';
import { decideLimitChange } from '../../../services/limits.js';
import { isAdmin } from '../../../domain/request.js';
import { suggestHigherCap } from '../../../domain/limits.js';
import { limitRefusalInWords, renderLimitChangeModal } from '../../render/limits/index.js';
import { ACTION } from '../../ids.js';
import {
  refusalInWords,
  renderDenyReasonModal,
  renderErrorNotice,
  renderRevealedKeyModal,
  renderRevealRefusalModal,
} from '../../render/index.js';
import { describeListenerFailure, type SlackListenerDeps } from '../../context.js';
import { ephemeral } from '../commands/index.js';

type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

export function register(app: App, deps: SlackListenerDeps): void {
  app.action<BlockAction<ButtonAction>>(ACTION.approveRequest, (args) => guarded(deps, args, approveFromButton));
  app.action<BlockAction<ButtonAction>>(ACTION.denyRequest, (args) => guarded(deps, args, denyFromButton));
  app.action<BlockAction<ButtonAction>>(ACTION.revealKey, (args) => guarded(deps, args, revealFromButton));
  app.action<BlockAction<ButtonAction>>(ACTION.approveLimitChange, (args) => guarded(deps, args, approveLimitFromButton));
  app.action<BlockAction<ButtonAction>>(ACTION.denyLimitChange, (args) => guarded(deps, args, denyLimitFromButton));
  app.action<BlockAction<ButtonAction>>(ACTION.requestHigherCap, (args) => guarded(deps, args, openHigherCapForm));
}

async function guarded(deps: SlackListenerDeps, args: ButtonArgs, run: (deps: SlackListenerDeps, args: ButtonArgs) => Promise<void>): Promise<void> {
  await args.ack();
  try {
    await run(deps, args);
  } catch (error) {
    deps.log.warn({ action: args.action.action_id, user: args.body.user.id, error: (error as Error).message }, 'action failed');
    await args.respond({ ...ephemeral(renderErrorNotice({ what: describeListenerFailure(error) })), replace_original: false }).catch(() => undefined);
  }
}

async function approveFromButton(deps: SlackListenerDeps, { action, body, respond }: ButtonArgs): Promise<void> {
  const decided = await decideRequest(deps, { requestId: action.value ?? '', actorId: body.user.id, decision: { kind: 'approve' }, via: 'button' });
  if (!decided.ok) {
    const refusal = decided.error;
    const text = refusal.kind === 'not_found' ? 'That request no longer exists.' : refusalInWords(body.user.id, refusal);
    await respond({ response_type: 'ephemeral', replace_original: false, text });
  }
}

async function denyFromButton(deps: SlackListenerDeps, { action, body, respond, client }: ButtonArgs): Promise<void> {
  const requestId = action.value ?? '';
  // Ask the policy first with an empty reason: only a request this person may deny gets the reason form.
  const probe = await decideRequest(deps, { requestId, actorId: body.user.id, decision: { kind: 'deny', reason: '' }, via: 'button' });
  if (!probe.ok && probe.error.kind === 'reason_required') {
    await client.views.open({ trigger_id: body.trigger_id, view: renderDenyReasonModal(requestId) });
    return;
  }
  if (!probe.ok) {
    const refusal = probe.error;
    const text = refusal.kind === 'not_found' ? 'That request no longer exists.' : refusalInWords(body.user.id, refusal);
    await respond({ response_type: 'ephemeral', replace_original: false, text });
  }
}

async function revealFromButton(deps: SlackListenerDeps, { action, body, client }: ButtonArgs): Promise<void> {
  const revealed = await revealKey(deps, { requestId: action.value ?? '', userId: body.user.id });
  if (!revealed.ok) {
    const refusal = revealed.error;
    if (refusal.kind === 'not_found') {
      await client.views.open({ trigger_id: body.trigger_id, view: noticeModal('Key not found', 'keywarden has no such request any more.') });
      return;
    }
    if (refusal.kind === 'not_owner') {
      await client.views.open({ trigger_id: body.trigger_id, view: noticeModal('Not your key', 'Only the person who requested this key can reveal it.') });
      return;
    }
    if (refusal.kind === 'not_ready') {
      await client.views.open({ trigger_id: body.trigger_id, view: noticeModal('Not ready yet', 'This key is not ready to reveal yet. Try again in a moment.') });
      return;
    }
    const kind = refusal.kind === 'already_revealed' ? 'already_revealed' : 'reveal_window_passed';
    await client.views.open({ trigger_id: body.trigger_id, view: renderRevealRefusalModal(kind, refusal.request) });
    return;
  }
  try {
    await client.views.open({ trigger_id: body.trigger_id, view: renderRevealedKeyModal(revealed.value.request, revealed.value.keyValue) });
  } catch (error) {
    // The modal did not open (Slack refused or was unreachable): put the key back so the button works again.
    await revealed.value.undo();
    throw new Error(`the reveal window could not be opened (${(error as { data?: { error?: string } }).data?.error ?? 'Slack error'}); the key is kept, click Reveal key again`);
  }
  await recordReveal(deps, revealed.value.request);
}

function noticeModal(title: string, text: string) {
  return {
    type: 'modal' as const,
    title: { type: 'plain_text' as const, text: title.slice(0, 24) },
    close: { type: 'plain_text' as const, text: 'Close' },
    blocks: [{ type: 'section' as const, text: { type: 'mrkdwn' as const, text } }],
  };
}

async function approveLimitFromButton(deps: SlackListenerDeps, { action, body, respond }: ButtonArgs): Promise<void> {
  const decided = await decideLimitChange(deps, { requestId: action.value ?? '', actorId: body.user.id, decision: { kind: 'approve' }, via: 'button' });
  if (!decided.ok) {
    const refusal = decided.error;
    const text = refusal.kind === 'not_found' ? 'That limit-change request no longer exists.' : limitRefusalInWords(body.user.id, refusal);
    await respond({ response_type: 'ephemeral', replace_original: false, text });
  }
}

async function denyLimitFromButton(deps: SlackListenerDeps, { action, body, respond, client }: ButtonArgs): Promise<void> {
  const requestId = action.value ?? '';
  const probe = await decideLimitChange(deps, { requestId, actorId: body.user.id, decision: { kind: 'deny', reason: '' }, via: 'button' });
  if (!probe.ok && probe.error.kind === 'reason_required') {
    await client.views.open({ trigger_id: body.trigger_id, view: renderDenyReasonModal(requestId) });
    return;
  }
  if (!probe.ok) {
    const refusal = probe.error;
    const text = refusal.kind === 'not_found' ? 'That limit-change request no longer exists.' : limitRefusalInWords(body.user.id, refusal);
    await respond({ response_type: 'ephemeral', replace_original: false, text });
  }
}

/** From a hard-cap notice: the limit form, with a higher cap filled in. */
async function openHigherCapForm(deps: SlackListenerDeps, { action, body, client }: ButtonArgs): Promise<void> {
  const projectId = action.value ?? '';
  const project = (await deps.projects.list()).find((p) => p.id === projectId);
  const current = await deps.limits.get(projectId);
  const asAdmin = isAdmin(body.user.id, await deps.groupsOf(body.user.id), deps.settings.policy);
  const currentHard = current?.hardCents ?? null;
  await client.views.open({
    trigger_id: body.trigger_id,
    view: renderLimitChangeModal({
      projectId,
      projectName: project?.name ?? projectId,
      current,
      ...(currentHard !== null ? { prefillHardCents: suggestHigherCap(currentHard) } : {}),
      asAdmin,
    }),
  });
}
