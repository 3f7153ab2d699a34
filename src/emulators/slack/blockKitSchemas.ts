/**
 * Slack's Block Kit rules as a declarative table of zod schemas: one schema per block type, block element type and
 * composition object, each with the limits and required fields Slack documents. The emulator checks everything an
 * app sends against these (see blockKitValidator.ts), so a message or view Slack would refuse is refused here too.
 *
 * Sources (each rule below names its page):
 * - blocks:              https://docs.slack.dev/reference/block-kit/blocks
 * - block elements:      https://docs.slack.dev/reference/block-kit/block-elements
 * - composition objects: https://docs.slack.dev/reference/block-kit/composition-objects
 * - views:               https://docs.slack.dev/reference/views/modal-views and /reference/views/home-tab-views
 *
 * Lengths are counted in characters (Unicode code points), the unit Slack's documentation states; objects are strict
 * (a field Slack does not document is refused, as Slack answers `invalid additional property`).
 */
import { z } from 'zod';

/** The number of characters in `text` as Slack counts them: Unicode code points, not UTF-16 units. */
export function characterCount(text: string): number {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}

/**
 * A string of `min`..`max` characters (code points). Slack's own wording for a too-long string is
 * "must be less than N+1 characters", for an empty one "must be more than N-1 characters".
 */
export function chars(max: number, min = 0): z.ZodString {
  return z.string().check((ctx) => {
    const count = characterCount(ctx.value);
    if (count > max) {
      ctx.issues.push({ code: 'custom', input: ctx.value, message: `must be less than ${max + 1} characters` });
    } else if (count < min) {
      ctx.issues.push({ code: 'custom', input: ctx.value, message: `must be more than ${min - 1} characters` });
    }
  });
}

// ── composition objects ────────────────────────────────────────────────

/** Text object: `text` 1..3000 characters; `emoji` only on plain_text, `verbatim` only on mrkdwn. https://docs.slack.dev/reference/block-kit/composition-objects/text-object */
export const TEXT_MAX = 3000;

/** A plain_text object whose text is at most `max` characters (the containing field's limit, ≤ 3000). */
export function plainText(max: number = TEXT_MAX) {
  return z.strictObject({
    type: z.literal('plain_text'),
    text: chars(Math.min(max, TEXT_MAX), 1),
    emoji: z.boolean().optional(),
  });
}

/** A mrkdwn object whose text is at most `max` characters (≤ 3000). */
export function mrkdwnText(max: number = TEXT_MAX) {
  return z.strictObject({
    type: z.literal('mrkdwn'),
    text: chars(Math.min(max, TEXT_MAX), 1),
    verbatim: z.boolean().optional(),
  });
}

/** Either text object type, at most `max` characters. */
export function anyText(max: number = TEXT_MAX) {
  return z.discriminatedUnion('type', [plainText(max), mrkdwnText(max)]);
}

/** action_id and block_id: at most 255 characters. https://docs.slack.dev/reference/block-kit/block-elements (action_id), https://docs.slack.dev/reference/block-kit/blocks (block_id) */
export const ID_MAX = 255;
const identifier = chars(ID_MAX, 1);

/** URLs in buttons, overflow options and images: at most 3000 characters. https://docs.slack.dev/reference/block-kit/block-elements/button-element */
export const URL_MAX = 3000;

/** Confirmation dialog: title ≤ 100, text ≤ 300, confirm ≤ 30, deny ≤ 30, all four required. https://docs.slack.dev/reference/block-kit/composition-objects/confirmation-dialog-object */
export const confirmationDialog = z.strictObject({
  title: plainText(100),
  text: anyText(300),
  confirm: plainText(30),
  deny: plainText(30),
  style: z.enum(['primary', 'danger']).optional(),
});

/** Option: text ≤ 75 (plain_text in menus), value ≤ 150, description ≤ 75, url ≤ 3000 (overflow only). https://docs.slack.dev/reference/block-kit/composition-objects/option-object */
export const OPTION_TEXT_MAX = 75;
export const OPTION_VALUE_MAX = 150;
const menuOption = z.strictObject({
  text: plainText(OPTION_TEXT_MAX),
  value: chars(OPTION_VALUE_MAX, 1),
  description: plainText(OPTION_TEXT_MAX).optional(),
});
const overflowOption = menuOption.extend({ url: chars(URL_MAX, 1).optional() });
/** Radio buttons and checkboxes may use mrkdwn for an option's text and description. */
const choiceOption = z.strictObject({
  text: anyText(OPTION_TEXT_MAX),
  value: chars(OPTION_VALUE_MAX, 1),
  description: anyText(OPTION_TEXT_MAX).optional(),
});

/** Option group: label ≤ 75, at most 100 options. https://docs.slack.dev/reference/block-kit/composition-objects/option-group-object */
const optionGroup = z.strictObject({
  label: plainText(OPTION_TEXT_MAX),
  options: z.array(menuOption).min(1).max(100),
});

/** Dispatch action configuration. https://docs.slack.dev/reference/block-kit/composition-objects/dispatch-action-configuration-object */
const dispatchActionConfig = z.strictObject({
  trigger_actions_on: z.array(z.enum(['on_enter_pressed', 'on_character_entered'])).min(1).max(2).optional(),
});

/** Conversation filter. https://docs.slack.dev/reference/block-kit/composition-objects/conversation-filter-object */
const conversationFilter = z.strictObject({
  include: z.array(z.enum(['im', 'mpim', 'private', 'public'])).min(1).max(4).optional(),
  exclude_external_shared_channels: z.boolean().optional(),
  exclude_bot_users: z.boolean().optional(),
});

/** Slack file object (image by file id or url). https://docs.slack.dev/reference/block-kit/composition-objects/slack-file-object */
const slackFile = z.union([z.strictObject({ url: chars(URL_MAX, 1) }), z.strictObject({ id: chars(ID_MAX, 1) })]);

// ── block elements ─────────────────────────────────────────────────────

/** Placeholder of every element that has one: plain_text ≤ 150. https://docs.slack.dev/reference/block-kit/block-elements */
export const PLACEHOLDER_MAX = 150;
const placeholder = plainText(PLACEHOLDER_MAX).optional();
const common = {
  action_id: identifier.optional(),
  confirm: confirmationDialog.optional(),
  focus_on_load: z.boolean().optional(),
};

/** Button: text ≤ 75, url ≤ 3000, value ≤ 2000, accessibility_label ≤ 75, style primary | danger. https://docs.slack.dev/reference/block-kit/block-elements/button-element */
const button = z.strictObject({
  type: z.literal('button'),
  text: plainText(75),
  action_id: identifier.optional(),
  url: chars(URL_MAX, 1).optional(),
  value: chars(2000).optional(),
  style: z.enum(['primary', 'danger']).optional(),
  confirm: confirmationDialog.optional(),
  accessibility_label: chars(75, 1).optional(),
});

/** Checkboxes: 1..10 options. https://docs.slack.dev/reference/block-kit/block-elements/checkboxes-element */
const checkboxes = z.strictObject({
  type: z.literal('checkboxes'),
  ...common,
  options: z.array(choiceOption).min(1).max(10),
  initial_options: z.array(choiceOption).min(1).max(10).optional(),
});

/** Radio buttons: 1..10 options. https://docs.slack.dev/reference/block-kit/block-elements/radio-button-group-element */
const radioButtons = z.strictObject({
  type: z.literal('radio_buttons'),
  ...common,
  options: z.array(choiceOption).min(1).max(10),
  initial_option: choiceOption.optional(),
});

/** Date picker: initial_date YYYY-MM-DD. https://docs.slack.dev/reference/block-kit/block-elements/date-picker-element */
const datepicker = z.strictObject({
  type: z.literal('datepicker'),
  ...common,
  initial_date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must match YYYY-MM-DD').optional(),
  placeholder,
});

/** Datetime picker: initial_date_time in Unix seconds. https://docs.slack.dev/reference/block-kit/block-elements/datetime-picker-element */
const datetimepicker = z.strictObject({
  type: z.literal('datetimepicker'),
  ...common,
  initial_date_time: z.number().int().nonnegative().optional(),
});

/** Time picker: initial_time HH:mm. https://docs.slack.dev/reference/block-kit/block-elements/time-picker-element */
const timepicker = z.strictObject({
  type: z.literal('timepicker'),
  ...common,
  initial_time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must match HH:mm').optional(),
  timezone: z.string().optional(),
  placeholder,
});

/** Image element: alt_text ≤ 2000 required, image_url ≤ 3000 or slack_file. https://docs.slack.dev/reference/block-kit/block-elements/image-element */
const imageElement = z.strictObject({
  type: z.literal('image'),
  alt_text: chars(2000, 1),
  image_url: chars(URL_MAX, 1).optional(),
  slack_file: slackFile.optional(),
});

/** Overflow menu: 1..5 options, which may carry a url. https://docs.slack.dev/reference/block-kit/block-elements/overflow-menu-element */
const overflow = z.strictObject({
  type: z.literal('overflow'),
  action_id: identifier.optional(),
  options: z.array(overflowOption).min(1).max(5),
  confirm: confirmationDialog.optional(),
});

/** Plain-text input: min_length 0..3000, max_length ≥ 1, placeholder ≤ 150. https://docs.slack.dev/reference/block-kit/block-elements/plain-text-input-element */
const plainTextInput = z.strictObject({
  type: z.literal('plain_text_input'),
  action_id: identifier.optional(),
  initial_value: z.string().optional(),
  multiline: z.boolean().optional(),
  min_length: z.number().int().min(0).max(3000).optional(),
  max_length: z.number().int().min(1).optional(),
  dispatch_action_config: dispatchActionConfig.optional(),
  focus_on_load: z.boolean().optional(),
  placeholder,
});

/** Number input: is_decimal_allowed required; values are numbers written as strings. https://docs.slack.dev/reference/block-kit/block-elements/number-input-element */
const numeric = z.string().regex(/^-?\d+(\.\d+)?$/, 'must be a number written as a string');
const numberInput = z.strictObject({
  type: z.literal('number_input'),
  is_decimal_allowed: z.boolean(),
  action_id: identifier.optional(),
  initial_value: numeric.optional(),
  min_value: numeric.optional(),
  max_value: numeric.optional(),
  dispatch_action_config: dispatchActionConfig.optional(),
  focus_on_load: z.boolean().optional(),
  placeholder,
});

/** Email and URL inputs. https://docs.slack.dev/reference/block-kit/block-elements/email-input-element, https://docs.slack.dev/reference/block-kit/block-elements/url-input-element */
const emailInput = z.strictObject({
  type: z.literal('email_text_input'),
  action_id: identifier.optional(),
  initial_value: z.string().optional(),
  dispatch_action_config: dispatchActionConfig.optional(),
  focus_on_load: z.boolean().optional(),
  placeholder,
});
const urlInput = emailInput.extend({ type: z.literal('url_text_input') });

/** Rich text input. https://docs.slack.dev/reference/block-kit/block-elements/rich-text-input-element */
const richTextInput = z.strictObject({
  type: z.literal('rich_text_input'),
  action_id: identifier.optional(),
  initial_value: z.looseObject({ type: z.literal('rich_text') }).optional(),
  dispatch_action_config: dispatchActionConfig.optional(),
  focus_on_load: z.boolean().optional(),
  placeholder,
});

/** File input: modals only, at most 10 files. https://docs.slack.dev/reference/block-kit/block-elements/file-input-element */
const fileInput = z.strictObject({
  type: z.literal('file_input'),
  action_id: identifier.optional(),
  filetypes: z.array(z.string()).optional(),
  max_files: z.number().int().min(1).max(10).optional(),
});

/** Static select: 1..100 options or 1..100 option_groups (one of the two), placeholder ≤ 150. https://docs.slack.dev/reference/block-kit/block-elements/select-menu-element#static_select */
const staticSelect = z.strictObject({
  type: z.literal('static_select'),
  ...common,
  options: z.array(menuOption).min(1).max(100).optional(),
  option_groups: z.array(optionGroup).min(1).max(100).optional(),
  initial_option: menuOption.optional(),
  placeholder,
});
const multiStaticSelect = staticSelect.extend({
  type: z.literal('multi_static_select'),
  initial_option: z.never().optional(),
  initial_options: z.array(menuOption).min(1).max(100).optional(),
  max_selected_items: z.number().int().min(1).optional(),
});

/** External select: options come from the app's options URL. https://docs.slack.dev/reference/block-kit/block-elements/select-menu-element#external_select */
const externalSelect = z.strictObject({
  type: z.literal('external_select'),
  ...common,
  initial_option: menuOption.optional(),
  min_query_length: z.number().int().min(0).optional(),
  placeholder,
});
const multiExternalSelect = z.strictObject({
  type: z.literal('multi_external_select'),
  ...common,
  initial_options: z.array(menuOption).min(1).max(100).optional(),
  min_query_length: z.number().int().min(0).optional(),
  max_selected_items: z.number().int().min(1).optional(),
  placeholder,
});

/** User, conversation and channel selects (single and multi). https://docs.slack.dev/reference/block-kit/block-elements/select-menu-element */
const usersSelect = z.strictObject({ type: z.literal('users_select'), ...common, initial_user: z.string().optional(), placeholder });
const multiUsersSelect = z.strictObject({
  type: z.literal('multi_users_select'),
  ...common,
  initial_users: z.array(z.string()).optional(),
  max_selected_items: z.number().int().min(1).optional(),
  placeholder,
});
const conversationsSelect = z.strictObject({
  type: z.literal('conversations_select'),
  ...common,
  initial_conversation: z.string().optional(),
  default_to_current_conversation: z.boolean().optional(),
  response_url_enabled: z.boolean().optional(),
  filter: conversationFilter.optional(),
  placeholder,
});
const multiConversationsSelect = z.strictObject({
  type: z.literal('multi_conversations_select'),
  ...common,
  initial_conversations: z.array(z.string()).optional(),
  default_to_current_conversation: z.boolean().optional(),
  max_selected_items: z.number().int().min(1).optional(),
  filter: conversationFilter.optional(),
  placeholder,
});
const channelsSelect = z.strictObject({
  type: z.literal('channels_select'),
  ...common,
  initial_channel: z.string().optional(),
  response_url_enabled: z.boolean().optional(),
  placeholder,
});
const multiChannelsSelect = z.strictObject({
  type: z.literal('multi_channels_select'),
  ...common,
  initial_channels: z.array(z.string()).optional(),
  max_selected_items: z.number().int().min(1).optional(),
  placeholder,
});

/** Every interactive element, by type. */
export const ELEMENT_SCHEMAS = {
  button,
  checkboxes,
  radio_buttons: radioButtons,
  datepicker,
  datetimepicker,
  timepicker,
  image: imageElement,
  overflow,
  plain_text_input: plainTextInput,
  number_input: numberInput,
  email_text_input: emailInput,
  url_text_input: urlInput,
  rich_text_input: richTextInput,
  file_input: fileInput,
  static_select: staticSelect,
  multi_static_select: multiStaticSelect,
  external_select: externalSelect,
  multi_external_select: multiExternalSelect,
  users_select: usersSelect,
  multi_users_select: multiUsersSelect,
  conversations_select: conversationsSelect,
  multi_conversations_select: multiConversationsSelect,
  channels_select: channelsSelect,
  multi_channels_select: multiChannelsSelect,
} as const;

const SELECTS = [
  staticSelect,
  multiStaticSelect,
  externalSelect,
  multiExternalSelect,
  usersSelect,
  multiUsersSelect,
  conversationsSelect,
  multiConversationsSelect,
  channelsSelect,
  multiChannelsSelect,
] as const;

/** Elements an actions block holds. https://docs.slack.dev/reference/block-kit/blocks/actions-block */
const actionsElement = z.discriminatedUnion('type', [
  button,
  checkboxes,
  radioButtons,
  datepicker,
  datetimepicker,
  timepicker,
  overflow,
  ...SELECTS,
]);

/** Elements a section's accessory may be. https://docs.slack.dev/reference/block-kit/blocks/section-block */
const sectionAccessory = z.discriminatedUnion('type', [
  button,
  checkboxes,
  radioButtons,
  datepicker,
  timepicker,
  imageElement,
  overflow,
  ...SELECTS,
]);

/** Elements an input block holds. https://docs.slack.dev/reference/block-kit/blocks/input-block */
const inputElement = z.discriminatedUnion('type', [
  checkboxes,
  radioButtons,
  datepicker,
  datetimepicker,
  timepicker,
  plainTextInput,
  numberInput,
  emailInput,
  urlInput,
  richTextInput,
  fileInput,
  ...SELECTS,
]);

// ── blocks ─────────────────────────────────────────────────────────────

const blockId = { block_id: identifier.optional() };

/** Section: text ≤ 3000, or 1..10 fields of ≤ 2000 each (one of the two required). https://docs.slack.dev/reference/block-kit/blocks/section-block */
export const SECTION_TEXT_MAX = 3000;
export const SECTION_FIELD_MAX = 2000;
export const SECTION_FIELDS_MAX = 10;
const section = z.strictObject({
  type: z.literal('section'),
  ...blockId,
  text: anyText(SECTION_TEXT_MAX).optional(),
  fields: z.array(anyText(SECTION_FIELD_MAX)).min(1).max(SECTION_FIELDS_MAX).optional(),
  accessory: sectionAccessory.optional(),
  expand: z.boolean().optional(),
});

/** Context: 1..10 elements, each an image element or a text object. https://docs.slack.dev/reference/block-kit/blocks/context-block */
const context = z.strictObject({
  type: z.literal('context'),
  ...blockId,
  elements: z.array(z.discriminatedUnion('type', [imageElement, plainText(), mrkdwnText()])).min(1).max(10),
});

/** Divider. https://docs.slack.dev/reference/block-kit/blocks/divider-block */
const divider = z.strictObject({ type: z.literal('divider'), ...blockId });

/** Header: plain_text ≤ 150. https://docs.slack.dev/reference/block-kit/blocks/header-block */
const header = z.strictObject({ type: z.literal('header'), ...blockId, text: plainText(150) });

/** Actions: 1..25 interactive elements. https://docs.slack.dev/reference/block-kit/blocks/actions-block */
const actions = z.strictObject({ type: z.literal('actions'), ...blockId, elements: z.array(actionsElement).min(1).max(25) });

/** Input: label plain_text ≤ 2000, element required, hint plain_text ≤ 2000. https://docs.slack.dev/reference/block-kit/blocks/input-block */
const input = z.strictObject({
  type: z.literal('input'),
  ...blockId,
  label: plainText(2000),
  element: inputElement,
  hint: plainText(2000).optional(),
  optional: z.boolean().optional(),
  dispatch_action: z.boolean().optional(),
});

/** Image: alt_text ≤ 2000 required, image_url ≤ 3000 or slack_file, title plain_text ≤ 2000. https://docs.slack.dev/reference/block-kit/blocks/image-block */
const image = z.strictObject({
  type: z.literal('image'),
  ...blockId,
  alt_text: chars(2000, 1),
  image_url: chars(URL_MAX, 1).optional(),
  slack_file: slackFile.optional(),
  title: plainText(2000).optional(),
});

/** Rich text: an array of sections, lists, preformatted and quote elements. https://docs.slack.dev/reference/block-kit/blocks/rich-text-block */
const richTextPart = z.looseObject({
  type: z.enum(['rich_text_section', 'rich_text_list', 'rich_text_preformatted', 'rich_text_quote']),
  elements: z.array(z.looseObject({ type: z.string() })),
});
const richText = z.strictObject({ type: z.literal('rich_text'), ...blockId, elements: z.array(richTextPart).min(1) });

/** Markdown (messages only): text ≤ 12000 cumulative characters. https://docs.slack.dev/reference/block-kit/blocks/markdown-block */
const markdown = z.strictObject({ type: z.literal('markdown'), ...blockId, text: chars(12_000, 1) });

/** Every block type the emulator knows, by type. */
export const BLOCK_SCHEMAS = {
  section,
  context,
  divider,
  header,
  actions,
  input,
  image,
  rich_text: richText,
  markdown,
} as const;

export type BlockType = keyof typeof BLOCK_SCHEMAS;
export type Surface = 'message' | 'modal' | 'home';

/**
 * The blocks each surface accepts (the "Available in surfaces" column of https://docs.slack.dev/reference/block-kit/blocks): every block above in all three,
 * except `markdown`, which is for messages only. Input blocks are available in messages since 2021-04-20.
 */
export const SURFACE_BLOCKS: Readonly<Record<Surface, readonly BlockType[]>> = {
  message: ['section', 'context', 'divider', 'header', 'actions', 'input', 'image', 'rich_text', 'markdown'],
  modal: ['section', 'context', 'divider', 'header', 'actions', 'input', 'image', 'rich_text'],
  home: ['section', 'context', 'divider', 'header', 'actions', 'input', 'image', 'rich_text'],
};

/** At most 50 blocks in a message, 100 in a modal or Home tab. https://docs.slack.dev/reference/block-kit/blocks */
export const MAX_BLOCKS: Readonly<Record<Surface, number>> = { message: 50, modal: 100, home: 100 };

// ── views ──────────────────────────────────────────────────────────────

/**
 * The fields of a modal view: title ≤ 24 (required), close/submit ≤ 24, private_metadata ≤ 3000, callback_id ≤ 255,
 * external_id ≤ 255. https://docs.slack.dev/reference/views/modal-views
 * `blocks` is checked block by block by the validator, so it is only required to be an array here.
 */
export const modalViewFields = z.strictObject({
  type: z.literal('modal'),
  title: plainText(24),
  blocks: z.array(z.unknown()),
  close: plainText(24).optional(),
  submit: plainText(24).optional(),
  private_metadata: chars(3000).optional(),
  callback_id: chars(ID_MAX).optional(),
  clear_on_close: z.boolean().optional(),
  notify_on_close: z.boolean().optional(),
  external_id: chars(ID_MAX).optional(),
  submit_disabled: z.boolean().optional(),
});

/** The fields of a Home tab view. https://docs.slack.dev/reference/views/home-tab-views */
export const homeViewFields = z.strictObject({
  type: z.literal('home'),
  blocks: z.array(z.unknown()),
  private_metadata: chars(3000).optional(),
  callback_id: chars(ID_MAX).optional(),
  external_id: chars(ID_MAX).optional(),
});
