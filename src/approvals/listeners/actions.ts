/** The Approve and Deny buttons on a request message, for every kind of request (key requests, limit changes). */
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { renderDenyReasonModal } from '../render/denyReasonModal.js';
import { renderErrorNotice } from '../../platform/slack/render/notices.js';
import { renderNoticeModal } from '../../platform/slack/render/noticeModal.js';
import { ackedButton, type ButtonArgs, type ListenerContext } from '../../platform/slack/context.js';
import { ACTION } from '../../platform/slack/ids.js';
import type { ApprovalEngine } from '../engine.js';

export type ApprovalActionDeps = { readonly approvals: Pick<ApprovalEngine, 'decide' | 'refusalInWords'> } & Pick<ListenerContext, 'log'>;

/** Registers Approve and Deny; each acknowledges at once and answers a failure to the clicker alone. */
export function register(app: App, deps: ApprovalActionDeps): void {
  app.action<BlockAction<ButtonAction>>(ACTION.approveRequest, ackedButton(deps, approveFromButton, renderErrorNotice));
  app.action<BlockAction<ButtonAction>>(ACTION.denyRequest, ackedButton(deps, denyFromButton, renderErrorNotice));
  // Limit-change messages carry their own action ids (messages already posted keep working); one engine decides both.
  app.action<BlockAction<ButtonAction>>(ACTION.approveLimitChange, ackedButton(deps, approveFromButton, renderErrorNotice));
  app.action<BlockAction<ButtonAction>>(ACTION.denyLimitChange, ackedButton(deps, denyFromButton, renderErrorNotice));
}

/** Approve, for any kind of request: a vote towards its quorum, or the decision; a refusal is said in plain words. */
async function approveFromButton(deps: ApprovalActionDeps, { action, body, respond }: ButtonArgs): Promise<void> {
  const decided = await deps.approvals.decide({ requestId: action.value ?? '', actorId: body.user.id, decision: { kind: 'approve' }, via: 'button' });
  if (!decided.ok) await respond({ response_type: 'ephemeral', replace_original: false, text: deps.approvals.refusalInWords(body.user.id, decided.error) });
}

/**
 * The reason form opens at once (its trigger lasts 3 s); then the policy is asked with an empty reason, and a person
 * who may not deny sees the form turn into the explanation.
 */
async function denyFromButton(deps: ApprovalActionDeps, { action, body, client }: ButtonArgs): Promise<void> {
  const requestId = action.value ?? '';
  const opened = await client.views.open({ trigger_id: body.trigger_id, view: renderDenyReasonModal(requestId) });
  const probe = await deps.approvals.decide({ requestId, actorId: body.user.id, decision: { kind: 'deny', reason: '' }, via: 'button' });
  if (probe.ok || probe.error.kind === 'reason_required') return;
  await client.views.update({ view_id: opened.view?.id ?? '', view: renderNoticeModal('Cannot deny', deps.approvals.refusalInWords(body.user.id, probe.error)) });
}
