import type { InputBlock, KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import type { KeyRequest } from '../domain/keyRequest.js';
import { PURPOSE_MAX_CHARS, PURPOSE_MIN_CHARS } from '../domain/requestInput.js';
import { INPUT, VIEW } from '../../platform/slack/ids.js';
import { composeModal, contextBlock, fieldsBlock, plainText, sectionBlock } from '../../platform/slack/render/blocks.js';
import { BLOCK_KIT_LIMITS } from '../../platform/slack/render/blockKitLimits.js';
import { codeSpan, escapeMrkdwn, fitUserText, pluralDays, slackDate, truncateText } from '../../platform/slack/render/mrkdwn.js';
import { keyIdLabel, projectLabel, redactedKeyLabel } from './requestMessage.js';
import { revealRefusalContent, type RevealRefusal } from './revealRefusal.js';

export interface RequestModalOptions {
  /**
   * How many active projects the cached list holds, for the field's hint; 0 says there are none to ask for (the form
   * then has no inputs); null or absent when the list has not been read yet (the picker loads it as people type).
   */
  readonly activeProjects?: number | null;
  readonly defaultDays: number;
  readonly maxDays: number;
  /** where `/openai-key request` was typed, so the submission can answer there */
  readonly channelId?: string;
  /** shown above the form, e.g. when a submission was refused and the form is shown again */
  readonly error?: string;
}

/**
 * The request form. Its project field is an `external_select`: Slack asks keywarden for options as the person types
 * (a `block_suggestion` answered by `renderProjectOptions`), so the form needs no project list to open, and any of an
 * organization's 2,000 projects can be chosen (https://docs.slack.dev/reference/block-kit/block-elements/select-menu-element#external_select).
 * The submitted `selected_option.value` is the project id.
 */
export const renderRequestModal = (opts: RequestModalOptions): ModalView => {
  const blocks: KnownBlock[] = [];
  if (opts.error !== undefined && opts.error.trim() !== '') {
    blocks.push(sectionBlock(`:warning: ${fitUserText(opts.error, 1000)}`));
  }
  const privateMetadata: Record<string, string> = opts.channelId === undefined ? {} : { channelId: opts.channelId };

  if (opts.activeProjects === 0) {
    blocks.push(
      sectionBlock(
        ':information_source: There are no active projects to request a key for yet. Ask a keywarden admin to set one up.',
      ),
    );
    return composeModal({ callbackId: VIEW.requestKey, title: 'Request an OpenAI key', close: 'Close', blocks, privateMetadata });
  }

  const maxDays = Math.max(1, Math.floor(opts.maxDays));
  const defaultDays = Math.min(maxDays, Math.max(1, Math.floor(opts.defaultDays)));
  const count = opts.activeProjects ?? null;
  const projectInput: InputBlock = {
    type: 'input',
    block_id: INPUT.project.block,
    label: plainText('Project', BLOCK_KIT_LIMITS.inputLabel),
    hint: plainText(
      count === null
        ? 'Type part of the project’s name, or its id (proj_…).'
        : `Type part of the project’s name, or its id (proj_…), to search ${count === 1 ? 'the 1 active project' : `${count} active projects`}.`,
      BLOCK_KIT_LIMITS.inputHint,
    ),
    element: {
      type: 'external_select',
      action_id: INPUT.project.action,
      placeholder: plainText('Search projects', BLOCK_KIT_LIMITS.placeholder),
      // 0: the first projects (by name) show as soon as the menu opens, before anything is typed
      min_query_length: 0,
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
      min_length: PURPOSE_MIN_CHARS,
      max_length: PURPOSE_MAX_CHARS,
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

/** The separator between a project's name and its id, when two offered projects share a name. */
const ID_SEPARATOR = ' · ';

/**
 * The options answering a `block_suggestion` for the request form's project field: `{ options }`, at most 100
 * (Slack's limit), in the order given. Each option's text is the project's name (its id when the name is blank, and
 * the name followed by the id when two offered projects share a name), at most 75 characters; its value is the
 * project id. A project whose id would not fit an option value (75 characters) is left out, since it could not be
 * submitted intact. An empty list is valid: Slack then shows "No results".
 * https://docs.slack.dev/reference/interaction-payloads/block_suggestion-payload
 */
export const renderProjectOptions = (
  projects: readonly { readonly id: string; readonly name: string }[],
): { options: PlainTextOption[] } => {
  const offered = projects
    .filter((p) => p.id.length > 0 && p.id.length <= BLOCK_KIT_LIMITS.optionValue)
    .slice(0, BLOCK_KIT_LIMITS.selectOptions);
  const nameKey = (name: string) => name.normalize('NFC').trim().replace(/\s+/g, ' ').toLowerCase();
  const seen = new Map<string, number>();
  for (const p of offered) seen.set(nameKey(p.name), (seen.get(nameKey(p.name)) ?? 0) + 1);
  return {
    options: offered.map((p) => {
      const name = p.name.trim().replace(/\s+/g, ' ');
      if (name === '') return { text: plainText(p.id, BLOCK_KIT_LIMITS.optionText), value: p.id };
      if ((seen.get(nameKey(p.name)) ?? 0) < 2) return { text: plainText(name, BLOCK_KIT_LIMITS.optionText), value: p.id };
      // Shorten the name, never the id: the id is what tells the two apart.
      const room = BLOCK_KIT_LIMITS.optionText - ID_SEPARATOR.length - p.id.length;
      const text = room >= 8 ? `${truncateText(name, room)}${ID_SEPARATOR}${p.id}` : name;
      return { text: plainText(text, BLOCK_KIT_LIMITS.optionText), value: p.id };
    }),
  };
};


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

