/** Modal submissions: the key request form and the deny reason. */
import type { AllMiddlewareArgs, App, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { decideRequest, openRequest } from '../../../services/keyRequests.js';
import { INPUT, VIEW } from '../../ids.js';
import { refusalInWords, renderRequestSent } from '../../render/index.js';
import { describeListenerFailure, type SlackListenerDeps } from '../../context.js';

type ViewArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

export function register(app: App, deps: SlackListenerDeps): void {
  app.view<ViewSubmitAction>(VIEW.requestKey, (args) => submitKeyRequest(deps, args));
  app.view<ViewSubmitAction>(VIEW.denyReason, (args) => submitDenyReason(deps, args));
}

type StateValues = ViewSubmitAction['view']['state']['values'];
const inputValue = (values: StateValues, at: { block: string; action: string }): string => {
  const v = values[at.block]?.[at.action];
  if (!v) return '';
  return String(v.selected_option?.value ?? v.value ?? '').trim();
};

function metadata(raw: string): Record<string, string> {
  try {
    const parsed = JSON.parse(raw) as unknown;
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, string>) : {};
  } catch {
    return {};
  }
}

async function submitKeyRequest(deps: SlackListenerDeps, { ack, view, body, client }: ViewArgs): Promise<void> {
  const values = view.state.values;
  const project = inputValue(values, INPUT.project);
  if (!project) {
    await ack({ response_action: 'errors', errors: { [INPUT.project.block]: 'Pick a project.' } });
    return;
  }
  let opened;
  try {
    opened = await openRequest(deps, {
      requesterId: body.user.id,
      project,
      purpose: inputValue(values, INPUT.purpose),
      lifetimeDays: inputValue(values, INPUT.lifetime),
    });
  } catch (error) {
    deps.log.warn({ user: body.user.id, error: (error as Error).message }, 'request modal failed');
    await ack({ response_action: 'errors', errors: { [INPUT.purpose.block]: describeListenerFailure(error) } });
    return;
  }
  if (!opened.ok) {
    const block = /purpose|characters/i.test(opened.error.what) ? INPUT.purpose.block : /day/i.test(opened.error.what) ? INPUT.lifetime.block : INPUT.project.block;
    await ack({ response_action: 'errors', errors: { [block]: [opened.error.what, opened.error.hint].filter(Boolean).join(' ') } });
    return;
  }
  await ack();
  const channel = metadata(view.private_metadata).channelId;
  const notice = renderRequestSent(opened.value, deps.approvalChannel);
  try {
    if (channel) await client.chat.postEphemeral({ channel, user: body.user.id, text: notice.text, blocks: notice.blocks });
  } catch {
    // The command's channel may not admit the bot (a DM with someone else): the DM on decision still reaches them.
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
    const decided = await decideRequest(deps, { requestId, actorId: body.user.id, decision: { kind: 'deny', reason }, via: 'modal' });
    if (!decided.ok) {
      const refusal = decided.error;
      const text = refusal.kind === 'not_found' ? 'That request no longer exists.' : refusalInWords(body.user.id, refusal);
      await client.chat.postEphemeral({ channel: deps.approvalChannel, user: body.user.id, text });
    }
  } catch (error) {
    deps.log.warn({ user: body.user.id, error: (error as Error).message }, 'deny failed');
    await client.chat.postEphemeral({ channel: deps.approvalChannel, user: body.user.id, text: describeListenerFailure(error) }).catch(() => undefined);
  }
}
