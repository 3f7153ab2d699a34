import type { KnownBlock } from '@slack/types';
import { raiseInForce } from '../domain/limits.js';
import { composeMessage, contextBlock, fieldsBlock, headerBlock, sectionBlock, type RenderedMessage } from '../../platform/slack/render/blocks.js';
import { BLOCK_KIT_LIMITS } from '../../platform/slack/render/blockKitLimits.js';
import { slackDate, utcDateText } from '../../platform/slack/render/mrkdwn.js';
import {
  actorText,
  channelText,
  commandCode,
  groupDigits,
  hardCapText,
  plural,
  projectArgument,
  projectLabel,
  projectName,
  softLimitText,
  spendText,
} from './format.js';
import { raiseLine } from './raise.js';
import { rateLimitTable } from './rateLimits.js';
import type { LimitsRow, RateLimitRow } from './types.js';

export const LIMITS_OVERVIEW_DEFAULT_PAGE_SIZE = 10;
/** Header, as-of line and the footer take 3 of Slack's 50 blocks; one section per project fills the rest. */
export const LIMITS_OVERVIEW_MAX_PAGE_SIZE = BLOCK_KIT_LIMITS.messageBlocks - 3;
/** The most models `renderProjectLimits` lists; the full list is `/openai-key ratelimit <project>`. */
export const PROJECT_RATE_LIMITS_MAX_ROWS = 15;

const SET_ONE = commandCode('limit <project> soft 500 hard 800');

/** What needs attention first: a hard cap OpenAI enforces, then spend past the soft limit. */
const attentionMark = (row: LimitsRow): string => {
  if (row.enforcement === 'enforcing') return ':no_entry: ';
  const spent = row.monthToDateCents;
  const hard = row.limits?.hardCents ?? null;
  const soft = row.limits?.softCents ?? null;
  if (spent !== null && hard !== null && spent >= hard) return ':no_entry: ';
  if (spent !== null && soft !== null && spent >= soft) return ':warning: ';
  return '';
};

const isAtRisk = (row: LimitsRow): boolean => attentionMark(row) !== '';

/** One project as a compact section: name, spend, soft limit and thresholds, hard cap, alert channel. */
const overviewSection = (row: LimitsRow): string => {
  const head = `${attentionMark(row)}${projectLabel(row.project)}${row.project.status === 'archived' ? ' · _archived_' : ''}`;
  const spend = `Month to date: ${spendText(row)}`;
  if (row.limits === null) {
    const hard = hardCapText(null, row.enforcement);
    return [head, spend, `No limits set in keywarden${hard === 'none' ? '' : ` · Hard cap: ${hard}`}`].join('\n');
  }
  return [
    head,
    spend,
    `Soft: ${softLimitText(row.limits)}`,
    `Hard: ${hardCapText(row.limits.hardCents, row.enforcement)}`,
    ...(raiseLine(row.limits) === null ? [] : [raiseLine(row.limits) as string]),
    `Alerts go to ${channelText(row.limits.channelId)}`,
  ].join('\n');
};

const fallbackEntry = (row: LimitsRow): string => {
  const spend = row.monthToDateCents === null ? 'spend unknown' : spendText(row, { bold: false });
  return `${projectName(row.project, 60)} (${spend}${row.enforcement === 'enforcing' ? ', hard cap enforcing' : ''})`;
};

/**
 * The `/openai-key limits` reply: one compact section per project, `pageSize` projects per page (`page` counts
 * from 1 and is clamped to the pages there are), in the order given.
 */
export const renderLimitsOverview = (
  rows: readonly LimitsRow[],
  opts: {
    readonly now: number;
    readonly page?: number;
    readonly pageSize?: number;
    /** active projects without limits in keywarden whose cap at OpenAI was not read this time */
    readonly uncheckedAtOpenAI?: number;
  },
): RenderedMessage => {
  const unchecked =
    (opts.uncheckedAtOpenAI ?? 0) > 0
      ? `${plural(opts.uncheckedAtOpenAI ?? 0, 'project')} without limits in keywarden ${opts.uncheckedAtOpenAI === 1 ? 'was' : 'were'} not checked for a cap at OpenAI yet; run ${commandCode('limits')} again in a minute to check more.`
      : null;
  if (rows.length === 0) {
    const text = `No projects to show limits for. Set a project's limits with ${SET_ONE}.`;
    return composeMessage(
      'No projects to show spend limits for. Set one with /openai-key limit &lt;project&gt; soft 500 hard 800',
      [headerBlock('Spend limits'), sectionBlock(`:seedling: ${text}`), ...(unchecked === null ? [] : [contextBlock(unchecked)])],
    );
  }
  const pageSize = Math.min(
    LIMITS_OVERVIEW_MAX_PAGE_SIZE,
    Math.max(1, Math.floor(opts.pageSize ?? LIMITS_OVERVIEW_DEFAULT_PAGE_SIZE)),
  );
  const pages = Math.ceil(rows.length / pageSize);
  const page = Math.min(pages, Math.max(1, Math.floor(opts.page ?? 1)));
  const first = (page - 1) * pageSize;
  const shown = rows.slice(first, first + pageSize);
  const after = rows.length - first - shown.length;

  const range = pages === 1 ? plural(rows.length, 'project') : `projects ${first + 1}–${first + shown.length} of ${rows.length}`;
  const blocks: KnownBlock[] = [
    headerBlock('Spend limits'),
    contextBlock(`${range} · month to date as of ${slackDate(opts.now)}${pages > 1 ? ` · page ${page} of ${pages}` : ''}`),
    ...shown.map((row) => sectionBlock(overviewSection(row))),
  ];
  const footer: string[] = [];
  if (after > 0) footer.push(`…and ${plural(after, 'more project')} — ${commandCode('limits <project>')} for one`);
  if (rows.every((row) => row.limits === null)) footer.push(`No limits are set yet. Set some with ${SET_ONE}.`);
  if (unchecked !== null) footer.push(unchecked);
  if (footer.length > 0) blocks.push(contextBlock(...footer));

  const atRisk = rows.filter(isAtRisk);
  const attention =
    atRisk.length === 0
      ? ''
      : ` ${atRisk.length === 1 ? '1 project needs' : `${groupDigits(atRisk.length)} projects need`} attention: ` +
        `${atRisk.slice(0, 3).map(fallbackEntry).join(', ')}${atRisk.length > 3 ? ', …' : ''}.`;
  const listed = shown.slice(0, 5).map(fallbackEntry).join(', ');
  return composeMessage(
    `Spend limits, ${range}, as of ${utcDateText(opts.now)}: ${listed}${shown.length > 5 ? ', …' : ''}.${attention}`,
    blocks,
  );
};

/** One project's limits in detail, with its per-model rate limits (null when they could not be read). */
export const renderProjectLimits = (
  row: LimitsRow,
  rateLimits: readonly RateLimitRow[] | null,
  opts: { readonly now: number },
): RenderedMessage => {
  const { project, limits } = row;
  const facts = [
    `*Project*\n${projectLabel(project)}${project.status === 'archived' ? ' · _archived_' : ''}`,
    `*Month to date*\n${spendText(row)}`,
    `*Soft limit*\n${limits === null ? 'none' : softLimitText(limits)}`,
    `*Hard cap*\n${hardCapText(limits?.hardCents ?? null, row.enforcement)}${raiseLine(limits) === null ? '' : `\n${raiseLine(limits)}`}`,
    `*Alert channel*\n${limits === null ? 'none set' : channelText(limits.channelId)}`,
    ...(limits === null ? [] : [`*Last changed*\n${slackDate(limits.updatedAt)} by ${actorText(limits.updatedBy)}`]),
  ];
  const blocks: KnownBlock[] = [
    headerBlock(`Spend limits: ${project.name.trim() === '' ? project.id : project.name}`),
    contextBlock(`Month to date as of ${slackDate(opts.now)}`),
    fieldsBlock(facts),
  ];
  if (row.enforcement === 'enforcing') {
    blocks.push(
      sectionBlock(':no_entry: OpenAI is enforcing this project’s hard cap: its requests are refused until the month ends or the cap is raised.'),
    );
  }
  const argument = projectArgument(project);
  if (rateLimits === null) {
    blocks.push(sectionBlock('*Rate limits per model*\nOpenAI’s rate limits could not be read just now.'));
  } else if (rateLimits.length === 0) {
    blocks.push(sectionBlock('*Rate limits per model*\nOpenAI lists none for this project.'));
  } else {
    blocks.push(sectionBlock(`*Rate limits per model* (${plural(rateLimits.length, 'model')})`));
    const table = rateLimitTable(rateLimits, { maxRows: PROJECT_RATE_LIMITS_MAX_ROWS, maxBlocks: 3 });
    blocks.push(...table.blocks);
    const hidden = rateLimits.length - table.shown;
    if (hidden > 0) blocks.push(contextBlock(`…and ${plural(hidden, 'more model')} — ${commandCode(`ratelimit ${argument}`)} for all`));
  }
  blocks.push(
    contextBlock(
      `Change: ${commandCode(`limit ${argument} soft 500 hard 800 at 50,80,100`)}`,
    ),
  );
  const name = projectName(project);
  const hard = limits?.hardCents ?? null;
  const raise = raiseInForce(limits);
  return composeMessage(
    `Spend limits for ${name}: month to date ${spendText(row, { bold: false })}; soft ${limits === null ? 'none' : softLimitText(limits)}; ` +
      `hard ${hardCapText(hard, row.enforcement)}${raise === null ? '' : `, raised until ${utcDateText(raise.endsAt)}`}.`,
    blocks,
  );
};
