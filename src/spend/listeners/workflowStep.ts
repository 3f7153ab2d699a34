/**
 * The `get_project_spend` Workflow Builder step: the project's month so far as the last spend poll saved it (never
 * OpenAI on each run), its limits and the forecast; without figures, an error in plain words. Run once per execution
 * (platform/slack/workflowStep.ts).
 *
 * Money: Slack's step types have no money type (https://tools.slack.dev/deno-slack-sdk/reference/slack-types), so
 * each amount goes out twice: a `string` formatted as keywarden shows money everywhere ("$1,234.56", for messages)
 * and a `number` of dollars (1234.56, for Workflow Builder's conditions, which compare numbers). The number is the
 * integer cents divided by 100 once, so its JSON text is always exactly the cents shown; `integer` cents were not
 * chosen because a workflow author comparing "spend > 500" would read them as dollars.
 */
import type { App } from '@slack/bolt';
import { formatCents, type Cents } from '../../platform/domain/money.js';
import type { ListenerContext } from '../../platform/slack/context.js';
import { STEP } from '../../platform/slack/ids.js';
import { runStepOnce } from '../../platform/slack/workflowStep.js';
import { hardCapReached } from '../domain/alerts.js';
import { forecastCrossing } from '../domain/forecast.js';
import { readProjectSpendReport, type ProjectSpendRefusal, type ProjectSpendReport, type ProjectSpendReportDeps } from '../projectSpendReport.js';
import { monthName } from '../render/figures.js';

export type ProjectSpendStepDeps = ProjectSpendReportDeps & ListenerContext;

/** Registers the step (Bolt acknowledges each function_executed itself: autoAcknowledge). */
export function register(app: App, deps: ProjectSpendStepDeps): void {
  app.function(STEP.projectSpend, (args) =>
    runStepOnce(deps, args, 'No spend figures', async (inputs) => {
      const project = projectInput(inputs);
      if (!project.ok) return { ok: false, error: project.error };
      const report = await readProjectSpendReport(deps, project.value);
      return report.ok ? { ok: true, outputs: projectSpendOutputs(report.value) } : { ok: false, error: projectSpendRefusal(report.error) };
    }),
  );
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
