/** The limit form's submission (opened from a hard-cap notice's "Request a higher cap"). */
import type { App, ViewSubmitAction } from '@slack/bolt';
import { parseAmount, type Cents } from '../../platform/domain/money.js';
import { secretLeftIn } from '../../platform/domain/redact.js';
import { DeadlinePassed, withDeadline } from '../../platform/ops/deadline.js';
import { describeListenerFailure, type ListenerContext } from '../../platform/slack/context.js';
import { isStoreUnavailable } from '../../platform/redis/storeUnavailable.js';
import { INPUT, VIEW } from '../../platform/slack/ids.js';
import { inputValue, metadata, type ViewArgs } from '../../platform/slack/viewState.js';
import { parseThresholds, type LimitChange } from '../domain/limits.js';
import { changeLimits, checkLimitForm, type LimitDeps, type LimitFormErrors } from '../index.js';
import { renderLimitFormOutcome } from '../render/index.js';

export type LimitFormDeps = LimitDeps & Pick<ListenerContext, 'log'>;

/** Registers the limit form's submission. */
export function register(app: App, deps: LimitFormDeps): void {
  app.view<ViewSubmitAction>(VIEW.limitChange, (args) => submitLimitChange(deps, args));
}

/**
 * How long the form's checks against the store may take. Slack drops a view submission not answered within 3 s
 * (https://docs.slack.dev/surfaces/modals#interactions); Redis answers in milliseconds, so this only bites when the
 * store is unwell, and then the form says so instead of closing.
 */
export const LIMIT_FORM_CHECK_MS = 1_500;

const BLOCK_OF: Readonly<Record<keyof LimitFormErrors, string>> = {
  soft: INPUT.limitSoft.block,
  hard: INPUT.limitHard.block,
  thresholds: INPUT.limitThresholds.block,
  // the form has no channel field; a channel complaint (none today) is shown on the hard cap, the form's main field
  channel: INPUT.limitHard.block,
  form: INPUT.limitHard.block,
};

const blockErrors = (errors: LimitFormErrors): Record<string, string> =>
  Object.fromEntries(Object.entries(errors).map(([field, message]) => [BLOCK_OF[field as keyof LimitFormErrors], message]));

/**
 * The limit form (from a hard-cap notice's "Request a higher cap"): applied by admins, requested by anyone else.
 * Everything that can be checked against stored state is checked before the form closes, and answered on its
 * block (`response_action: errors`); only what OpenAI decides (accepting the cap) is told afterwards, by DM.
 */
async function submitLimitChange(deps: LimitFormDeps, { ack, view, body, client }: ViewArgs): Promise<void> {
  const values = view.state.values;
  const meta = metadata(view.private_metadata);
  const projectId = meta.projectId ?? '';
  const errors: Record<string, string> = {};
  const typed: { soft?: Cents; hard?: Cents | 'off'; thresholds?: number[] } = {};
  const soft = inputValue(values, INPUT.limitSoft);
  const hard = inputValue(values, INPUT.limitHard);
  const at = inputValue(values, INPUT.limitThresholds);
  const reason = inputValue(values, INPUT.limitReason);
  if (soft) {
    const parsed = parseAmount(soft);
    if (parsed.ok) typed.soft = parsed.value;
    else errors[INPUT.limitSoft.block] = parsed.error.message;
  }
  if (hard) {
    if (/^off$/i.test(hard)) typed.hard = 'off';
    else {
      const parsed = parseAmount(hard);
      if (parsed.ok) typed.hard = parsed.value;
      else errors[INPUT.limitHard.block] = parsed.error.message;
    }
  }
  if (at) {
    const parsed = parseThresholds(at);
    if (parsed.ok) typed.thresholds = parsed.value;
    else errors[INPUT.limitThresholds.block] = parsed.error.message;
  }
  // The form was drawn for an admin (note optional) or for a request (reason required): it says which.
  const reasonBlock = (view.blocks as { block_id?: string; optional?: boolean }[]).find((b) => b.block_id === INPUT.limitReason.block);
  if (!reason && reasonBlock && !reasonBlock.optional) errors[INPUT.limitReason.block] = 'Say why the change is needed; approvers read it before they decide.';
  const secretInReason = reason ? secretLeftIn(reason, 'reason') : null;
  if (secretInReason !== null) errors[INPUT.limitReason.block] = secretInReason;
  if (Object.keys(errors).length > 0) {
    await ack({ response_action: 'errors', errors });
    return;
  }

  // Checked against the stored limits and spend before the form closes, within Slack's 3 s.
  let change: LimitChange;
  try {
    const checked = await withDeadline(checkLimitForm(deps, { projectId, change: typed, higherCap: meta.higherCap === '1' }), LIMIT_FORM_CHECK_MS, 'the limit form check');
    if (!checked.ok) {
      await ack({ response_action: 'errors', errors: blockErrors(checked.error) });
      return;
    }
    change = checked.value;
  } catch (error) {
    deps.log.warn({ user: body.user.id, error: (error as Error).message }, 'limit form check failed');
    const what = isStoreUnavailable(error) || error instanceof DeadlinePassed
      ? 'keywarden could not read the current limits in time, so nothing was changed. Your values are still here: submit again in a moment.'
      : 'Something went wrong on keywarden’s side and it has been logged, so nothing was changed. Your values are still here: submit again in a moment.';
    await ack({ response_action: 'errors', errors: { [INPUT.limitHard.block]: what } });
    return;
  }
  await ack();

  const tell = async (outcome: Parameters<typeof renderLimitFormOutcome>[0]) => {
    const message = renderLimitFormOutcome(outcome);
    await client.chat.postMessage({ channel: body.user.id, text: message.text, blocks: message.blocks }).catch(() => undefined);
  };
  try {
    const changed = await changeLimits(deps, { actorId: body.user.id, project: projectId, change, ...(reason ? { reason } : {}) });
    if (!changed.ok) {
      await tell({ kind: 'refused', error: changed.error });
      return;
    }
    if (changed.value.kind === 'applied') {
      await tell({ kind: 'applied', project: changed.value.project, announcedIn: changed.value.after.channelId ?? deps.settings.alertChannel });
    } else {
      const r = changed.value.request;
      await tell({ kind: 'requested', project: { id: r.projectId, name: r.projectName }, requestId: r.id });
    }
  } catch (error) {
    deps.log.warn({ user: body.user.id, error: (error as Error).message }, 'limit form failed');
    await tell({ kind: 'refused', error: { what: describeListenerFailure(error) } });
  }
}
