/** Finding the project a limits command names, with the failure in words. */
import type { ProjectRef } from '../platform/domain/projects.js';
import { err, type Result } from '../platform/domain/result.js';
import { projectError, type UserFacingError } from '../platform/domain/userFacingError.js';
import type { LimitDeps } from './deps.js';

/** The project `query` names (an id or a name, resolved against the org's projects); an unknown, archived or ambiguous one is refused in words. */
export async function findProject(deps: Pick<LimitDeps, 'projects'>, query: string): Promise<Result<ProjectRef, UserFacingError>> {
  const found = await deps.projects.resolve(query);
  return found.ok ? found : err(projectError(found.error));
}
