import type { InputBlock, KnownBlock, ModalView } from '@slack/types';
import { DEFAULT_THRESHOLDS, type ProjectLimits } from '../domain/limits.js';
import { formatCents, type Cents } from '../../platform/domain/money.js';
import { INPUT, VIEW } from '../../platform/slack/ids.js';
import { composeModal, contextBlock, plainText, sectionBlock } from '../../platform/slack/render/blocks.js';
import { BLOCK_KIT_LIMITS } from '../../platform/slack/render/blockKitLimits.js';
import { fitUserText } from '../../platform/slack/render/mrkdwn.js';
import { channelText, formatLimit, formatThresholds, projectLabel } from './format.js';

export const LIMIT_REASON_MAX_LENGTH = 500;
const AMOUNT_MAX_LENGTH = 20;
const THRESHOLDS_MAX_LENGTH = 40;

export interface LimitChangeModalOptions {
  readonly projectId: string;
  readonly projectName: string;
  readonly current: ProjectLimits | null;
  /** a suggested higher hard cap, filled in instead of the current one (from a hard-cap notice) */
  readonly prefillHardCents?: Cents;
  /** shown above the form, e.g. when a submission was refused and the form is shown again */
  readonly error?: string;
  /** admins apply the change at once, so the reason is optional; anyone else asks approvers and must say why */
  readonly asAdmin?: boolean;
}

const textInput = (opts: {
  readonly ids: { readonly block: string; readonly action: string };
  readonly label: string;
  readonly hint: string;
  readonly optional: boolean;
  readonly maxLength: number;
  readonly initial?: string;
  readonly placeholder?: string;
  readonly multiline?: boolean;
}): InputBlock => ({
  type: 'input',
  block_id: opts.ids.block,
  optional: opts.optional,
  label: plainText(opts.label, BLOCK_KIT_LIMITS.inputLabel),
  hint: plainText(opts.hint, BLOCK_KIT_LIMITS.inputHint),
  element: {
    type: 'plain_text_input',
    action_id: opts.ids.action,
    max_length: opts.maxLength,
    ...(opts.optional ? {} : { min_length: 1 }),
    ...(opts.multiline === true ? { multiline: true } : {}),
    ...(opts.initial === undefined ? {} : { initial_value: opts.initial }),
    ...(opts.placeholder === undefined ? {} : { placeholder: plainText(opts.placeholder, BLOCK_KIT_LIMITS.placeholder) }),
  },
});

/**
 * The form to change a project's spend limits (callback `VIEW.limitChange`, private metadata `{ projectId,
 * higherCap? }`),
 * opened by the "Request a higher cap" button on hard-cap notices. Empty amount fields keep the current values.
 */
export const renderLimitChangeModal = (opts: LimitChangeModalOptions): ModalView => {
  const { current } = opts;
  const asAdmin = opts.asAdmin === true;
  const blocks: KnownBlock[] = [];
  if (opts.error !== undefined && opts.error.trim() !== '') blocks.push(sectionBlock(`:warning: ${fitUserText(opts.error, 1000)}`));
  const now =
    current === null
      ? 'No limits are set yet.'
      : `Now: soft ${formatLimit(current.softCents)} · hard ${formatLimit(current.hardCents)} · ` +
        `alerts at ${formatThresholds(current.thresholds)} in ${channelText(current.channelId)}`;
  blocks.push(sectionBlock(`Spend limits for ${projectLabel({ id: opts.projectId, name: opts.projectName })}\n${now}`));
  if (opts.prefillHardCents !== undefined) {
    blocks.push(
      contextBlock(
        `:arrow_up: The hard cap is filled in with a suggested ${formatCents(opts.prefillHardCents)}` +
          (current?.hardCents === null || current === null ? '.' : `, up from ${formatCents(current.hardCents)}.`) +
          ' Change it if you need more or less.',
      ),
    );
  }
  const hard = opts.prefillHardCents ?? current?.hardCents ?? null;
  blocks.push(
    textInput({
      ids: INPUT.limitSoft,
      label: 'Soft limit (USD per month)',
      hint: 'Alerts only: nothing is blocked. Like 500 or 1.2k. Leave empty to keep it as it is.',
      optional: true,
      maxLength: AMOUNT_MAX_LENGTH,
      ...(current?.softCents === null || current === null ? {} : { initial: formatCents(current.softCents) }),
      placeholder: 'e.g. 500',
    }),
    textInput({
      ids: INPUT.limitHard,
      label: 'Hard cap (USD per month)',
      hint: 'Set at OpenAI, which refuses the project’s requests once it is reached. Type off to remove it. Leave empty to keep it as it is.',
      optional: true,
      maxLength: AMOUNT_MAX_LENGTH,
      ...(hard === null ? {} : { initial: formatCents(hard) }),
      placeholder: 'e.g. 800',
    }),
    textInput({
      ids: INPUT.limitThresholds,
      label: 'Alert thresholds (%)',
      hint: 'Percentages of the limits at which alerts go out: 1 to 5 of them, going up, like 50, 80, 100.',
      optional: true,
      maxLength: THRESHOLDS_MAX_LENGTH,
      initial: formatThresholds(current?.thresholds ?? DEFAULT_THRESHOLDS),
    }),
    textInput({
      ids: INPUT.limitReason,
      label: asAdmin ? 'Note' : 'Why',
      hint: asAdmin
        ? 'Kept in the audit log.'
        : 'Approvers read this before they decide, e.g. what the extra spend is for and for how long.',
      optional: asAdmin,
      maxLength: LIMIT_REASON_MAX_LENGTH,
      multiline: true,
    }),
    contextBlock(
      asAdmin
        ? 'As an admin, your change applies at once and is announced in the alert channel.'
        : 'An approver decides in the approvals channel; you get a DM when they do.',
    ),
  );
  return composeModal({
    callbackId: VIEW.limitChange,
    title: asAdmin ? 'Change spend limits' : 'Request a limit change',
    submit: asAdmin ? 'Apply' : 'Request',
    close: 'Cancel',
    blocks,
    // `higherCap`: the submission must raise the cap (checked in the form, against the stored cap and spend)
    privateMetadata: { projectId: opts.projectId, ...(opts.prefillHardCents !== undefined ? { higherCap: '1' } : {}) },
  });
};
