import type { KnownBlock } from '@slack/types';
import { composeMessage, contextBlock, headerBlock, sectionBlock, type RenderedMessage } from '../../platform/slack/render/blocks.js';
import { BLOCK_KIT_LIMITS } from '../../platform/slack/render/blockKitLimits.js';
import { codeSpan, escapeMrkdwn, truncateText } from '../../platform/slack/render/mrkdwn.js';
import { commandCode, groupDigits, plural, projectArgument, projectLabel, projectName } from './format.js';
import type { LimitsProject, RateLimitRow } from './types.js';

/** The most models `renderRateLimits` lists; past this the message says how many more there are. */
export const RATE_LIMITS_MAX_ROWS = 120;

type RateLimitField = Exclude<keyof RateLimitRow, 'model'>;

interface RateLimitColumn {
  readonly field: RateLimitField;
  /** table heading */
  readonly short: string;
  /** in sentences */
  readonly long: string;
  /** OpenAI reports these for every model, so the table always has them */
  readonly always: boolean;
}

const COLUMNS: readonly RateLimitColumn[] = [
  { field: 'maxRequestsPerMinute', short: 'Req/min', long: 'Requests per minute', always: true },
  { field: 'maxTokensPerMinute', short: 'Tokens/min', long: 'Tokens per minute', always: true },
  { field: 'maxRequestsPerDay', short: 'Req/day', long: 'Requests per day', always: false },
  { field: 'maxImagesPerMinute', short: 'Images/min', long: 'Images per minute', always: false },
  { field: 'maxAudioMegabytesPer1Minute', short: 'Audio MB/min', long: 'Audio megabytes per minute', always: false },
  { field: 'batch1DayMaxInputTokens', short: 'Batch tokens/day', long: 'Batch input tokens per day', always: false },
];

const MODEL_COLUMN_MAX = 32;
const CODE_FENCE = '```';

/** A model name fit for a fixed-width cell: one line, no backticks (they would end the code block). */
const modelCell = (model: string): string =>
  truncateText(model.replace(/[\s\u0000-\u001f\u007f]+/g, ' ').replace(/`/g, 'ˋ').trim() || '(unnamed)', MODEL_COLUMN_MAX);

const valueText = (value: number | undefined): string => (value === undefined ? '—' : groupDigits(value));

const byModel = (a: RateLimitRow, b: RateLimitRow): number => a.model.localeCompare(b.model, 'en', { numeric: true });

/**
 * Per-model rate limits as fixed-width tables in code blocks, at most `maxRows` rows in at most `maxBlocks`
 * sections, sorted by model. `shown` is how many rows made it in.
 */
export const rateLimitTable = (
  rows: readonly RateLimitRow[],
  opts: { readonly maxRows: number; readonly maxBlocks: number },
): { readonly blocks: KnownBlock[]; readonly shown: number } => {
  const sorted = [...rows].sort(byModel).slice(0, Math.max(0, opts.maxRows));
  if (sorted.length === 0 || opts.maxBlocks < 1) return { blocks: [], shown: 0 };
  const columns = COLUMNS.filter((column) => column.always || sorted.some((row) => row[column.field] !== undefined));
  const models = sorted.map((row) => modelCell(row.model));
  const cells = sorted.map((row) => columns.map((column) => valueText(row[column.field])));
  const modelWidth = Math.max('Model'.length, ...models.map((model) => model.length));
  const widths = columns.map((column, index) =>
    Math.max(column.short.length, ...cells.map((rowCells) => (rowCells[index] ?? '').length)),
  );
  const line = (model: string, values: readonly string[]): string =>
    escapeMrkdwn([model.padEnd(modelWidth), ...values.map((value, index) => value.padStart(widths[index] ?? 0))].join('  ').trimEnd());
  const heading = line(
    'Model',
    columns.map((column) => column.short),
  );
  const room = BLOCK_KIT_LIMITS.sectionText - 2 * CODE_FENCE.length;
  const chunks: string[][] = [];
  let shown = 0;
  for (const [index, model] of models.entries()) {
    const text = line(model, cells[index] ?? []);
    const current = chunks[chunks.length - 1];
    const currentLength = current === undefined ? 0 : current.join('\n').length;
    if (current !== undefined && currentLength + 1 + text.length <= room) {
      current.push(text);
    } else if (chunks.length < opts.maxBlocks) {
      chunks.push([heading, text]);
    } else {
      break;
    }
    shown += 1;
  }
  return { blocks: chunks.map((chunk) => sectionBlock(`${CODE_FENCE}${chunk.join('\n')}${CODE_FENCE}`)), shown };
};

const rateLimitSummary = (row: RateLimitRow): string => {
  const parts = COLUMNS.flatMap((column) => {
    const value = row[column.field];
    return value === undefined ? [] : [`${groupDigits(value)} ${column.short.toLowerCase()}`];
  });
  return `${escapeMrkdwn(modelCell(row.model))}: ${parts.length === 0 ? 'no limits' : parts.join(', ')}`;
};

/** The reply to `/openai-key ratelimit <project>`: every model's limits at OpenAI. */
export const renderRateLimits = (project: LimitsProject, rows: readonly RateLimitRow[]): RenderedMessage => {
  const name = projectName(project);
  const changeHint = `Change one: ${commandCode(`ratelimit ${projectArgument(project)} <model> rpm 500 tpm 200k rpd 10k`)}`;
  const blocks: KnownBlock[] = [headerBlock(`Rate limits: ${project.name.trim() === '' ? project.id : project.name}`)];
  if (rows.length === 0) {
    blocks.push(sectionBlock(`OpenAI lists no rate limits for ${projectLabel(project)}.`));
    return composeMessage(`OpenAI lists no rate limits for project ${name}.`, blocks);
  }
  blocks.push(contextBlock(`${projectLabel(project)} · ${plural(rows.length, 'model')} · as OpenAI enforces them`));
  const reserved = blocks.length + 2;
  const table = rateLimitTable(rows, { maxRows: RATE_LIMITS_MAX_ROWS, maxBlocks: BLOCK_KIT_LIMITS.messageBlocks - reserved });
  blocks.push(...table.blocks);
  const hidden = rows.length - table.shown;
  if (hidden > 0) blocks.push(contextBlock(`…and ${plural(hidden, 'more model')} not shown.`));
  blocks.push(contextBlock(changeHint));
  const sample = [...rows].sort(byModel).slice(0, 3).map(rateLimitSummary).join('; ');
  return composeMessage(
    `Rate limits for project ${name}: ${plural(rows.length, 'model')} (${sample}${rows.length > 3 ? '; …' : ''})`,
    blocks,
  );
};

/** What a rate-limit change did, told to the admin who made it. `before` is null when it was not known. */
export const renderRateLimitChanged = (
  project: LimitsProject,
  model: string,
  before: RateLimitRow | null,
  after: RateLimitRow,
): RenderedMessage => {
  const modelLabel = codeSpan(modelCell(model), 100);
  const changed: string[] = [];
  const unchanged: string[] = [];
  for (const column of COLUMNS) {
    const was = before?.[column.field];
    const now = after[column.field];
    if (was === undefined && now === undefined) continue;
    if (before !== null && was === now) unchanged.push(`${column.long.toLowerCase()} ${valueText(now)}`);
    else changed.push(before === null ? `${column.long}: ${valueText(now)}` : `${column.long}: ${valueText(was)} → ${valueText(now)}`);
  }
  const title =
    changed.length === 0
      ? `:information_source: Rate limits for ${modelLabel} in ${projectLabel(project)} are unchanged.`
      : `:white_check_mark: Rate limits for ${modelLabel} in ${projectLabel(project)} ${before === null ? 'are now' : 'changed'}:`;
  const blocks: KnownBlock[] = [sectionBlock([title, ...changed].join('\n'))];
  if (unchanged.length > 0) blocks.push(contextBlock(`Unchanged: ${unchanged.join(', ')}.`));
  blocks.push(contextBlock(`See them all: ${commandCode(`ratelimit ${projectArgument(project)}`)}`));
  const summary = changed.length === 0 ? 'unchanged' : changed.join('; ');
  return composeMessage(
    `Rate limits for ${escapeMrkdwn(modelCell(model))} in project ${projectName(project)}: ${summary}`,
    blocks,
  );
};
