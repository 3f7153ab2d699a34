/**
 * What keywarden's Workflow Builder steps hand back to Slack: each step's outputs (named and typed as manifest.yml
 * declares them) and its errors in plain words. Pure functions, no I/O.
 *
 * Money: Slack's step types have no money type (https://tools.slack.dev/deno-slack-sdk/reference/slack-types), so
 * each amount goes out twice: a `string` formatted as keywarden shows money everywhere ("$1,234.56", for messages)
 * and a `number` of dollars (1234.56, for Workflow Builder's conditions, which compare numbers). The number is the
 * integer cents divided by 100 once, so its JSON text is always exactly the cents shown; `integer` cents were not
 * chosen because a workflow author comparing "spend > 500" would read them as dollars.
 */
import { formatCents, type Cents } from '../../platform/domain/money.js';
import type { OpenRefusal } from '../../keys/index.js';
import type { ProjectSpendRefusal, ProjectSpendReport } from '../../spend/projectSpendReport.js';
import type { KeyRequest } from '../../keys/domain/keyRequest.js';
import { hardCapReached } from '../../spend/domain/alerts.js';
import { forecastCrossing } from '../../spend/domain/forecast.js';
import { monthName } from '../../spend/render/figures.js';
import { renderStateInWords } from '../../keys/render/stateWords.js';

/** The callback_ids of keywarden's steps, as manifest.yml declares them under `functions`. */
export const STEP = {
  requestKey: 'request_openai_key',
  projectSpend: 'get_project_spend',
} as const;

/** `request_openai_key` outputs: request_id, state (the machine value, for branching) and state_text (in words). */
export function requestKeyOutputs(request: Pick<KeyRequest, 'id' | 'state'>): Record<string, string> {
  return { request_id: request.id, state: request.state, state_text: renderStateInWords(request.state) };
}

/** Why `request_openai_key` opened nothing, in plain words for the workflow's run history. */
export function requestKeyRefusal(refusal: OpenRefusal): string {
  if (refusal.kind === 'invalid') return `The key request was not sent: ${refusal.what}`;
  const [newest] = refusal.existing;
  const which = newest ? ` (${newest.id}, for "${newest.projectName}")` : '';
  return (
    `The key request was not sent: the requester already has a request waiting for an approver${which}. ` +
    'A workflow does not send a second one; wait for that decision, or cancel it with /openai-key cancel and run the workflow again.'
  );
}

/** The required `request_openai_key` inputs that are missing or not text, in words; null when all are there. */
export function missingRequestInputs(inputs: Readonly<Record<string, unknown>>): string | null {
  const missing = (['requester', 'project', 'purpose'] as const).filter((name) => typeof inputs[name] !== 'string' || (inputs[name] as string).trim() === '');
  if (missing.length === 0) return null;
  return `The key request was not sent: the step needs ${missing.join(', ')} (set ${missing.length === 1 ? 'it' : 'them'} in the step's settings in Workflow Builder).`;
}

const dollars = (amount: Cents): number => amount / 100;

/** `2026-11-27` (UTC), Slack's `slack#/types/date` form. */
const isoDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/**
 * `get_project_spend` outputs. `forecast_date` is the day spend reaches the hard cap at the last poll's pace (the
 * soft limit when there is no cap; the poll's day when it has already reached it); it is left out when that does not
 * happen this month, or there is no limit or no forecast. `*_dollars` are left out when that limit is not set.
 */
export function projectSpendOutputs(report: ProjectSpendReport): Record<string, string | number> {
  const { spentCents, softCents, hardCents, forecast } = report;
  const capReached = hardCapReached(spentCents, hardCents, report.enforcement);
  let forecastText: string;
  let forecastDate: string | null = null;
  if (forecast === null) forecastText = 'none: keywarden keeps a daily breakdown only for projects with limits';
  else if (capReached) forecastText = 'none: the hard cap is reached';
  else if (forecast.kind === 'too_early') forecastText = 'too early in the month to tell';
  else forecastText = `about ${formatCents(forecast.projectedCents)} by month end, at ${formatCents(forecast.dailyAverageCents)} a day`;
  const limit = hardCents ?? softCents;
  if (forecast !== null && limit !== null) {
    const crossing = forecastCrossing(forecast, limit);
    if (crossing !== null) forecastDate = isoDay(crossing);
  }
  const spent = formatCents(spentCents) + (report.estimateMissing ? ' (billed only: usage could not be read at the last poll)' : '');
  return {
    project_name: report.project.name,
    month: monthName(report.month),
    month_to_date: spent,
    month_to_date_dollars: dollars(spentCents),
    soft_limit: softCents === null ? 'none set' : formatCents(softCents),
    ...(softCents === null ? {} : { soft_limit_dollars: dollars(softCents) }),
    hard_cap: hardCents === null ? 'none set' : formatCents(hardCents),
    ...(hardCents === null ? {} : { hard_cap_dollars: dollars(hardCents) }),
    forecast: forecastText,
    ...(forecastDate === null ? {} : { forecast_date: forecastDate }),
    polled_at: Math.floor(report.polledAt / 1000),
  };
}

/** Why `get_project_spend` has no figures, in plain words. */
export function projectSpendRefusal(refusal: ProjectSpendRefusal): string {
  if (refusal.kind === 'project') return refusal.error.what;
  const when = monthName(refusal.month);
  return refusal.hasLimits
    ? `keywarden has no spend figures for "${refusal.project.name}" for ${when} yet: its spend poll has not run since the month began. Try again after the next poll.`
    : `keywarden has no spend figures for "${refusal.project.name}" for ${when}: no spend poll this month has found any spend for it (or none has run yet).`;
}

/** The `project` input, or the words for its absence. */
export function projectInput(inputs: Readonly<Record<string, unknown>>): { ok: true; value: string } | { ok: false; error: string } {
  const value = inputs.project;
  if (typeof value === 'string' && value.trim() !== '') return { ok: true, value: value.trim() };
  return { ok: false, error: "The step needs a project: set its name or id (proj_…) in the step's settings in Workflow Builder." };
}
