/**
 * Checks blocks and views the way Slack does before it accepts them, against the rule table in blockKitSchemas.ts,
 * and words each problem as Slack does: `<what is wrong> [json-pointer:/blocks/3/text/text]`.
 *
 * Slack answers a bad message (chat.postMessage, chat.update, chat.postEphemeral, a response_url post) with
 * `{ ok: false, error: 'invalid_blocks', errors: [...] }`, and a bad view (views.open / update / push / publish) with
 * `{ ok: false, error: 'invalid_arguments', response_metadata: { messages: ['[ERROR] ...'] } }`.
 * https://docs.slack.dev/reference/methods/chat.postMessage#errors, https://docs.slack.dev/reference/methods/views.open#errors
 */
import type { z } from 'zod';
import {
  BLOCK_SCHEMAS,
  MAX_BLOCKS,
  SURFACE_BLOCKS,
  homeViewFields,
  modalViewFields,
  type BlockType,
  type Surface,
} from './blockKitSchemas.js';

type Json = Record<string, unknown>;
type Path = readonly (string | number)[];

/** One problem as Slack words it, e.g. `must be less than 151 characters [json-pointer:/blocks/0/text/text]`. */
export type BlockKitProblem = string;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A JSON pointer (RFC 6901) for a path below `base`. */
function pointer(base: Path, path: readonly PropertyKey[]): string {
  const parts = [...base, ...path].map((part) => String(part).replace(/~/g, '~0').replace(/\//g, '~1'));
  return `/${parts.join('/')}`;
}

function problem(message: string, base: Path, path: readonly PropertyKey[] = []): BlockKitProblem {
  return `${message} [json-pointer:${pointer(base, path)}]`;
}

const TYPE_WORDS: Record<string, string> = {
  object: 'an object',
  array: 'an array',
  string: 'a string',
  number: 'a number',
  boolean: 'a boolean',
};

/** Slack's wording for one zod issue (the phrases Slack's own validator uses). */
function slackWording(issue: z.core.$ZodIssue, base: Path): BlockKitProblem[] {
  switch (issue.code) {
    case 'invalid_type': {
      if (issue.input === undefined) {
        const field = issue.path.at(-1);
        return [problem(`missing required field: ${String(field)}`, base, issue.path)];
      }
      return [problem(`must provide ${TYPE_WORDS[issue.expected] ?? issue.expected}`, base, issue.path)];
    }
    case 'too_big':
      if (issue.origin === 'array') return [problem(`no more than ${String(issue.maximum)} items allowed`, base, issue.path)];
      return [problem(`must be at most ${String(issue.maximum)}`, base, issue.path)];
    case 'too_small':
      if (issue.origin === 'array') return [problem(`must provide at least ${String(issue.minimum)} items`, base, issue.path)];
      return [problem(`must be at least ${String(issue.minimum)}`, base, issue.path)];
    case 'unrecognized_keys':
      return issue.keys.map((key) => problem(`invalid additional property: ${key}`, base, [...issue.path, key]));
    case 'invalid_value':
      return [problem(`must be one of: ${issue.values.map(String).join(', ')}`, base, issue.path)];
    case 'invalid_union':
      if ('discriminator' in issue && issue.discriminator) {
        const found = isRecord(issue.input) ? issue.input[issue.discriminator as string] : undefined;
        return [problem(`unsupported type: ${String(found)}`, base, issue.path)];
      }
      return [problem('failed to match all allowed schemas', base, issue.path)];
    case 'invalid_format':
      return [problem(issue.message, base, issue.path)];
    default:
      return [problem(issue.message, base, issue.path)];
  }
}

function zodProblems(schema: z.ZodType, value: unknown, base: Path): BlockKitProblem[] {
  const result = schema.safeParse(value, { reportInput: true });
  return result.success ? [] : result.error.issues.flatMap((issue) => slackWording(issue, base));
}

// ── rules across fields (what one field's schema cannot say) ───────────

type CrossFieldRule = (node: Json, at: Path) => BlockKitProblem[];

const numberOf = (value: unknown): number | undefined => (typeof value === 'string' ? Number(value) : undefined);

/** Cross-field rules, by block or element type, each with its source. */
const CROSS_FIELD_RULES: Readonly<Record<string, CrossFieldRule>> = {
  // https://docs.slack.dev/reference/block-kit/blocks/section-block: text is required unless fields are given.
  section: (node, at) => (node.text === undefined && node.fields === undefined ? [problem('must provide text or fields', at)] : []),
  // https://docs.slack.dev/reference/block-kit/blocks/image-block: image_url or slack_file, one of the two.
  image: (node, at) =>
    (node.image_url === undefined) === (node.slack_file === undefined)
      ? [problem('must provide exactly one of image_url and slack_file', at)]
      : [],
  // https://docs.slack.dev/reference/block-kit/block-elements/select-menu-element: options or option_groups, one of the two.
  static_select: (node, at) =>
    (node.options === undefined) === (node.option_groups === undefined)
      ? [problem('must provide exactly one of options and option_groups', at)]
      : [],
  multi_static_select: (node, at) =>
    (node.options === undefined) === (node.option_groups === undefined)
      ? [problem('must provide exactly one of options and option_groups', at)]
      : [],
  // https://docs.slack.dev/reference/block-kit/block-elements/plain-text-input-element
  plain_text_input: (node, at) => {
    const min = node.min_length;
    const max = node.max_length;
    if (typeof min === 'number' && typeof max === 'number' && min > max) {
      return [problem('min_length must not be greater than max_length', at, ['min_length'])];
    }
    return [];
  },
  // https://docs.slack.dev/reference/block-kit/block-elements/number-input-element: min ≤ initial ≤ max,
  // and whole numbers unless is_decimal_allowed.
  number_input: (node, at) => {
    const found: BlockKitProblem[] = [];
    const min = numberOf(node.min_value);
    const max = numberOf(node.max_value);
    const initial = numberOf(node.initial_value);
    if (min !== undefined && max !== undefined && min > max) found.push(problem('min_value must not be greater than max_value', at, ['min_value']));
    if (initial !== undefined && min !== undefined && initial < min) found.push(problem('initial_value must not be less than min_value', at, ['initial_value']));
    if (initial !== undefined && max !== undefined && initial > max) found.push(problem('initial_value must not be greater than max_value', at, ['initial_value']));
    if (node.is_decimal_allowed === false) {
      for (const field of ['initial_value', 'min_value', 'max_value'] as const) {
        const value = node[field];
        if (typeof value === 'string' && value.includes('.')) found.push(problem('must be a whole number', at, [field]));
      }
    }
    return found;
  },
};

/** The elements inside a block, each with its path relative to the block. */
function elementsOf(block: Json): { element: Json; path: Path }[] {
  const found: { element: Json; path: Path }[] = [];
  if (isRecord(block.accessory)) found.push({ element: block.accessory, path: ['accessory'] });
  if (isRecord(block.element)) found.push({ element: block.element, path: ['element'] });
  if ((block.type === 'actions' || block.type === 'context') && Array.isArray(block.elements)) {
    block.elements.forEach((element, index) => {
      if (isRecord(element)) found.push({ element, path: ['elements', index] });
    });
  }
  return found;
}

function crossFieldProblems(node: Json, at: Path): BlockKitProblem[] {
  const rule = typeof node.type === 'string' ? CROSS_FIELD_RULES[node.type] : undefined;
  return rule ? rule(node, at) : [];
}

// ── block lists and views ──────────────────────────────────────────────

/**
 * Every problem Slack would find in `blocks` shown on `surface`, each naming its place below `base`
 * (`['blocks']` for a message, `['view', 'blocks']` for a view). `[]` when Slack would accept them.
 */
export function blockListProblems(blocks: unknown, surface: Surface, base: Path = ['blocks']): BlockKitProblem[] {
  if (!Array.isArray(blocks)) return [problem('must provide an array', base)];
  const max = MAX_BLOCKS[surface];
  if (blocks.length > max) return [problem(`no more than ${max} items allowed`, base)];
  const found: BlockKitProblem[] = [];
  const seenBlockIds = new Set<string>();
  const allowed: readonly string[] = SURFACE_BLOCKS[surface];
  blocks.forEach((block, index) => {
    const at = [...base, index];
    if (!isRecord(block)) {
      found.push(problem('must provide an object', at));
      return;
    }
    if (typeof block.type !== 'string' || block.type === '') {
      found.push(problem('missing required field: type', at, ['type']));
      return;
    }
    if (!(block.type in BLOCK_SCHEMAS)) {
      found.push(problem(`unsupported type: ${block.type}`, at, ['type']));
      return;
    }
    if (!allowed.includes(block.type)) {
      found.push(problem(`${block.type} blocks are not allowed in a ${surface}`, at, ['type']));
      return;
    }
    const schemaProblems = zodProblems(BLOCK_SCHEMAS[block.type as BlockType], block, at);
    found.push(...schemaProblems);
    if (schemaProblems.length === 0) {
      found.push(...crossFieldProblems(block, at));
      for (const { element, path } of elementsOf(block)) found.push(...crossFieldProblems(element, [...at, ...path]));
    }
    if (typeof block.block_id === 'string') {
      if (seenBlockIds.has(block.block_id)) found.push(problem('duplicate block_id', at, ['block_id']));
      seenBlockIds.add(block.block_id);
    }
  });
  return found;
}

/**
 * Every problem Slack would find in a view sent to views.open / update / push / publish, or in a view_submission
 * acknowledgement's `view`, with pointers below `/view`. `allowed` lists the view types that method accepts.
 * `[]` when Slack would accept it. https://docs.slack.dev/reference/views/modal-views
 */
export function viewProblems(view: unknown, allowed: readonly ('modal' | 'home')[]): BlockKitProblem[] {
  const base = ['view'];
  if (!isRecord(view)) return [problem('failed to match all allowed schemas', base)];
  const type = view.type;
  if (type !== 'modal' && type !== 'home') return [problem('must provide a valid view type', base, ['type'])];
  if (!allowed.includes(type)) return [problem(`view type must be ${allowed.join(' or ')}`, base, ['type'])];
  const found = zodProblems(type === 'modal' ? modalViewFields : homeViewFields, view, base);
  if (Array.isArray(view.blocks)) {
    found.push(...blockListProblems(view.blocks, type, ['view', 'blocks']));
    // https://docs.slack.dev/reference/views/modal-views: submit is required when an input block is within blocks.
    const hasInput = view.blocks.some((block) => isRecord(block) && block.type === 'input');
    if (type === 'modal' && hasInput && view.submit === undefined) {
      found.push(problem('submit is required when the view has input blocks', base, ['submit']));
    }
  }
  return found;
}
