/**
 * One project's month so far, as keywarden last polled it: read from what the spend poll saved in Redis (its
 * month-to-date totals and, for projects with limits, the month's daily breakdown) and the project's stored limits.
 * Nothing here calls OpenAI for spend; only a project name missing from the cached project list is looked up again
 * (the project directory's usual second look).
 */
import type { Cents } from '../platform/domain/money.js';
import type { ProjectRef } from '../platform/domain/projects.js';
import { err, ok, type Result } from '../platform/domain/result.js';
import { totalSpendCents } from './domain/aggregate.js';
import type { Enforcement } from './domain/alerts.js';
import { forecastMonthEnd, type MonthForecast } from './domain/forecast.js';
import { monthOf } from '../platform/domain/month.js';
import type { LimitsStore } from '../limits/index.js';
import type { SpendStore } from './spendStore.js';
import { projectError, type UserFacingError } from '../platform/domain/userFacingError.js';
import type { ProjectDirectory } from '../platform/openai/projectDirectory.js';

export interface ProjectSpendReportDeps {
  readonly projects: Pick<ProjectDirectory, 'resolve'>;
  readonly limits: Pick<LimitsStore, 'get'>;
  readonly spend: Pick<SpendStore, 'totals' | 'projectSpend'>;
  readonly clock: () => number;
}

export interface ProjectSpendReport {
  readonly project: ProjectRef;
  /** `2026-11`, the UTC month of `clock()` */
  readonly month: string;
  /** billed by OpenAI plus the estimate of usage not billed yet, in cents, as of `polledAt` */
  readonly spentCents: Cents;
  /** usage could not be read at the last poll, so `spentCents` holds billed costs only */
  readonly estimateMissing: boolean;
  readonly softCents: Cents | null;
  readonly hardCents: Cents | null;
  /** OpenAI's enforcement of the hard cap as last read (null: unknown or no record) */
  readonly enforcement: Enforcement;
  /** where the month heads at the last poll's pace; null when keywarden keeps no daily breakdown (no limits set) */
  readonly forecast: MonthForecast | null;
  /** ms since epoch of the poll the figures come from */
  readonly polledAt: number;
}

/**
 * Why there is no report: the project could not be resolved (`project`, in words), or the spend poll has saved no
 * figures for it this month (`no_figures`: no poll since the month began, or none that found spend for it).
 */
export type ProjectSpendRefusal =
  | { readonly kind: 'project'; readonly error: UserFacingError }
  | { readonly kind: 'no_figures'; readonly project: ProjectRef; readonly month: string; readonly hasLimits: boolean };

/**
 * The month so far of the project named `query` (id or name; an archived project too, as its spend still counts).
 * @throws the store's error when Redis cannot be read (callers say so in plain words)
 */
export async function readProjectSpendReport(deps: ProjectSpendReportDeps, query: string): Promise<Result<ProjectSpendReport, ProjectSpendRefusal>> {
  const found = await deps.projects.resolve(query);
  if (!found.ok && found.error.kind !== 'archived') return err({ kind: 'project', error: projectError(found.error) });
  const project = found.ok ? found.value : (found.error as { project: ProjectRef }).project;
  const month = monthOf(deps.clock());
  const [stored, record, totals] = await Promise.all([deps.limits.get(project.id), deps.spend.projectSpend(project.id), deps.spend.totals(month, [project.id])]);
  const thisMonth = record && record.spend.month === month ? record : null;
  const total = totals.get(project.id) ?? null;
  if (!thisMonth && !total) return err({ kind: 'no_figures', project, month, hasLimits: stored !== null });
  const spentCents = thisMonth ? totalSpendCents(thisMonth.spend) : (total as { cents: Cents }).cents;
  const polledAt = thisMonth?.polledAt ?? (total as { polledAt: number }).polledAt;
  return ok({
    project,
    month,
    spentCents,
    estimateMissing: thisMonth ? thisMonth.spend.estimateMissing : (total?.estimateMissing ?? false),
    softCents: stored?.softCents ?? null,
    hardCents: stored?.hardCents ?? null,
    enforcement: thisMonth?.enforcement ?? null,
    forecast: thisMonth ? forecastMonthEnd(thisMonth.spend.daily, thisMonth.polledAt, thisMonth.spend.monthStart, spentCents) : null,
    polledAt,
  });
}
