/** Modal submissions: the key request form and the deny reason. */
import type { AllMiddlewareArgs, App, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { decideRequest, openRequest } from '../../../services/keyRequests.js';
import { changeLimits, decideLimitChange } from '../../../services/limits.js';
import { isLimitRequestId } from '../../../domain/limitRequest.js';
import { parseThresholds } from '../../../domain/limits.js';
import { parseAmount, type Cents } from '../../../domain/money.js';
import { isAdmin } from '../../../domain/request.js';
import { limitRefusalInWords } from '../../render/limits/index.js';
import { INPUT, VIEW } from '../../ids.js';
import { refusalInWords, renderRequestSent } from '../../render/index.js';
import { describeListenerFailure, type SlackListenerDeps } from '../../context.js';

type ViewArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

export function register(app: App, deps: SlackListenerDeps): void {
  app.view<ViewSubmitAction>(VIEW.requestKey, (args) => submitKeyRequest(deps, args));
  app.view<ViewSubmitAction>(VIEW.denyReason, (args) => submitDenyReason(deps, args));
  app.view<ViewSubmitAction>(VIEW.limitChange, (args) => submitLimitChange(deps, args));
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
    const input = { requestId, actorId: body.user.id, decision: { kind: 'deny' as const, reason }, via: 'modal' as const };
    const decided = isLimitRequestId(requestId) ? await decideLimitChange(deps, input) : await decideRequest(deps, input);
    if (!decided.ok) {
      const refusal = decided.error;
      const text =
        refusal.kind === 'not_found'
          ? 'That request no longer exists.'
          : isLimitRequestId(requestId)
            ? limitRefusalInWords(body.user.id, refusal)
            : refusalInWords(body.user.id, refusal);
      await client.chat.postEphemeral({ channel: deps.approvalChannel, user: body.user.id, text });
    }
  } catch (error) {
    deps.log.warn({ user: body.user.id, error: (error as Error).message }, 'deny failed');
    await client.chat.postEphemeral({ channel: deps.approvalChannel, user: body.user.id, text: describeListenerFailure(error) }).catch(() => undefined);
  }
}

/** The limit form (from a hard-cap notice's "Request a higher cap"): applied by admins, requested by anyone else. */
async function submitLimitChange(deps: SlackListenerDeps, { ack, view, body, client }: ViewArgs): Promise<void> {
  const values = view.state.values;
  const projectId = metadata(view.private_metadata).projectId ?? '';
  const errors: Record<string, string> = {};
  const change: { soft?: Cents; hard?: Cents | 'off'; thresholds?: number[] } = {};
  const soft = inputValue(values, INPUT.limitSoft);
  const hard = inputValue(values, INPUT.limitHard);
  const at = inputValue(values, INPUT.limitThresholds);
  const reason = inputValue(values, INPUT.limitReason);
  const current = await deps.limits.get(projectId);
  if (soft) {
    const parsed = parseAmount(soft);
    if (parsed.ok) change.soft = parsed.value;
    else errors[INPUT.limitSoft.block] = parsed.error.message;
  }
  if (hard) {
    if (/^off$/i.test(hard)) change.hard = 'off';
    else {
      const parsed = parseAmount(hard);
      if (parsed.ok) change.hard = parsed.value;
      else errors[INPUT.limitHard.block] = parsed.error.message;
    }
  }
  if (at) {
    const parsed = parseThresholds(at);
    if (parsed.ok) change.thresholds = parsed.value;
    else errors[INPUT.limitThresholds.block] = parsed.error.message;
  }
  // Unchanged prefilled values are not changes.
  if (change.soft !== undefined && current?.softCents === change.soft) delete change.soft;
  if (change.hard !== undefined && current?.hardCents === change.hard) delete change.hard;
  if (change.thresholds && current && change.thresholds.join(',') === current.thresholds.join(',')) delete change.thresholds;
  const admin = isAdmin(body.user.id, await deps.groupsOf(body.user.id), deps.settings.policy);
  if (!admin && !reason) errors[INPUT.limitReason.block] = 'Say why the change is needed; approvers read it before they decide.';
  if (Object.keys(errors).length > 0) {
    await ack({ response_action: 'errors', errors });
    return;
  }
  let changed;
  try {
    changed = await changeLimits(deps, { actorId: body.user.id, project: projectId, change, ...(reason ? { reason } : {}) });
  } catch (error) {
    await ack({ response_action: 'errors', errors: { [INPUT.limitHard.block]: describeListenerFailure(error) } });
    return;
  }
  if (!changed.ok) {
    await ack({ response_action: 'errors', errors: { [INPUT.limitHard.block]: [changed.error.what, changed.error.hint].filter(Boolean).join(' ') } });
    return;
  }
  await ack();
  const text =
    changed.value.kind === 'applied'
      ? `Applied: the limits for ${changed.value.project.name} are changed and announced in the alert channel.`
      : `Your limit change for ${changed.value.request.projectName} is waiting for an approver (${changed.value.request.id}). You will get a DM when it is decided.`;
  await client.chat.postMessage({ channel: body.user.id, text: text.replace(/[<>&]/g, '') }).catch(() => undefined);
}
