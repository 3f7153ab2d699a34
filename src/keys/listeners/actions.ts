/** The key buttons: "Reveal key" (in the requester's DM) and "Send another request" (under a duplicate-request warning). */
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { ackedButton, ephemeral, type ButtonArgs, type ListenerContext } from '../../platform/slack/context.js';
import { ACTION } from '../../platform/slack/ids.js';
import { recordReveal, revealKey, sendRequestDraft, type KeyRequestDeps } from '../index.js';
import { renderRequestSent, renderRevealedKeyModal, renderRevealRefusalModal, revealRefusalFor } from '../render/index.js';
import { renderErrorNotice } from '../../platform/slack/render/notices.js';
import { renderNoticeModal } from '../../platform/slack/render/noticeModal.js';
import { answerOpenRefusal } from './openRefusal.js';

export type KeyActionDeps = Pick<KeyRequestDeps, 'keyRequests' | 'audit' | 'projects' | 'queues' | 'clock' | 'settings' | 'approvals'> &
  Pick<ListenerContext, 'log'> & { readonly approvalChannel: string };

/** Registers the key buttons; each acknowledges at once and answers a failure to the clicker alone. */
export function register(app: App, deps: KeyActionDeps): void {
  app.action<BlockAction<ButtonAction>>(ACTION.revealKey, ackedButton(deps, revealFromButton, renderErrorNotice));
  app.action<BlockAction<ButtonAction>>(ACTION.sendAnotherRequest, ackedButton(deps, sendAnotherFromButton, renderErrorNotice));
}

/**
 * "Reveal key": the key, once, in a modal opened on the click's trigger; a refusal (not found, not the owner's, not
 * ready, already revealed, too late) is a modal in words. A window that fails to open puts the key back.
 */
async function revealFromButton(deps: KeyActionDeps, { action, body, client }: ButtonArgs): Promise<void> {
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
async function sendAnotherFromButton(deps: KeyActionDeps, { action, body, respond }: ButtonArgs): Promise<void> {
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

