/**
 * `/openai-key limit …` and the limit form: an admin's change is applied at once; anyone else's becomes a
 * limit-change request, decided in its thread like a key request (approvedLimitChanges.ts applies it).
 */
import { randomBytes } from 'node:crypto';
import { limitRequestIdOf, openLimitChangeRequest, type LimitChangeRequest } from './domain/limitRequest.js';
import { applyLimitChange as applyChangeToLimits, limitChangeInOneLine, type LimitChange, type ProjectLimits } from './domain/limits.js';
import { withoutBookkeeping } from './domain/storedLimits.js';
import type { ProjectRef } from '../platform/domain/projects.js';
import { isAdmin } from '../approvals/domain/approvers.js';
import { err, ok, type Result } from '../platform/domain/result.js';
import type { UserFacingError } from '../platform/domain/userFacingError.js';
import { applyProjectLimits } from './applyLimits.js';
import { findProject } from './projectLookup.js';
import type { LimitDeps } from './deps.js';

/** A new limit-change request id, `lim_` and ten random lower-case letters and digits. */
export const newLimitRequestId = (): string => limitRequestIdOf(randomBytes(8));

/** An admin's change, applied: the limits before (null: none were set) and after. */
export interface ChangeApplied {
  readonly kind: 'applied';
  readonly project: ProjectRef;
  readonly before: ProjectLimits | null;
  readonly after: ProjectLimits;
}
/** A change by someone else, opened as a request for approvers. */
export interface ChangeRequested {
  readonly kind: 'requested';
  readonly request: LimitChangeRequest;
}

/** Whether keywarden can post alerts in `channelId`; when it cannot, why and what to do, in words. */
export async function checkChannel(deps: Pick<LimitDeps, 'canPostIn'>, channelId: string): Promise<Result<void, UserFacingError>> {
  const checked = await deps.canPostIn(channelId);
  if (checked.ok) return ok(undefined);
  if (checked.error === 'not_in_channel') {
    return err({ what: `keywarden is not in <#${channelId}>, so it cannot post alerts there.`, hint: 'Invite it first: type `/invite @keywarden` in that channel, then try again.' });
  }
  if (checked.error === 'is_archived') return err({ what: `<#${channelId}> is archived.`, hint: 'Pick an active channel.' });
  return err({ what: `keywarden cannot see a channel ${channelId}.`, hint: 'Pick the channel from Slack’s list (type `#` and choose it), and invite the bot with `/invite @keywarden`.' });
}

/**
 * `/openai-key limit …` and the limit form: an admin's change is applied now; anyone else's becomes a request in
 * the approval channel.
 */
export async function changeLimits(
  deps: LimitDeps,
  input: { readonly actorId: string; readonly project: string; readonly change: LimitChange; readonly reason?: string },
): Promise<Result<ChangeApplied | ChangeRequested, UserFacingError>> {
  const project = await findProject(deps, input.project);
  if (!project.ok) return project;
  const stored = await deps.limits.get(project.value.id);
  // Validate against what is stored now, for admins and requests alike, so a request that cannot apply is not opened.
  const preview = applyChangeToLimits(withoutBookkeeping(stored), input.change, {
    projectId: project.value.id,
    now: deps.clock(),
    actor: input.actorId,
    defaultChannel: deps.settings.alertChannel,
  });
  if (!preview.ok) return err({ what: preview.error.message });
  if (input.change.channelId) {
    const channel = await checkChannel(deps, input.change.channelId);
    if (!channel.ok) return channel;
  }

  const admin = isAdmin(input.actorId, await deps.groupsOf(input.actorId), deps.settings.policy);
  if (admin) {
    const applied = await applyProjectLimits(deps, { project: project.value, change: input.change, actorId: input.actorId });
    return applied.ok ? ok({ kind: 'applied', project: project.value, ...applied.value }) : applied;
  }

  const now = deps.clock();
  const before = withoutBookkeeping(stored);
  const opened = await deps.approvals.open(
    openLimitChangeRequest(
      {
        id: newLimitRequestId(),
        requesterId: input.actorId,
        projectId: project.value.id,
        projectName: project.value.name,
        change: input.change,
        before,
        ...(input.reason ? { reason: input.reason.slice(0, 500) } : {}),
      },
      now,
      deps.settings.requestTtlMs,
    ),
    { action: 'limits.request', detail: limitChangeInOneLine(before, preview.value) },
  );
  if (!opened.ok) return err({ what: 'Could not store the request (id clash); please try again.' });
  return ok({ kind: 'requested', request: opened.value });
}
