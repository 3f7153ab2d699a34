import type { InputBlock, KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import type { KeyRequest } from '../../domain/request.js';
import { INPUT, VIEW } from '../ids.js';
import { composeModal, contextBlock, fieldsBlock, plainText, sectionBlock } from './blocks.js';
import { BLOCK_KIT_LIMITS } from './limits.js';
import { codeSpan, escapeMrkdwn, fitUserText, pluralDays, slackDate } from './mrkdwn.js';
import { keyIdLabel, projectLabel, redactedKeyLabel } from './requestMessage.js';
import { revealRefusalContent, type RevealRefusal } from './revealRefusal.js';

export const PURPOSE_MIN_LENGTH = 10;
export const PURPOSE_MAX_LENGTH = 500;
export const DENY_REASON_MAX_LENGTH = 500;

export interface RequestModalOptions {
  readonly projects: readonly { readonly id: string; readonly name: string }[];
  readonly defaultDays: number;
  readonly maxDays: number;
  /** where `/openai-key request` was typed, so the submission can answer there */
  readonly channelId?: string;
  /** shown above the form, e.g. when a submission was refused and the form is shown again */
  readonly error?: string;
}

const projectOption = (project: { id: string; name: string }): PlainTextOption => ({
  text: plainText(project.name.trim() === '' ? project.id : project.name, BLOCK_KIT_LIMITS.optionText),
  value: project.id,
});

/** The `/openai-key request` form. */
export const renderRequestModal = (opts: RequestModalOptions): ModalView => {
  const blocks: KnownBlock[] = [];
  if (opts.error !== undefined && opts.error.trim() !== '') {
    blocks.push(sectionBlock(`:warning: ${fitUserText(opts.error, 1000)}`));
  }
  const privateMetadata: Record<string, string> = opts.channelId === undefined ? {} : { channelId: opts.channelId };

  // An option value longer than Slack allows could not be submitted intact, so such a project is not offered.
  const selectable = opts.projects.filter((p) => p.id.length > 0 && p.id.length <= BLOCK_KIT_LIMITS.optionValue);
  if (selectable.length === 0) {
    blocks.push(
      sectionBlock(
        ':information_source: There are no active projects to request a key for yet. Ask a keywarden admin to set one up.',
      ),
    );
    return composeModal({ callbackId: VIEW.requestKey, title: 'Request an OpenAI key', close: 'Close', blocks, privateMetadata });
  }

  const offered = selectable.slice(0, BLOCK_KIT_LIMITS.selectOptions);
  const maxDays = Math.max(1, Math.floor(opts.maxDays));
  const defaultDays = Math.min(maxDays, Math.max(1, Math.floor(opts.defaultDays)));
  const projectInput: InputBlock = {
    type: 'input',
    block_id: INPUT.project.block,
    label: plainText('Project', BLOCK_KIT_LIMITS.inputLabel),
    ...(selectable.length > offered.length
      ? { hint: plainText(`Showing the first ${offered.length} of ${selectable.length} projects.`, BLOCK_KIT_LIMITS.inputHint) }
      : {}),
    element: {
      type: 'static_select',
      action_id: INPUT.project.action,
      placeholder: plainText('Choose a project', BLOCK_KIT_LIMITS.placeholder),
      options: offered.map(projectOption),
    },
  };
  const purposeInput: InputBlock = {
    type: 'input',
    block_id: INPUT.purpose.block,
    label: plainText('Purpose', BLOCK_KIT_LIMITS.inputLabel),
    hint: plainText('What the key is for. Approvers read this before they decide.', BLOCK_KIT_LIMITS.inputHint),
    element: {
      type: 'plain_text_input',
      action_id: INPUT.purpose.action,
      multiline: true,
      min_length: PURPOSE_MIN_LENGTH,
      max_length: PURPOSE_MAX_LENGTH,
      placeholder: plainText('e.g. Nightly summarisation job for the support inbox', BLOCK_KIT_LIMITS.placeholder),
    },
  };
  const lifetimeInput: InputBlock = {
    type: 'input',
    block_id: INPUT.lifetime.block,
    label: plainText('Lifetime (days)', BLOCK_KIT_LIMITS.inputLabel),
    hint: plainText(`The key is revoked after this many days (1 to ${maxDays}).`, BLOCK_KIT_LIMITS.inputHint),
    element: {
      type: 'number_input',
      action_id: INPUT.lifetime.action,
      is_decimal_allowed: false,
      min_value: '1',
      max_value: String(maxDays),
      initial_value: String(defaultDays),
    },
  };
  blocks.push(projectInput, purposeInput, lifetimeInput);
  return composeModal({
    callbackId: VIEW.requestKey,
    title: 'Request an OpenAI key',
    submit: 'Request',
    close: 'Cancel',
    blocks,
    privateMetadata,
  });
};

/** Asks an approver why they deny; opened by the Deny button. */
export const renderDenyReasonModal = (requestId: string): ModalView =>
  composeModal({
    callbackId: VIEW.denyReason,
    title: 'Deny request',
    submit: 'Deny',
    close: 'Cancel',
    privateMetadata: { requestId },
    blocks: [
      sectionBlock('The requester sees this reason, in the thread and by DM.'),
      {
        type: 'input',
        block_id: INPUT.reason.block,
        optional: false,
        label: plainText('Reason', BLOCK_KIT_LIMITS.inputLabel),
        element: {
          type: 'plain_text_input',
          action_id: INPUT.reason.action,
          multiline: true,
          min_length: 1,
          max_length: DENY_REASON_MAX_LENGTH,
          focus_on_load: true,
        },
      },
    ],
  });

/**
 * The one place an API key value is ever rendered. The key is not shortened: a cut key is useless, and a real
 * OpenAI key is far below the section limit.
 */
export const renderRevealedKeyModal = (req: KeyRequest, keyValue: string): ModalView =>
  composeModal({
    callbackId: VIEW.revealedKey,
    title: 'Your OpenAI key',
    close: 'Done',
    blocks: [
      sectionBlock(`Your key for ${projectLabel(req)}:`),
      sectionBlock('```' + escapeMrkdwn(keyValue) + '```'),
      sectionBlock(
        ':warning: *Copy it now.* This is the only time it is shown, and keywarden does not store it. ' +
          'If you lose it, request a new one with `/openai-key request`.',
      ),
      sectionBlock(
        '*Use it*\n' +
          '```export OPENAI_API_KEY=...   # paste the key in place of ...\n' +
          'curl https://api.openai.com/v1/models -H "Authorization: Bearer $OPENAI_API_KEY"```\n' +
          'The OpenAI SDKs read `OPENAI_API_KEY` from the environment: `new OpenAI()` in Node, `OpenAI()` in Python.',
      ),
      fieldsBlock([
        `*Project*\n${projectLabel(req)}`,
        `*Key (masked)*\n${redactedKeyLabel(req)}`,
        `*Key id*\n${keyIdLabel(req)}`,
        `*Request id*\n${codeSpan(req.id, 40)}`,
        `*Expires*\n${req.keyExpiresAt === undefined ? 'when revoked' : slackDate(req.keyExpiresAt)}`,
        `*Lifetime*\n${pluralDays(req.lifetimeDays)}`,
      ]),
      contextBlock('Keep it out of source control, tickets and chat. Store it in a secret manager.'),
    ],
  });

/** Shown instead of the key when the reveal button cannot show one. */
export const renderRevealRefusalModal = (refusal: RevealRefusal, req: KeyRequest): ModalView => {
  const { title, body } = revealRefusalContent(refusal, req);
  return composeModal({ title, close: 'Close', blocks: [sectionBlock(body)] });
};

export const renderAlreadyRevealedModal = (req: KeyRequest): ModalView => renderRevealRefusalModal('already_revealed', req);
export const renderRevealWindowPassedModal = (req: KeyRequest): ModalView =>
  renderRevealRefusalModal('reveal_window_passed', req);
export const renderNotYourKeyModal = (req: KeyRequest): ModalView => renderRevealRefusalModal('not_yours', req);

/** A modal that only tells something (no submit): a refusal, or "loading" while a form is prepared. */
export const renderNoticeModal = (title: string, mrkdwn: string): ModalView => ({
  type: 'modal',
  // Slack refuses an empty title or section text (invalid_arguments): blank input gets a neutral word instead.
  title: plainText(title.trim() === '' ? 'keywarden' : title, BLOCK_KIT_LIMITS.modalTitle),
  close: plainText('Close', BLOCK_KIT_LIMITS.buttonText),
  blocks: [sectionBlock(mrkdwn.trim() === '' ? 'Nothing more to say here.' : mrkdwn)],
});
