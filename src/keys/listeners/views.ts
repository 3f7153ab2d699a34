/** The key request form (from `/openai-key request` alone): checked in the form, then sent as a request. */
import type { App, ViewSubmitAction } from '@slack/bolt';
import { parseLifetimeDays, validatePurpose } from '../domain/requestInput.js';
import { describeListenerFailure, type ListenerContext } from '../../platform/slack/context.js';
import { INPUT, VIEW } from '../../platform/slack/ids.js';
import { inputValue, metadata, type ViewArgs } from '../../platform/slack/viewState.js';
import { openRequest, type KeyRequestDeps } from '../index.js';
import { renderRequestSent } from '../render/index.js';
import { renderErrorNotice } from '../../platform/slack/render/notices.js';
import { answerOpenRefusal } from './openRefusal.js';

export type KeyViewDeps = Pick<KeyRequestDeps, 'keyRequests' | 'audit' | 'projects' | 'queues' | 'clock' | 'settings' | 'approvals'> &
  Pick<ListenerContext, 'log'> & { readonly approvalChannel: string };

/** Registers the request form's submission. */
export function register(app: App, deps: KeyViewDeps): void {
  app.view<ViewSubmitAction>(VIEW.requestKey, (args) => submitKeyRequest(deps, args));
}

/** Opens a key request from the form; its answer (or refusal) is told ephemerally in the command's channel, else by DM. */
async function submitKeyRequest(deps: KeyViewDeps, { ack, view, body, client }: ViewArgs): Promise<void> {
  const values = view.state.values;
  const project = inputValue(values, INPUT.project);
  // What can be checked without I/O is answered in the form itself; the rest after the ack (Slack allows 3 s).
  const errors: Record<string, string> = {};
  if (!project) errors[INPUT.project.block] = 'Pick a project.';
  const purpose = validatePurpose(inputValue(values, INPUT.purpose));
  if (!purpose.ok) errors[INPUT.purpose.block] = purpose.error.message;
  const lifetime = parseLifetimeDays(inputValue(values, INPUT.lifetime), { defaultDays: deps.settings.keyDays.default, maxDays: deps.settings.keyDays.max });
  if (!lifetime.ok) errors[INPUT.lifetime.block] = lifetime.error.message;
  if (Object.keys(errors).length > 0 || !purpose.ok || !lifetime.ok) {
    await ack({ response_action: 'errors', errors });
    return;
  }
  await ack();
  const channel = metadata(view.private_metadata).channelId;
  const tell = async (message: { text: string; blocks: unknown[] }) => {
    try {
      if (channel) {
        await client.chat.postEphemeral({ channel, user: body.user.id, text: message.text, blocks: message.blocks as never });
        return;
      }
    } catch {
      // The command's channel may not admit the bot (a DM with someone else): tell them by DM instead.
    }
    await client.chat.postMessage({ channel: body.user.id, text: message.text, blocks: message.blocks as never }).catch(() => undefined);
  };
  try {
    const opened = await openRequest(deps, { requesterId: body.user.id, project, purpose: purpose.value, lifetimeDays: lifetime.value });
    // A duplicate is answered with the waiting request's id and a "Send another request" button.
    await tell(opened.ok ? renderRequestSent(opened.value, deps.approvalChannel) : await answerOpenRefusal(deps, body.user.id, opened.error));
  } catch (error) {
    deps.log.warn({ user: body.user.id, error: (error as Error).message }, 'request form failed');
    await tell(renderErrorNotice({ what: `Your request was not sent: ${describeListenerFailure(error)}` }));
  }
}
