/** Modal submissions: the key request form and the deny reason. */
import type { AllMiddlewareArgs, App, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { decideRequest, openRequest } from '../../../services/keyRequests.js';
import { changeLimits, decideLimitChange } from '../../../services/limits.js';
import { isLimitRequestId } from '../../../domain/limitRequest.js';
import { parseThresholds } from '../../../domain/limits.js';
import { parseAmount, type Cents } from '../../../domain/money.js';
import { limitRefusalInWords } from '../../render/limits/index.js';
import { INPUT, VIEW } from '../../ids.js';
import { refusalInWords, renderErrorNotice, renderRequestSent } from '../../render/index.js';
import { parseLifetimeDays, validatePurpose } from '../../../domain/projects.js';
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
    await tell(opened.ok ? renderRequestSent(opened.value, deps.approvalChannel) : renderErrorNotice(opened.error));
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
  // The form was drawn for an admin (note optional) or for a request (reason required): it says which.
  const reasonBlock = (view.blocks as { block_id?: string; optional?: boolean }[]).find((b) => b.block_id === INPUT.limitReason.block);
  if (!reason && reasonBlock && !reasonBlock.optional) errors[INPUT.limitReason.block] = 'Say why the change is needed; approvers read it before they decide.';
  if (Object.keys(errors).length > 0) {
    await ack({ response_action: 'errors', errors });
    return;
  }
  // Slack allows 3 s for the answer to a submission: what needs Redis, Slack or OpenAI happens after it.
  await ack();
  const tell = (text: string) => client.chat.postMessage({ channel: body.user.id, text: text.replace(/[<>&]/g, '') }).catch(() => undefined);
  try {
    const current = await deps.limits.get(projectId);
    // Prefilled values left as they were are not changes.
    if (change.soft !== undefined && current?.softCents === change.soft) delete change.soft;
    if (change.hard !== undefined && current?.hardCents === change.hard) delete change.hard;
    if (change.thresholds && current && change.thresholds.join(',') === current.thresholds.join(',')) delete change.thresholds;
    const changed = await changeLimits(deps, { actorId: body.user.id, project: projectId, change, ...(reason ? { reason } : {}) });
    if (!changed.ok) {
      await tell(`Your limit change was not made: ${[changed.error.what, changed.error.hint].filter(Boolean).join(' ')}`);
      return;
    }
    await tell(
      changed.value.kind === 'applied'
        ? `Applied: the limits for ${changed.value.project.name} are changed and announced in the alert channel.`
        : `Your limit change for ${changed.value.request.projectName} is waiting for an approver (${changed.value.request.id}). You will get a DM when it is decided.`,
    );
  } catch (error) {
    deps.log.warn({ user: body.user.id, error: (error as Error).message }, 'limit form failed');
    await tell(`Your limit change was not made: ${describeListenerFailure(error)}`);
  }
}
