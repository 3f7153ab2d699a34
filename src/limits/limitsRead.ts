/** `/openai-key limits`: every project's limits, month-to-date spend and OpenAI's enforcement of its cap. */
import type { ProjectLimits } from './domain/limits.js';
import { isAdmin } from '../approvals/domain/approvers.js';
import { withoutBookkeeping, type StoredLimits } from './domain/storedLimits.js';
import { resolveProject, type ProjectRef } from '../platform/domain/projects.js';
import { err, ok, type Result } from '../platform/domain/result.js';
import { projectError, type UserFacingError } from '../platform/domain/userFacingError.js';
import { monthOf } from '../platform/domain/month.js';
import { mapConcurrently } from '../platform/concurrency.js';
import { adoptCapsOfUnlimitedProjects, readCapWithinOpenAIsLimit, reconcileHardCap } from './hardCapSync.js';
import type { LimitDeps, MonthToDateSpend } from './deps.js';

/** One project as `limits` shows it: its limits, OpenAI's enforcement of its cap (null: not read) and its spend. */
export interface LimitsView {
  readonly project: ProjectRef;
  readonly limits: ProjectLimits | null;
  readonly enforcement: 'inactive' | 'enforcing' | 'none' | null;
  /** from the last spend poll; null before the first */
  readonly monthToDate: MonthToDateSpend | null;
}

/** What `limits` shows: the projects' views, and how many projects could not be checked for a cap at OpenAI. */
export interface LimitsRead {
  readonly views: LimitsView[];
  /** active projects keywarden holds no limits for whose cap at OpenAI was not read this time */
  readonly uncheckedAtOpenAI: number;
}

/**
 * Every project with limits (one when `projectQuery` names it), with OpenAI's enforcement status; drift is checked
 * on the way, and for all projects, caps set at OpenAI on projects keywarden holds nothing for are adopted first.
 */
export async function readLimits(deps: LimitDeps, projectQuery: string | null): Promise<Result<LimitsRead, UserFacingError>> {
  const projects = await deps.projects.list();
  let wanted: ProjectRef[];
  let unchecked = 0;
  // every project's stored limits when all are listed (one read); a single project's are read on their own
  let storedById: ReadonlyMap<string, StoredLimits> | null = null;
  if (projectQuery) {
    const one = resolveProject(projectQuery, projects);
    if (!one.ok && one.error.kind !== 'archived') return err(projectError(one.error));
    wanted = [one.ok ? one.value : (one.error as { project: ProjectRef }).project];
  } else {
    const stored = new Set((await deps.limits.all()).map((l) => l.projectId));
    unchecked = await adoptCapsOfUnlimitedProjects(deps, projects.filter((p) => p.status === 'active' && !stored.has(p.id)));
    const withLimits = new Map((await deps.limits.all()).map((l) => [l.projectId, l] as const));
    storedById = withLimits;
    wanted = projects.filter((p) => withLimits.has(p.id));
  }
  const totals = await deps.spend.totals(monthOf(deps.clock()), wanted.map((p) => p.id));
  const views = await mapConcurrently(wanted, 8, async (project) => {
    let enforcement: LimitsView['enforcement'] = null;
    const stored = storedById ? (storedById.get(project.id) ?? null) : await deps.limits.get(project.id);
    let limits = withoutBookkeeping(stored);
    const read = await readCapWithinOpenAIsLimit(deps, project.id);
    if (read.kind === 'read') {
      enforcement = read.observed ? read.observed.status : 'none';
      // saves compare the record's version, so a change made since this read is not overwritten
      limits = withoutBookkeeping(await reconcileHardCap(deps, project, read.observed, stored));
    }
    return { project, limits, enforcement, monthToDate: totals.get(project.id) ?? null };
  });
  return ok({ views, uncheckedAtOpenAI: unchecked });
}

/** What the limit form opened from a hard-cap notice needs: the project's stored limits and whether the clicker is an admin. */
export interface HigherCapFormRead {
  readonly current: StoredLimits | null;
  readonly asAdmin: boolean;
}

/**
 * Reads what the "Request a higher cap" form starts from, for `userId` and the project `projectId`. Errors: whatever
 * the store or Slack's group lookup throws (the listener answers them in words).
 */
export async function readHigherCapForm(deps: Pick<LimitDeps, 'limits' | 'groupsOf' | 'settings'>, projectId: string, userId: string): Promise<HigherCapFormRead> {
  const [current, groups] = await Promise.all([deps.limits.get(projectId), deps.groupsOf(userId)]);
  return { current, asAdmin: isAdmin(userId, groups, deps.settings.policy) };
}
