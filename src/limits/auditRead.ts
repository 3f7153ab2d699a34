/** The audit log as admins read it with `/openai-key audit` (every feature's entries, by project or all). */
import { isAdmin } from '../approvals/domain/approvers.js';
import { err, ok } from '../platform/domain/result.js';
import type { UserFacingError } from '../platform/domain/userFacingError.js';
import { findProject } from './projectLookup.js';
import type { LimitDeps } from './deps.js';

/**
 * The audit log for admins: the newest 100 entries of the last `days` days, for one project or all, with the
 * projects' names so entries read by name. Non-admins are refused in words.
 */
export async function readAudit(
  deps: Pick<LimitDeps, 'audit' | 'projects' | 'clock' | 'groupsOf' | 'settings'>,
  input: { readonly actorId: string; readonly project: string | null; readonly days: number },
) {
  if (!isAdmin(input.actorId, await deps.groupsOf(input.actorId), deps.settings.policy)) {
    return err<UserFacingError>({ what: 'Only admins can read the audit log.' });
  }
  let projectId: string | undefined;
  if (input.project) {
    const project = await findProject(deps, input.project);
    if (!project.ok) {
      // An archived project's history is still worth reading.
      const archived = (await deps.projects.list()).find((p) => p.name.toLowerCase() === input.project?.toLowerCase() || p.id === input.project);
      if (!archived) return project;
      projectId = archived.id;
    } else projectId = project.value.id;
  }
  const entries = await deps.audit.recent({ limit: 100, sinceMs: deps.clock() - input.days * 86_400_000, ...(projectId ? { project: projectId } : {}) });
  // Names for the projects the entries mention (the directory's cached list, archived projects included).
  const projectNames = new Map((await deps.projects.list()).map((p) => [p.id, p.name] as const));
  return ok({ entries, projectId: projectId ?? null, projectNames });
}
