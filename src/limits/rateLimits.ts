/** A project's rate limits at OpenAI: read them (anyone), change one model's (admins). */
import { isAdmin } from '../approvals/domain/approvers.js';
import type { RateLimitChange } from './domain/limitCommands.js';
import { rateLimitChangeInWords, rateLimitOfModel } from './domain/rateLimitChange.js';
import type { ProjectRef } from '../platform/domain/projects.js';
import { err, ok, type Result } from '../platform/domain/result.js';
import type { UserFacingError } from '../platform/domain/userFacingError.js';
import type { RateLimitAtOpenAI } from '../platform/openai/admin.js';
import { describeOpenAIFailure } from '../platform/openai/failures.js';
import { findProject } from './projectLookup.js';
import type { LimitDeps } from './deps.js';

/** The rate limits OpenAI holds for the project `projectQuery` names, one per model. */
export async function readRateLimits(deps: Pick<LimitDeps, 'projects' | 'openai'>, projectQuery: string): Promise<Result<{ project: ProjectRef; rateLimits: RateLimitAtOpenAI[] }, UserFacingError>> {
  const project = await findProject(deps, projectQuery);
  if (!project.ok) return project;
  return ok({ project: project.value, rateLimits: await deps.openai.listRateLimits(project.value.id) });
}

/**
 * The rate limits OpenAI holds for the project `projectId`, one per model, or null when OpenAI could not be read
 * (the limits reply then says so instead of listing them).
 */
export async function rateLimitsOfProject(deps: Pick<LimitDeps, 'openai'>, projectId: string): Promise<RateLimitAtOpenAI[] | null> {
  return deps.openai.listRateLimits(projectId).catch(() => null);
}

/**
 * Changes one model's rate limits at OpenAI (admins only), and audits it. Refused in words: not an admin, an
 * unknown project or model (with the closest names), or OpenAI's refusal (then nothing changed).
 */
export async function changeRateLimit(
  deps: Pick<LimitDeps, 'projects' | 'openai' | 'audit' | 'clock' | 'groupsOf' | 'settings'>,
  input: { readonly actorId: string; readonly project: string; readonly model: string; readonly change: RateLimitChange },
): Promise<Result<{ project: ProjectRef; before: RateLimitAtOpenAI; after: RateLimitAtOpenAI }, UserFacingError>> {
  if (!isAdmin(input.actorId, await deps.groupsOf(input.actorId), deps.settings.policy)) {
    return err({ what: 'Only admins can change rate limits.', hint: 'Ask an admin, or see them with `/openai-key ratelimit <project>`.' });
  }
  const found = await readRateLimits(deps, input.project);
  if (!found.ok) return found;
  const { project, rateLimits } = found.value;
  const model = rateLimitOfModel(project, rateLimits, input.model);
  if (!model.ok) return model;
  const before = model.value;
  try {
    const after = await deps.openai.updateRateLimit(project.id, before.id, {
      ...(input.change.rpm !== undefined ? { maxRequestsPerMinute: input.change.rpm } : {}),
      ...(input.change.tpm !== undefined ? { maxTokensPerMinute: input.change.tpm } : {}),
      ...(input.change.rpd !== undefined ? { maxRequestsPerDay: input.change.rpd } : {}),
    });
    await deps.audit.append({ actor: input.actorId, action: 'ratelimit.change', target: `${project.id}/${before.model}`, outcome: 'applied', at: deps.clock(), project: project.id, detail: rateLimitChangeInWords(input.change) });
    return ok({ project, before, after });
  } catch (error) {
    const failure = describeOpenAIFailure(error);
    await deps.audit.append({ actor: input.actorId, action: 'ratelimit.change', target: `${project.id}/${before.model}`, outcome: `refused:openai:${failure.kind}`, at: deps.clock(), project: project.id, detail: failure.message });
    return err({ what: `OpenAI did not accept the rate limit, so nothing was changed. ${failure.message}` });
  }
}
