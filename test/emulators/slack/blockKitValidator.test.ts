/**
 * The Slack emulator's Block Kit validator: for each rule one block Slack accepts and one it refuses, and the
 * refusal names the offending place with a json-pointer, as Slack does.
 */
import { describe, expect, it } from 'vitest';
import { blockListProblems, viewProblems } from '../../../src/emulators/slack/blockKitValidator.js';

const plain = (text: string) => ({ type: 'plain_text', text });
const mrkdwn = (text: string) => ({ type: 'mrkdwn', text });
const x = (n: number) => 'x'.repeat(n);
const option = (text = 'One', value = 'one') => ({ text: plain(text), value });
const button = (extra: Record<string, unknown> = {}) => ({ type: 'button', text: plain('Go'), action_id: 'go', ...extra });
const section = (extra: Record<string, unknown> = {}) => ({ type: 'section', text: mrkdwn('hi'), ...extra });
const actions = (...elements: unknown[]) => ({ type: 'actions', elements });
const input = (element: unknown, extra: Record<string, unknown> = {}) => ({ type: 'input', label: plain('Label'), element, ...extra });
const select = (extra: Record<string, unknown> = {}) => ({ type: 'static_select', action_id: 's', options: [option()], ...extra });
const confirm = (extra: Record<string, unknown> = {}) => ({
  title: plain('Sure?'),
  text: plain('Really'),
  confirm: plain('Yes'),
  deny: plain('No'),
  ...extra,
});

interface Rule {
  rule: string;
  accepted: unknown;
  refused: unknown;
  /** The problem Slack names, with its json-pointer. */
  problem: string;
}

/** One block each: the accepted one is valid in a message, the refused one breaks exactly the named rule. */
const BLOCK_RULES: Rule[] = [
  // https://docs.slack.dev/reference/block-kit/blocks/section-block
  { rule: 'section text ≤ 3000', accepted: section({ text: mrkdwn(x(3000)) }), refused: section({ text: mrkdwn(x(3001)) }), problem: 'must be less than 3001 characters [json-pointer:/blocks/0/text/text]' },
  { rule: 'section text counts characters, not UTF-16 units', accepted: section({ text: mrkdwn('😀'.repeat(3000)) }), refused: section({ text: mrkdwn('😀'.repeat(3001)) }), problem: 'must be less than 3001 characters [json-pointer:/blocks/0/text/text]' },
  { rule: 'section text or fields required', accepted: { type: 'section', fields: [mrkdwn('a')] }, refused: { type: 'section' }, problem: 'must provide text or fields [json-pointer:/blocks/0]' },
  { rule: 'section field ≤ 2000', accepted: section({ fields: [mrkdwn(x(2000))] }), refused: section({ fields: [mrkdwn('a'), mrkdwn(x(2001))] }), problem: 'must be less than 2001 characters [json-pointer:/blocks/0/fields/1/text]' },
  { rule: 'section at most 10 fields', accepted: section({ fields: Array.from({ length: 10 }, () => mrkdwn('a')) }), refused: section({ fields: Array.from({ length: 11 }, () => mrkdwn('a')) }), problem: 'no more than 10 items allowed [json-pointer:/blocks/0/fields]' },
  { rule: 'section accessory is an element Slack allows there', accepted: section({ accessory: button() }), refused: section({ accessory: { type: 'plain_text_input' } }), problem: 'unsupported type: plain_text_input [json-pointer:/blocks/0/accessory/type]' },
  // https://docs.slack.dev/reference/block-kit/composition-objects/text-object
  { rule: 'text not empty', accepted: section({ text: mrkdwn('a') }), refused: section({ text: mrkdwn('') }), problem: 'must be more than 0 characters [json-pointer:/blocks/0/text/text]' },
  { rule: 'text object type', accepted: section({ text: plain('a') }), refused: section({ text: { type: 'markdown', text: 'a' } }), problem: 'unsupported type: markdown [json-pointer:/blocks/0/text/type]' },
  { rule: 'emoji only on plain_text', accepted: section({ text: { type: 'plain_text', text: 'a', emoji: true } }), refused: section({ text: { type: 'mrkdwn', text: 'a', emoji: true } }), problem: 'invalid additional property: emoji [json-pointer:/blocks/0/text/emoji]' },
  { rule: 'text is a string', accepted: section({ text: mrkdwn('1') }), refused: section({ text: { type: 'mrkdwn', text: 1 } }), problem: 'must provide a string [json-pointer:/blocks/0/text/text]' },
  // https://docs.slack.dev/reference/block-kit/blocks (block_id)
  { rule: 'block_id ≤ 255', accepted: section({ block_id: x(255) }), refused: section({ block_id: x(256) }), problem: 'must be less than 256 characters [json-pointer:/blocks/0/block_id]' },
  { rule: 'unknown block field', accepted: section({ expand: true }), refused: section({ accesory: button() }), problem: 'invalid additional property: accesory [json-pointer:/blocks/0/accesory]' },
  { rule: 'known block type', accepted: { type: 'divider' }, refused: { type: 'table' }, problem: 'unsupported type: table [json-pointer:/blocks/0/type]' },
  { rule: 'block type required', accepted: { type: 'divider' }, refused: { block_id: 'b' }, problem: 'missing required field: type [json-pointer:/blocks/0/type]' },
  // https://docs.slack.dev/reference/block-kit/blocks/header-block
  { rule: 'header ≤ 150', accepted: { type: 'header', text: plain(x(150)) }, refused: { type: 'header', text: plain(x(151)) }, problem: 'must be less than 151 characters [json-pointer:/blocks/0/text/text]' },
  { rule: 'header is plain_text', accepted: { type: 'header', text: plain('a') }, refused: { type: 'header', text: mrkdwn('a') }, problem: 'must be one of: plain_text [json-pointer:/blocks/0/text/type]' },
  { rule: 'header text required', accepted: { type: 'header', text: plain('a') }, refused: { type: 'header' }, problem: 'missing required field: text [json-pointer:/blocks/0/text]' },
  // https://docs.slack.dev/reference/block-kit/blocks/context-block
  { rule: 'context ≤ 10 elements', accepted: { type: 'context', elements: Array.from({ length: 10 }, () => mrkdwn('a')) }, refused: { type: 'context', elements: Array.from({ length: 11 }, () => mrkdwn('a')) }, problem: 'no more than 10 items allowed [json-pointer:/blocks/0/elements]' },
  { rule: 'context ≥ 1 element', accepted: { type: 'context', elements: [mrkdwn('a')] }, refused: { type: 'context', elements: [] }, problem: 'must provide at least 1 items [json-pointer:/blocks/0/elements]' },
  { rule: 'context holds text and images only', accepted: { type: 'context', elements: [{ type: 'image', image_url: 'https://x.example/a.png', alt_text: 'a' }] }, refused: { type: 'context', elements: [button()] }, problem: 'unsupported type: button [json-pointer:/blocks/0/elements/0/type]' },
  // https://docs.slack.dev/reference/block-kit/blocks/actions-block
  { rule: 'actions ≤ 25 elements', accepted: actions(...Array.from({ length: 25 }, (_, i) => button({ action_id: `a${i}` }))), refused: actions(...Array.from({ length: 26 }, (_, i) => button({ action_id: `a${i}` }))), problem: 'no more than 25 items allowed [json-pointer:/blocks/0/elements]' },
  { rule: 'actions ≥ 1 element', accepted: actions(button()), refused: actions(), problem: 'must provide at least 1 items [json-pointer:/blocks/0/elements]' },
  { rule: 'actions holds interactive elements', accepted: actions(select()), refused: actions({ type: 'plain_text_input' }), problem: 'unsupported type: plain_text_input [json-pointer:/blocks/0/elements/0/type]' },
  // https://docs.slack.dev/reference/block-kit/block-elements/button-element
  { rule: 'button text ≤ 75', accepted: actions(button({ text: plain(x(75)) })), refused: actions(button({ text: plain(x(76)) })), problem: 'must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]' },
  { rule: 'button text is plain_text', accepted: actions(button()), refused: actions(button({ text: mrkdwn('Go') })), problem: 'must be one of: plain_text [json-pointer:/blocks/0/elements/0/text/type]' },
  { rule: 'button value ≤ 2000', accepted: actions(button({ value: x(2000) })), refused: actions(button({ value: x(2001) })), problem: 'must be less than 2001 characters [json-pointer:/blocks/0/elements/0/value]' },
  { rule: 'button url ≤ 3000', accepted: actions(button({ url: `https://x.example/${x(2981)}` })), refused: actions(button({ url: `https://x.example/${x(2983)}` })), problem: 'must be less than 3001 characters [json-pointer:/blocks/0/elements/0/url]' },
  { rule: 'button style primary or danger', accepted: actions(button({ style: 'danger' })), refused: actions(button({ style: 'warning' })), problem: 'must be one of: primary, danger [json-pointer:/blocks/0/elements/0/style]' },
  { rule: 'action_id ≤ 255', accepted: actions(button({ action_id: x(255) })), refused: actions(button({ action_id: x(256) })), problem: 'must be less than 256 characters [json-pointer:/blocks/0/elements/0/action_id]' },
  { rule: 'button text required', accepted: actions(button()), refused: actions({ type: 'button', action_id: 'go' }), problem: 'missing required field: text [json-pointer:/blocks/0/elements/0/text]' },
  // https://docs.slack.dev/reference/block-kit/composition-objects/confirmation-dialog-object
  { rule: 'confirm title ≤ 100', accepted: actions(button({ confirm: confirm({ title: plain(x(100)) }) })), refused: actions(button({ confirm: confirm({ title: plain(x(101)) }) })), problem: 'must be less than 101 characters [json-pointer:/blocks/0/elements/0/confirm/title/text]' },
  { rule: 'confirm text ≤ 300', accepted: actions(button({ confirm: confirm({ text: plain(x(300)) }) })), refused: actions(button({ confirm: confirm({ text: plain(x(301)) }) })), problem: 'must be less than 301 characters [json-pointer:/blocks/0/elements/0/confirm/text/text]' },
  { rule: 'confirm button ≤ 30', accepted: actions(button({ confirm: confirm({ confirm: plain(x(30)) }) })), refused: actions(button({ confirm: confirm({ deny: plain(x(31)) }) })), problem: 'must be less than 31 characters [json-pointer:/blocks/0/elements/0/confirm/deny/text]' },
  // https://docs.slack.dev/reference/block-kit/block-elements/select-menu-element, option-object, option-group-object
  { rule: 'select ≤ 100 options', accepted: actions(select({ options: Array.from({ length: 100 }, (_, i) => option(`o${i}`, `v${i}`)) })), refused: actions(select({ options: Array.from({ length: 101 }, (_, i) => option(`o${i}`, `v${i}`)) })), problem: 'no more than 100 items allowed [json-pointer:/blocks/0/elements/0/options]' },
  { rule: 'option text ≤ 75', accepted: actions(select({ options: [option(x(75))] })), refused: actions(select({ options: [option(x(76))] })), problem: 'must be less than 76 characters [json-pointer:/blocks/0/elements/0/options/0/text/text]' },
  { rule: 'option value ≤ 150', accepted: actions(select({ options: [option('a', x(150))] })), refused: actions(select({ options: [option('a', x(151))] })), problem: 'must be less than 151 characters [json-pointer:/blocks/0/elements/0/options/0/value]' },
  { rule: 'option value required', accepted: actions(select()), refused: actions(select({ options: [{ text: plain('a') }] })), problem: 'missing required field: value [json-pointer:/blocks/0/elements/0/options/0/value]' },
  { rule: 'options or option_groups', accepted: actions(select({ options: undefined, option_groups: [{ label: plain('G'), options: [option()] }] })), refused: actions(select({ options: undefined })), problem: 'must provide exactly one of options and option_groups [json-pointer:/blocks/0/elements/0]' },
  { rule: 'option group label ≤ 75', accepted: actions(select({ options: undefined, option_groups: [{ label: plain(x(75)), options: [option()] }] })), refused: actions(select({ options: undefined, option_groups: [{ label: plain(x(76)), options: [option()] }] })), problem: 'must be less than 76 characters [json-pointer:/blocks/0/elements/0/option_groups/0/label/text]' },
  { rule: 'placeholder ≤ 150', accepted: actions(select({ placeholder: plain(x(150)) })), refused: actions(select({ placeholder: plain(x(151)) })), problem: 'must be less than 151 characters [json-pointer:/blocks/0/elements/0/placeholder/text]' },
  { rule: 'external_select needs no options', accepted: actions({ type: 'external_select', action_id: 'e', min_query_length: 2 }), refused: actions({ type: 'external_select', action_id: 'e', options: [option()] }), problem: 'invalid additional property: options [json-pointer:/blocks/0/elements/0/options]' },
  // https://docs.slack.dev/reference/block-kit/block-elements/overflow-menu-element
  { rule: 'overflow ≤ 5 options', accepted: actions({ type: 'overflow', options: Array.from({ length: 5 }, () => option()) }), refused: actions({ type: 'overflow', options: Array.from({ length: 6 }, () => option()) }), problem: 'no more than 5 items allowed [json-pointer:/blocks/0/elements/0/options]' },
  // https://docs.slack.dev/reference/block-kit/block-elements/date-picker-element
  { rule: 'datepicker initial_date YYYY-MM-DD', accepted: actions({ type: 'datepicker', initial_date: '2025-11-22' }), refused: actions({ type: 'datepicker', initial_date: '22/11/2025' }), problem: 'must match YYYY-MM-DD [json-pointer:/blocks/0/elements/0/initial_date]' },
  // https://docs.slack.dev/reference/block-kit/blocks/input-block
  { rule: 'input label ≤ 2000', accepted: input({ type: 'plain_text_input' }, { label: plain(x(2000)) }), refused: input({ type: 'plain_text_input' }, { label: plain(x(2001)) }), problem: 'must be less than 2001 characters [json-pointer:/blocks/0/label/text]' },
  { rule: 'input hint ≤ 2000', accepted: input({ type: 'plain_text_input' }, { hint: plain(x(2000)) }), refused: input({ type: 'plain_text_input' }, { hint: plain(x(2001)) }), problem: 'must be less than 2001 characters [json-pointer:/blocks/0/hint/text]' },
  { rule: 'input element required', accepted: input({ type: 'plain_text_input' }), refused: { type: 'input', label: plain('L') }, problem: 'missing required field: element [json-pointer:/blocks/0/element]' },
  { rule: 'input element is an input element', accepted: input({ type: 'datepicker' }), refused: input(button()), problem: 'unsupported type: button [json-pointer:/blocks/0/element/type]' },
  // https://docs.slack.dev/reference/block-kit/block-elements/plain-text-input-element
  { rule: 'plain_text_input min_length ≤ 3000', accepted: input({ type: 'plain_text_input', min_length: 3000 }), refused: input({ type: 'plain_text_input', min_length: 3001 }), problem: 'must be at most 3000 [json-pointer:/blocks/0/element/min_length]' },
  { rule: 'plain_text_input min_length ≤ max_length', accepted: input({ type: 'plain_text_input', min_length: 10, max_length: 10 }), refused: input({ type: 'plain_text_input', min_length: 11, max_length: 10 }), problem: 'min_length must not be greater than max_length [json-pointer:/blocks/0/element/min_length]' },
  // https://docs.slack.dev/reference/block-kit/block-elements/number-input-element
  { rule: 'number_input is_decimal_allowed required', accepted: input({ type: 'number_input', is_decimal_allowed: false }), refused: input({ type: 'number_input' }), problem: 'missing required field: is_decimal_allowed [json-pointer:/blocks/0/element/is_decimal_allowed]' },
  { rule: 'number_input values are strings', accepted: input({ type: 'number_input', is_decimal_allowed: false, min_value: '1' }), refused: input({ type: 'number_input', is_decimal_allowed: false, min_value: 1 }), problem: 'must provide a string [json-pointer:/blocks/0/element/min_value]' },
  { rule: 'number_input initial within min..max', accepted: input({ type: 'number_input', is_decimal_allowed: false, min_value: '1', max_value: '90', initial_value: '90' }), refused: input({ type: 'number_input', is_decimal_allowed: false, min_value: '1', max_value: '90', initial_value: '91' }), problem: 'initial_value must not be greater than max_value [json-pointer:/blocks/0/element/initial_value]' },
  { rule: 'number_input whole numbers without decimals', accepted: input({ type: 'number_input', is_decimal_allowed: true, initial_value: '1.5' }), refused: input({ type: 'number_input', is_decimal_allowed: false, initial_value: '1.5' }), problem: 'must be a whole number [json-pointer:/blocks/0/element/initial_value]' },
  // https://docs.slack.dev/reference/block-kit/blocks/image-block
  { rule: 'image alt_text required', accepted: { type: 'image', image_url: 'https://x.example/a.png', alt_text: 'a' }, refused: { type: 'image', image_url: 'https://x.example/a.png' }, problem: 'missing required field: alt_text [json-pointer:/blocks/0/alt_text]' },
  { rule: 'image alt_text ≤ 2000', accepted: { type: 'image', image_url: 'https://x.example/a.png', alt_text: x(2000) }, refused: { type: 'image', image_url: 'https://x.example/a.png', alt_text: x(2001) }, problem: 'must be less than 2001 characters [json-pointer:/blocks/0/alt_text]' },
  { rule: 'image url or slack_file', accepted: { type: 'image', slack_file: { id: 'F1' }, alt_text: 'a' }, refused: { type: 'image', alt_text: 'a' }, problem: 'must provide exactly one of image_url and slack_file [json-pointer:/blocks/0]' },
  // https://docs.slack.dev/reference/block-kit/blocks/rich-text-block
  { rule: 'rich_text elements', accepted: { type: 'rich_text', elements: [{ type: 'rich_text_section', elements: [{ type: 'text', text: 'a' }] }] }, refused: { type: 'rich_text', elements: [{ type: 'rich_text_table', elements: [] }] }, problem: 'must be one of: rich_text_section, rich_text_list, rich_text_preformatted, rich_text_quote [json-pointer:/blocks/0/elements/0/type]' },
];

describe('blocks in a message', () => {
  it.each(BLOCK_RULES)('$rule: accepts the valid block', ({ accepted }) => {
    expect(blockListProblems([accepted], 'message')).toEqual([]);
  });

  it.each(BLOCK_RULES)('$rule: refuses the invalid one, naming its path', ({ refused, problem }) => {
    expect(blockListProblems([refused], 'message')).toContain(problem);
  });

  it('allows at most 50 blocks in a message and 100 in a view', () => {
    const dividers = (n: number) => Array.from({ length: n }, () => ({ type: 'divider' }));
    expect(blockListProblems(dividers(50), 'message')).toEqual([]);
    expect(blockListProblems(dividers(51), 'message')).toEqual(['no more than 50 items allowed [json-pointer:/blocks]']);
    expect(blockListProblems(dividers(100), 'modal', ['view', 'blocks'])).toEqual([]);
    expect(blockListProblems(dividers(101), 'home', ['view', 'blocks'])).toEqual(['no more than 100 items allowed [json-pointer:/view/blocks]']);
  });

  it('refuses a block_id used twice in one list', () => {
    expect(blockListProblems([section({ block_id: 'a' }), section({ block_id: 'b' })], 'message')).toEqual([]);
    expect(blockListProblems([section({ block_id: 'a' }), section({ block_id: 'a' })], 'message')).toEqual([
      'duplicate block_id [json-pointer:/blocks/1/block_id]',
    ]);
  });

  it('allows markdown blocks in messages only (https://docs.slack.dev/reference/block-kit/blocks/markdown-block)', () => {
    const markdown = { type: 'markdown', text: '**bold**' };
    expect(blockListProblems([markdown], 'message')).toEqual([]);
    expect(blockListProblems([markdown], 'modal', ['view', 'blocks'])).toEqual([
      'markdown blocks are not allowed in a modal [json-pointer:/view/blocks/0/type]',
    ]);
  });

  it('takes input blocks in messages, as Slack has since 2021-04-20 (https://docs.slack.dev/reference/block-kit/blocks/input-block)', () => {
    expect(blockListProblems([input({ type: 'plain_text_input', action_id: 'note' }, { dispatch_action: true })], 'message')).toEqual([]);
    expect(blockListProblems([input({ type: 'plain_text_input' }, { dispatch_action: 'yes' })], 'message')).toEqual([
      'must provide a boolean [json-pointer:/blocks/0/dispatch_action]',
    ]);
  });

  it('reports every problem, each at its own place', () => {
    const problems = blockListProblems([{ type: 'header', text: plain(x(151)) }, 'nope', actions(button({ text: plain(x(76)) }))], 'message');
    expect(problems).toEqual([
      'must be less than 151 characters [json-pointer:/blocks/0/text/text]',
      'must provide an object [json-pointer:/blocks/1]',
      'must be less than 76 characters [json-pointer:/blocks/2/elements/0/text/text]',
    ]);
  });

  it('refuses a blocks argument that is not an array', () => {
    expect(blockListProblems({ type: 'divider' }, 'message')).toEqual(['must provide an array [json-pointer:/blocks]']);
  });
});

const modal = (extra: Record<string, unknown> = {}) => ({
  type: 'modal',
  title: plain('Request a key'),
  submit: plain('Send'),
  close: plain('Cancel'),
  blocks: [input({ type: 'plain_text_input', action_id: 'purpose' }, { block_id: 'purpose' })],
  ...extra,
});

/** View-level rules: https://docs.slack.dev/reference/views/modal-views and /reference/views/home-tab-views */
const VIEW_RULES: Rule[] = [
  { rule: 'modal title ≤ 24', accepted: modal({ title: plain(x(24)) }), refused: modal({ title: plain(x(25)) }), problem: 'must be less than 25 characters [json-pointer:/view/title/text]' },
  { rule: 'modal title required', accepted: modal(), refused: modal({ title: undefined }), problem: 'missing required field: title [json-pointer:/view/title]' },
  { rule: 'modal title is plain_text', accepted: modal(), refused: modal({ title: mrkdwn('T') }), problem: 'must be one of: plain_text [json-pointer:/view/title/type]' },
  { rule: 'modal submit ≤ 24', accepted: modal({ submit: plain(x(24)) }), refused: modal({ submit: plain(x(25)) }), problem: 'must be less than 25 characters [json-pointer:/view/submit/text]' },
  { rule: 'modal close ≤ 24', accepted: modal({ close: plain(x(24)) }), refused: modal({ close: plain(x(25)) }), problem: 'must be less than 25 characters [json-pointer:/view/close/text]' },
  { rule: 'submit required with input blocks', accepted: modal({ submit: undefined, blocks: [section()] }), refused: modal({ submit: undefined }), problem: 'submit is required when the view has input blocks [json-pointer:/view/submit]' },
  { rule: 'private_metadata ≤ 3000', accepted: modal({ private_metadata: x(3000) }), refused: modal({ private_metadata: x(3001) }), problem: 'must be less than 3001 characters [json-pointer:/view/private_metadata]' },
  { rule: 'callback_id ≤ 255', accepted: modal({ callback_id: x(255) }), refused: modal({ callback_id: x(256) }), problem: 'must be less than 256 characters [json-pointer:/view/callback_id]' },
  { rule: 'blocks required', accepted: modal(), refused: modal({ blocks: undefined }), problem: 'missing required field: blocks [json-pointer:/view/blocks]' },
  { rule: 'blocks are checked with view paths', accepted: modal({ blocks: [section()] }), refused: modal({ blocks: [section(), { type: 'header', text: plain(x(151)) }] }), problem: 'must be less than 151 characters [json-pointer:/view/blocks/1/text/text]' },
  { rule: 'unknown view field', accepted: modal({ notify_on_close: true }), refused: modal({ titel: plain('x') }), problem: 'invalid additional property: titel [json-pointer:/view/titel]' },
  { rule: 'view type', accepted: modal(), refused: modal({ type: 'dialog' }), problem: 'must provide a valid view type [json-pointer:/view/type]' },
];

describe('views', () => {
  it.each(VIEW_RULES)('$rule: accepts the valid view', ({ accepted }) => {
    expect(viewProblems(accepted, ['modal'])).toEqual([]);
  });

  it.each(VIEW_RULES)('$rule: refuses the invalid one, naming its path', ({ refused, problem }) => {
    expect(viewProblems(refused, ['modal'])).toContain(problem);
  });

  it('takes a Home tab only where the method allows it, and no modal fields on it', () => {
    const home = { type: 'home', blocks: [section()] };
    expect(viewProblems(home, ['home'])).toEqual([]);
    expect(viewProblems(home, ['modal'])).toEqual(['view type must be modal [json-pointer:/view/type]']);
    expect(viewProblems({ ...home, title: plain('Home') }, ['home'])).toEqual([
      'invalid additional property: title [json-pointer:/view/title]',
    ]);
  });

  it('refuses a view that is not an object', () => {
    expect(viewProblems('modal', ['modal'])).toEqual(['failed to match all allowed schemas [json-pointer:/view]']);
  });
});
