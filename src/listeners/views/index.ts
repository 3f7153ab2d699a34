/** Modal submissions: the key request form, the deny reason, and (in limitChange.ts) the limit form. */
import type { App, ViewSubmitAction } from '@slack/bolt';
import { openRequest } from '../../keys/index.js';
import { INPUT, VIEW } from '../../platform/slack/ids.js';
import { renderErrorNotice, renderRequestSent } from '../../keys/render/index.js';
import { answerOpenRefusal } from '../commands/index.js';
import { parseLifetimeDays, validatePurpose } from '../../platform/domain/projects.js';
import { describeListenerFailure, type SlackListenerDeps } from '../../platform/slack/context.js';
import { submitLimitChange } from './limitChange.js';
import { inputValue, metadata, type ViewArgs } from './viewState.js';

export function register(app: App, deps: SlackListenerDeps): void {
  app.view<ViewSubmitAction>(VIEW.requestKey, (args) => submitKeyRequest(deps, args));
  app.view<ViewSubmitAction>(VIEW.denyReason, (args) => submitDenyReason(deps, args));
  app.view<ViewSubmitAction>(VIEW.limitChange, (args) => submitLimitChange(deps, args));
}

async function submitKeyRequest(deps: SlackListenerDeps, { ack, view, body, client }: ViewArgs): Promise<void> {
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

async function submitDenyReason(deps: SlackListenerDeps, { ack, view, body, client }: ViewArgs): Promise<void> {
  const reason = inputValue(view.state.values, INPUT.reason);
  if (!reason) {
    await ack({ response_action: 'errors', errors: { [INPUT.reason.block]: 'Say why the request is denied; the requester will see it.' } });
    return;
  }
  await ack();
  const requestId = metadata(view.private_metadata).requestId ?? '';
  try {
    const decided = await deps.approvals.decide({ requestId, actorId: body.user.id, decision: { kind: 'deny', reason }, via: 'modal' });
    if (!decided.ok) await client.chat.postEphemeral({ channel: deps.approvalChannel, user: body.user.id, text: deps.approvals.refusalInWords(body.user.id, decided.error) });
  } catch (error) {
    deps.log.warn({ user: body.user.id, error: (error as Error).message }, 'deny failed');
    await client.chat.postEphemeral({ channel: deps.approvalChannel, user: body.user.id, text: describeListenerFailure(error) }).catch(() => undefined);
  }
}
