/** Button clicks: approve, deny (asks for a reason), reveal key, send another request, and the limit buttons. */
import type { AllMiddlewareArgs, App, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { recordReveal, revealKey, sendRequestDraft } from '../../keys/index.js';
import { isAdmin } from '../../keys/domain/keyRequest.js';
import { suggestHigherCap } from '../../limits/domain/limits.js';
import { renderLimitChangeModal } from '../../limits/render/index.js';
import { renderNoticeModal } from '../../keys/render/modals.js';
import { ACTION } from '../../platform/slack/ids.js';
import {
  renderDenyReasonModal,
  renderErrorNotice,
  renderRevealedKeyModal,
  renderRevealRefusalModal,
  renderRequestSent,
  revealRefusalFor,
} from '../../keys/render/index.js';
import { describeListenerFailure, type SlackListenerDeps } from '../../platform/slack/context.js';
import { answerOpenRefusal, ephemeral } from '../commands/index.js';

type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

export function register(app: App, deps: SlackListenerDeps): void {
  app.action<BlockAction<ButtonAction>>(ACTION.approveRequest, (args) => guarded(deps, args, approveFromButton));
  app.action<BlockAction<ButtonAction>>(ACTION.denyRequest, (args) => guarded(deps, args, denyFromButton));
  app.action<BlockAction<ButtonAction>>(ACTION.revealKey, (args) => guarded(deps, args, revealFromButton));
  app.action<BlockAction<ButtonAction>>(ACTION.sendAnotherRequest, (args) => guarded(deps, args, sendAnotherFromButton));
  // Limit-change messages carry their own action ids (messages already posted keep working); one engine decides both.
  app.action<BlockAction<ButtonAction>>(ACTION.approveLimitChange, (args) => guarded(deps, args, approveFromButton));
  app.action<BlockAction<ButtonAction>>(ACTION.denyLimitChange, (args) => guarded(deps, args, denyFromButton));
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

/** Approve, for any kind of request: a vote towards its quorum, or the decision; a refusal is said in plain words. */
async function approveFromButton(deps: SlackListenerDeps, { action, body, respond }: ButtonArgs): Promise<void> {
  const decided = await deps.approvals.decide({ requestId: action.value ?? '', actorId: body.user.id, decision: { kind: 'approve' }, via: 'button' });
  if (!decided.ok) await respond({ response_type: 'ephemeral', replace_original: false, text: deps.approvals.refusalInWords(body.user.id, decided.error) });
}

/**
 * The reason form opens at once (its trigger lasts 3 s); then the policy is asked with an empty reason, and a person
 * who may not deny sees the form turn into the explanation.
 */
async function denyFromButton(deps: SlackListenerDeps, { action, body, client }: ButtonArgs): Promise<void> {
  const requestId = action.value ?? '';
  const opened = await client.views.open({ trigger_id: body.trigger_id, view: renderDenyReasonModal(requestId) });
  const probe = await deps.approvals.decide({ requestId, actorId: body.user.id, decision: { kind: 'deny', reason: '' }, via: 'button' });
  if (probe.ok || probe.error.kind === 'reason_required') return;
  await client.views.update({ view_id: opened.view?.id ?? '', view: renderNoticeModal('Cannot deny', deps.approvals.refusalInWords(body.user.id, probe.error)) });
}

async function revealFromButton(deps: SlackListenerDeps, { action, body, client }: ButtonArgs): Promise<void> {
  const revealed = await revealKey(deps, { requestId: action.value ?? '', userId: body.user.id });
  if (!revealed.ok) {
    const refusal = revealed.error;
    if (refusal.kind === 'not_found') {
      await client.views.open({ trigger_id: body.trigger_id, view: renderNoticeModal('Key not found', 'keywarden has no such request any more.') });
      return;
    }
    if (refusal.kind === 'not_owner') {
      await client.views.open({ trigger_id: body.trigger_id, view: renderNoticeModal('Not your key', 'Only the person who requested this key can reveal it.') });
      return;
    }
    if (refusal.kind === 'not_ready') {
      await client.views.open({ trigger_id: body.trigger_id, view: renderNoticeModal('Not ready yet', 'This key is not ready to reveal yet. Try again in a moment.') });
      return;
    }
    await client.views.open({ trigger_id: body.trigger_id, view: renderRevealRefusalModal(revealRefusalFor(refusal.request), refusal.request) });
    return;
  }
  try {
    await client.views.open({ trigger_id: body.trigger_id, view: renderRevealedKeyModal(revealed.value.request, revealed.value.keyValue) });
  } catch (error) {
    // The modal did not open (Slack refused or was unreachable): put the key back so the button works again.
    const slackSaid = (error as { data?: { error?: string } }).data?.error ?? 'Slack did not answer';
    try {
      await revealed.value.undo();
    } catch (undoError) {
      deps.log.error({ requestId: revealed.value.request.id, error: (undoError as Error).message }, 'a key could not be put back after its reveal window failed to open');
      throw userFacing(`The reveal window could not be opened (${slackSaid}), and the key could not be kept for another try. Ask for a new key with \`/openai-key request\`; this one will be revoked.`);
    }
    throw userFacing(`The reveal window could not be opened (${slackSaid}). Your key is kept: click Reveal key again.`);
  }
  try {
    await recordReveal(deps, revealed.value.request);
  } catch (error) {
    // The key was shown; only the note in the thread is late. The reconciler does not need it.
    deps.log.warn({ requestId: revealed.value.request.id, error: (error as Error).message }, 'the reveal was shown but could not be recorded in the thread');
  }
}

/**
 * "Send another request" under a duplicate warning: sends the held-back request once (a second click is told
 * which request the first one sent), replacing the warning with the answer.
 */
async function sendAnotherFromButton(deps: SlackListenerDeps, { action, body, respond }: ButtonArgs): Promise<void> {
  const sent = await sendRequestDraft(deps, { draftId: action.value ?? '', userId: body.user.id });
  if (sent.ok) {
    await respond({ ...ephemeral(renderRequestSent(sent.value, deps.approvalChannel)), replace_original: true });
    return;
  }
  const e = sent.error;
  const answer =
    e.kind === 'sent'
      ? renderNoticeText(`That request was already sent: ${e.requestId}. See it with \`/openai-key list\`.`)
      : e.kind === 'claimed'
        ? renderNoticeText('That request is being sent right now; you will see its id in a moment.')
        : e.kind === 'missing'
          ? renderNoticeText('That draft is more than 15 minutes old, so it was not sent. Ask again with `/openai-key request`.')
          : e.kind === 'not_yours'
            ? renderNoticeText('Only the person who typed that request can send it.')
            : await answerOpenRefusal(deps, body.user.id, e);
  await respond({ ...ephemeral(answer), replace_original: false });
}

const renderNoticeText = (text: string) => renderErrorNotice({ what: text });

/** An error whose message is meant for the person who clicked (describeListenerFailure shows it as is). */
function userFacing(message: string): Error {
  return Object.assign(new Error(message), { failure: { message } });
}


/** From a hard-cap notice: the limit form, with a higher cap filled in. */
async function openHigherCapForm(deps: SlackListenerDeps, { action, body, client }: ButtonArgs): Promise<void> {
  const projectId = action.value ?? '';
  // Open now (the trigger lasts 3 s), fill in once the limits and the person's rights are read.
  const opened = await client.views.open({ trigger_id: body.trigger_id, view: renderNoticeModal('Spend limits', ':hourglass_flowing_sand: Reading the project’s limits…') });
  const current = await deps.limits.get(projectId);
  const asAdmin = isAdmin(body.user.id, await deps.groupsOf(body.user.id), deps.settings.policy);
  const currentHard = current?.hardCents ?? null;
  await client.views.update({
    view_id: opened.view?.id ?? '',
    view: renderLimitChangeModal({
      projectId,
      projectName: current?.projectName ?? projectId,
      current,
      ...(currentHard !== null ? { prefillHardCents: suggestHigherCap(currentHard) } : {}),
      asAdmin,
    }),
  });
}
