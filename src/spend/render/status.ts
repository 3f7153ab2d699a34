/**
 * The living status message: one per project per month, updated in place as alerts arrive, so a channel sees one
 * message per project rather than one per poll.
 */
import type { KnownBlock } from '@slack/types';
import type { ProjectLimits } from '../../limits/domain/limits.js';
import { formatCents, type Cents } from '../../platform/domain/money.js';
import { totalSpendCents, type MonthSpend } from '../domain/aggregate.js';
import { hardCapReached, percentOf, type Enforcement } from '../domain/alerts.js';
import { forecastCrossing, forecastMonthEnd, type MonthForecast } from '../domain/forecast.js';
import { DAY_MS, utcMonthOf } from '../../platform/domain/month.js';
import { composeMessage, contextBlock, fieldsBlock, headerBlock, sectionBlock, type RenderedMessage } from '../../platform/slack/render/blocks.js';
import { codeSpan, slackDate } from '../../platform/slack/render/mrkdwn.js';
import {
  apiKeyLabel,
  dayMonthText,
  groupDigits,
  modelLabel,
  monthName,
  progressBar,
  projectName,
  type SpendProject,
} from './figures.js';

export interface SpendStatus {
  readonly project: SpendProject;
  readonly spend: MonthSpend;
  readonly limits: Pick<ProjectLimits, 'softCents' | 'hardCents'> | null;
  readonly enforcement: Enforcement;
  readonly now: number;
  /** API key id → how to show the key (its redacted value, maybe its owner); never a key's value */
  readonly keyLabels: ReadonlyMap<string, string>;
}

export const STATUS_TOP_ENTRIES = 3;
export const STATUS_UNPRICED_SHOWN = 5;

/** The last billed day, e.g. "billed by OpenAI through 21 Nov", or that nothing is billed yet this month. */
const billedThrough = (spend: MonthSpend): string =>
  spend.costsCoverUntil <= spend.monthStart
    ? 'nothing billed by OpenAI yet this month'
    : `billed by OpenAI through ${dayMonthText(spend.costsCoverUntil - 1)}`;

const spendSummary = (spend: MonthSpend): string => {
  const lines = [`*${formatCents(totalSpendCents(spend))}* spent in ${monthName(spend.month)} so far`];
  if (spend.estimateMissing) {
    lines.push(
      `${formatCents(spend.costCents)} ${billedThrough(spend)}.`,
      ':warning: Estimate unavailable: keywarden could not read usage, so spend since then is missing from these figures.',
    );
  } else if (spend.estimateCents > 0) {
    lines.push(`${formatCents(spend.costCents)} ${billedThrough(spend)} + ${formatCents(spend.estimateCents)} _estimated_ from usage not billed yet`);
  } else {
    lines.push(`${formatCents(spend.costCents)} ${billedThrough(spend)}; no unbilled usage since`);
  }
  return lines.join('\n');
};

const limitLine = (label: string, spent: Cents, limit: Cents | null | undefined, whenNone: string): string =>
  limit === null || limit === undefined
    ? `*${label}* none set${whenNone}`
    : `*${label}* ${formatCents(limit)}   ${progressBar(percentOf(spent, limit))}`;

const monthLine = (now: number, spend: MonthSpend): string => {
  const month = utcMonthOf(spend.monthStart);
  const at = Math.min(Math.max(now, month.start), month.end);
  const percent = Math.floor(((at - month.start) / (month.end - month.start)) * 100);
  const day = Math.min(month.days, Math.floor((at - month.start) / DAY_MS) + 1);
  return `*Month* ${progressBar(percent)} passed (day ${day} of ${month.days})`;
};

const paceBasis = (forecast: Extract<MonthForecast, { kind: 'projected' }>): string =>
  Number.isInteger(forecast.basisDays)
    ? forecast.basisDays === 1
      ? 'yesterday'
      : `the last ${forecast.basisDays} days`
    : 'today so far';

const forecastLine = (forecast: MonthForecast, hard: Cents | null | undefined, enforcing: boolean, capReached: boolean): string => {
  // Past the cap, a month-end figure at the old pace would assume requests still go through.
  if (capReached) return '*Forecast* none: the hard cap is reached.';
  if (forecast.kind === 'too_early') return '*Forecast* too early in the month to tell.';
  let line =
    `*Forecast* about ${formatCents(forecast.projectedCents)} by month end, at ${formatCents(forecast.dailyAverageCents)} a day ` +
    `(the pace of ${paceBasis(forecast)}).`;
  if (hard !== null && hard !== undefined && !enforcing && forecast.spentCents < hard) {
    const crossing = forecastCrossing(forecast, hard);
    line += crossing === null ? ' That stays under the hard cap.' : ` At this pace it passes the hard cap on *${dayMonthText(crossing)}*.`;
  }
  return line;
};

const rankedLines = <T>(entries: readonly T[], label: (entry: T) => string, amount: (entry: T) => Cents): string =>
  entries.length === 0
    ? '_no priced usage_'
    : entries
        .slice(0, STATUS_TOP_ENTRIES)
        .map((entry, index) => `${index + 1}. ${label(entry)} ${formatCents(amount(entry))}`)
        .join('\n');

const attributionNote = (spend: MonthSpend): string =>
  spend.usageFrom !== null && spend.usageFrom > spend.monthStart
    ? `Keys and models: usage since ${dayMonthText(spend.usageFrom)}, priced at list prices (estimates).`
    : 'Keys and models: usage priced at list prices (estimates).';

const unpricedLine = (spend: MonthSpend): string | null => {
  if (spend.unpricedModels.length === 0) return null;
  const shown = spend.unpricedModels
    .slice(0, STATUS_UNPRICED_SHOWN)
    .map((entry) => `${modelLabel(entry.model)} (${groupDigits(entry.tokens)} tokens)`);
  const more = spend.unpricedModels.length - STATUS_UNPRICED_SHOWN;
  return (
    ':grey_question: Not counted in any figure, as keywarden has no price for: ' +
    shown.join(', ') +
    (more > 0 ? `, and ${more} more` : '') +
    '.'
  );
};

const fallbackText = (status: SpendStatus): string => {
  const spent = totalSpendCents(status.spend);
  const shares: string[] = [];
  const soft = status.limits?.softCents ?? null;
  const hard = status.limits?.hardCents ?? null;
  if (soft !== null) shares.push(`${percentOf(spent, soft)}% of the soft limit`);
  if (hard !== null) shares.push(`${percentOf(spent, hard)}% of the hard cap`);
  const capReached = hardCapReached(spent, hard, status.enforcement);
  const enforcing =
    status.enforcement === 'enforcing'
      ? ' OpenAI is refusing its requests.'
      : capReached
        ? ` Hard cap reached; ${capStateText(status.enforcement)}.`
        : '';
  return (
    `${projectName(status.project, 200)}: ${formatCents(spent)} spent this month` +
    (shares.length === 0 ? '.' : ` (${shares.join(', ')}).`) +
    enforcing
  );
};

/** A reached cap OpenAI does not report as enforced: what OpenAI reports, never that it refuses requests. */
const capStateText = (enforcement: Enforcement): string =>
  enforcement === 'inactive'
    ? 'OpenAI does not report it as enforced yet (it enforces with a lag), so requests may still go through'
    : "keywarden could not read whether OpenAI enforces it yet, so requests may still go through";

/**
 * The project's month as one message: spend (billed and estimated), limits with progress, the month, a forecast
 * (none once the hard cap is reached), top keys and models. What it says about enforcement is what OpenAI reports.
 */
export const renderSpendStatus = (status: SpendStatus): RenderedMessage => {
  const { spend, limits, now } = status;
  const spent = totalSpendCents(spend);
  const enforcing = status.enforcement === 'enforcing';
  const forecast = forecastMonthEnd(spend.daily, now, spend.monthStart, spent);
  const capReached = hardCapReached(spent, limits?.hardCents ?? null, status.enforcement);
  const blocks: KnownBlock[] = [headerBlock(`OpenAI spend: ${status.project.name}`)];
  if (enforcing) {
    blocks.push(sectionBlock(":no_entry: *OpenAI is refusing this project's requests*: its hard cap is reached."));
  } else if (capReached) {
    blocks.push(sectionBlock(`:no_entry: *Hard cap reached*: ${capStateText(status.enforcement)}.`));
  }
  blocks.push(sectionBlock(spendSummary(spend)));
  blocks.push(
    sectionBlock(
      [
        limitLine('Soft limit', spent, limits?.softCents, ''),
        enforcing && (limits?.hardCents ?? null) === null
          ? '*Hard cap* set at OpenAI, with no record of it in keywarden'
          : limitLine('Hard cap', spent, limits?.hardCents, ": OpenAI won't stop this project's requests"),
        monthLine(now, spend),
        forecastLine(forecast, limits?.hardCents, enforcing, capReached),
      ].join('\n'),
    ),
  );
  blocks.push(
    fieldsBlock([
      `*Top keys*\n${rankedLines(spend.byKey, (entry) => apiKeyLabel(entry.apiKeyId, status.keyLabels), (entry) => entry.cents)}`,
      `*Top models*\n${rankedLines(spend.byModel, (entry) => modelLabel(entry.model), (entry) => entry.cents)}`,
    ]),
  );
  const unpriced = unpricedLine(spend);
  if (unpriced !== null) blocks.push(sectionBlock(unpriced));
  blocks.push(
    contextBlock(
      `${projectName(status.project, 200)} · ${codeSpan(spend.projectId, 80)}`,
      attributionNote(spend),
      `Updated ${slackDate(now)}`,
    ),
  );
  return composeMessage(fallbackText(status), blocks);
};
