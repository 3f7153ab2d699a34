import { changeLimits } from '../../../services/limits.js';
import { parseThresholds } from '../../../domain/limits.js';
import { parseAmount, type Cents } from '../../../domain/money.js';
import { INPUT } from '../../ids.js';
import { describeListenerFailure, type SlackListenerDeps } from '../../context.js';
import { inputValue, metadata, type ViewArgs } from './viewState.js';

/** The limit form (from a hard-cap notice's "Request a higher cap"): applied by admins, requested by anyone else. */
export async function submitLimitChange(deps: SlackListenerDeps, { ack, view, body, client }: ViewArgs): Promise<void> {
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
