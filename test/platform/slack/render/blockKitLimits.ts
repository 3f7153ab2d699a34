/**
 * An independent checker of Slack's Block Kit limits and of keywarden's mrkdwn safety rules, used by the
 * renderer tests. It walks whatever a renderer returns, so it does not trust the renderers' own limit constants.
 */
import type { ContextBlock, KnownBlock, ModalView } from '@slack/types';
import { expect } from 'vitest';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Obj = { [key: string]: Json };

const isObj = (v: Json | undefined): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const textOf = (v: Json | undefined): string => (isObj(v) && typeof v.text === 'string' ? v.text : '');

const checkTextObjects = (node: Json, path: string, out: string[]): void => {
  if (Array.isArray(node)) {
    node.forEach((child, i) => checkTextObjects(child, `${path}[${i}]`, out));
    return;
  }
  if (!isObj(node)) return;
  if ((node.type === 'plain_text' || node.type === 'mrkdwn') && typeof node.text === 'string') {
    if (node.text.length < 1) out.push(`${path}: empty ${node.type}`);
    if (node.text.length > 3000) out.push(`${path}: ${node.type} longer than 3000 (${node.text.length})`);
  }
  for (const [key, child] of Object.entries(node)) checkTextObjects(child, `${path}.${key}`, out);
};

const within = (out: string[], path: string, value: string, max: number): void => {
  if (value.length > max) out.push(`${path}: ${value.length} > ${max}`);
};

const checkElement = (el: Obj, path: string, out: string[]): void => {
  if (typeof el.action_id === 'string') within(out, `${path}.action_id`, el.action_id, 255);
  if (el.placeholder !== undefined) within(out, `${path}.placeholder`, textOf(el.placeholder), 150);
  if (el.type === 'button') {
    within(out, `${path}.text`, textOf(el.text), 75);
    if (typeof el.value === 'string') within(out, `${path}.value`, el.value, 2000);
  }
  if (isObj(el.confirm)) {
    within(out, `${path}.confirm.title`, textOf(el.confirm.title), 100);
    within(out, `${path}.confirm.text`, textOf(el.confirm.text), 300);
    within(out, `${path}.confirm.confirm`, textOf(el.confirm.confirm), 30);
    within(out, `${path}.confirm.deny`, textOf(el.confirm.deny), 30);
  }
  if (el.type === 'static_select') {
    const options = Array.isArray(el.options) ? el.options : [];
    if (options.length > 100) out.push(`${path}.options: ${options.length} > 100`);
    if (options.length === 0) out.push(`${path}.options: empty`);
    options.forEach((o, i) => {
      if (!isObj(o)) return;
      within(out, `${path}.options[${i}].text`, textOf(o.text), 75);
      within(out, `${path}.options[${i}].value`, typeof o.value === 'string' ? o.value : '', 75);
    });
  }
  if (el.type === 'plain_text_input') {
    if (typeof el.min_length === 'number' && el.min_length > 3000) out.push(`${path}.min_length > 3000`);
    if (typeof el.max_length === 'number' && typeof el.min_length === 'number' && el.max_length < el.min_length) {
      out.push(`${path}: max_length < min_length`);
    }
  }
  if (el.type === 'number_input') {
    const min = Number(el.min_value);
    const max = Number(el.max_value);
    const initial = Number(el.initial_value);
    if (!(min <= initial && initial <= max)) out.push(`${path}: initial ${initial} not within ${min}..${max}`);
  }
};

const checkBlock = (block: Obj, path: string, out: string[]): void => {
  if (typeof block.block_id === 'string') within(out, `${path}.block_id`, block.block_id, 255);
  switch (block.type) {
    case 'header':
      if (!isObj(block.text) || block.text.type !== 'plain_text') out.push(`${path}: header text must be plain_text`);
      within(out, `${path}.text`, textOf(block.text), 150);
      break;
    case 'section': {
      const fields = Array.isArray(block.fields) ? block.fields : undefined;
      if (block.text === undefined && fields === undefined) out.push(`${path}: section without text or fields`);
      within(out, `${path}.text`, textOf(block.text), 3000);
      if (fields !== undefined) {
        if (fields.length > 10) out.push(`${path}.fields: ${fields.length} > 10`);
        fields.forEach((f, i) => within(out, `${path}.fields[${i}]`, textOf(f), 2000));
      }
      if (isObj(block.accessory)) checkElement(block.accessory, `${path}.accessory`, out);
      break;
    }
    case 'context': {
      const elements = Array.isArray(block.elements) ? block.elements : [];
      if (elements.length < 1 || elements.length > 10) out.push(`${path}.elements: ${elements.length} not in 1..10`);
      break;
    }
    case 'actions': {
      const elements = Array.isArray(block.elements) ? block.elements : [];
      if (elements.length < 1 || elements.length > 25) out.push(`${path}.elements: ${elements.length} not in 1..25`);
      elements.forEach((el, i) => isObj(el) && checkElement(el, `${path}.elements[${i}]`, out));
      break;
    }
    case 'input':
      within(out, `${path}.label`, textOf(block.label), 2000);
      if (block.hint !== undefined) within(out, `${path}.hint`, textOf(block.hint), 2000);
      if (isObj(block.element)) checkElement(block.element, `${path}.element`, out);
      break;
    case 'divider':
    case 'rich_text':
      break;
    default:
      out.push(`${path}: unexpected block type ${String(block.type)}`);
  }
};

const asJson = (value: unknown): Json => JSON.parse(JSON.stringify(value)) as Json;

/** Violations of Block Kit limits in a message; `[]` when it is valid. */
export const messageViolations = (message: { text: string; blocks: KnownBlock[] }): string[] => {
  const out: string[] = [];
  if (message.text.trim().length === 0) out.push('text: empty fallback');
  within(out, 'text', message.text, 3000);
  if (message.blocks.length > 50) out.push(`blocks: ${message.blocks.length} > 50`);
  if (message.blocks.some((b) => b.type === 'input')) out.push('blocks: input block in a message');
  const blocks = asJson(message.blocks);
  checkTextObjects(blocks, 'blocks', out);
  if (Array.isArray(blocks)) blocks.forEach((b, i) => isObj(b) && checkBlock(b, `blocks[${i}]`, out));
  return out;
};

/** Violations of Block Kit limits in a modal view; `[]` when it is valid. */
export const modalViolations = (view: ModalView): string[] => {
  const out: string[] = [];
  if (view.type !== 'modal') out.push('type: not modal');
  within(out, 'title', view.title.text, 24);
  if (view.close !== undefined) within(out, 'close', view.close.text, 24);
  if (view.submit !== undefined) within(out, 'submit', view.submit.text, 24);
  if (view.private_metadata !== undefined) within(out, 'private_metadata', view.private_metadata, 3000);
  if (view.callback_id !== undefined) within(out, 'callback_id', view.callback_id, 255);
  if (view.blocks.length > 100) out.push(`blocks: ${view.blocks.length} > 100`);
  if (view.blocks.length === 0) out.push('blocks: empty');
  if (view.blocks.some((b) => b.type === 'input') && view.submit === undefined) out.push('submit: missing with inputs');
  const json = asJson(view);
  checkTextObjects(json, 'view', out);
  const blocks = isObj(json) ? json.blocks : undefined;
  if (Array.isArray(blocks)) blocks.forEach((b, i) => isObj(b) && checkBlock(b, `blocks[${i}]`, out));
  return out;
};

/** Every string Slack parses as mrkdwn: mrkdwn text objects and, for messages, the fallback `text`. */
export const mrkdwnStrings = (output: { text?: string; blocks: unknown[] }): string[] => {
  const found: string[] = output.text === undefined ? [] : [output.text];
  const walk = (node: Json): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (isObj(node)) {
      if (node.type === 'mrkdwn' && typeof node.text === 'string') found.push(node.text);
      Object.values(node).forEach(walk);
    }
  };
  walk(asJson(output.blocks));
  return found;
};

/**
 * Problems with control sequences in mrkdwn: an `&` that is not one of Slack's three entities, or a `<` that does
 * not open one of keywarden's own tokens (user or channel mention by id, date).
 */
export const liveMarkup = (mrkdwn: readonly string[]): string[] =>
  mrkdwn.flatMap((text) => {
    const problems: string[] = [];
    if (/&(?!amp;|lt;|gt;)/.test(text)) problems.push(`raw & in: ${text.slice(0, 120)}`);
    if (/<(?!@[UW][A-Z0-9]+>|#[CGD][A-Z0-9]+>|!date\^\d+\^\{date_short_pretty\} \{time\}\|[^<>]+>)/.test(text)) {
      problems.push(`raw < in: ${text.slice(0, 120)}`);
    }
    // Outside keywarden's own tokens a `>` is only allowed as a quote marker at the start of a line.
    if (text.replace(/<[^<>]*>/g, '').replace(/^> /gm, '').includes('>')) {
      problems.push(`raw > in: ${text.slice(0, 120)}`);
    }
    return problems;
  });

/** Asserts a message keeps Block Kit's limits and has no live markup in any of its mrkdwn. */
export const wellFormed = (message: { text: string; blocks: KnownBlock[] }): void => {
  expect(messageViolations(message)).toEqual([]);
  expect(liveMarkup(mrkdwnStrings(message))).toEqual([]);
};

/** The text of every context block's elements, one per line. */
export const contexts = (blocks: KnownBlock[]): string =>
  blocks
    .filter((b): b is ContextBlock => b.type === 'context')
    .flatMap((b) => b.elements.map((e) => ('text' in e ? e.text : '')))
    .join('\n');
