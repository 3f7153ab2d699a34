/** A limit-change request after its decision: applied when approved (a job), or failed with the reason told. */
import type { LimitChangeRequest } from './domain/limitRequest.js';
import type { LimitChangeEvent } from './domain/limitChangeEvents.js';
import { applyProjectLimits } from './applyLimits.js';
import type { LimitDeps } from './deps.js';

/** The job after approval: apply at OpenAI and record, or mark the request failed with OpenAI's words. */
export async function applyApprovedLimitChange(deps: LimitDeps, requestId: string): Promise<'applied' | 'failed' | 'nothing-to-do'> {
  const request = (await deps.requests.document(requestId)) as unknown as LimitChangeRequest | null;
  if (!request || request.state !== 'approved') return 'nothing-to-do';
  const project = (await deps.projects.list()).find((p) => p.id === request.projectId) ?? { id: request.projectId, name: request.projectName, status: 'active' as const };
  const applied = await applyProjectLimits(deps, {
    project,
    change: request.change,
    actorId: request.requesterId,
    ...(request.decidedBy ? { approvedBy: request.decidedBy } : {}),
  });
  if (!applied.ok) {
    // OpenAI busy or rate limiting: the job retries; on its last attempt the processor calls failLimitChange.
    if (applied.error.retryable) throw new Error(applied.error.what);
    await failLimitChange(deps, request.id, applied.error.what);
    return 'failed';
  }
  const done = await deps.approvals.advance<LimitChangeRequest>(request.id, 'applied', { appliedVersion: applied.value.after.version, appliedAt: deps.clock() }, { from: ['approved'] });
  if (done.kind === 'ok') {
    await announceLimitEvent(deps, done.request, { kind: 'applied', before: applied.value.before, after: applied.value.after, ...(applied.value.after.channelId ? { announcedIn: applied.value.after.channelId } : {}) });
  }
  return 'applied';
}

/** An approved change that will not be applied: the request fails, and its thread and requester are told why. */
export async function failLimitChange(deps: Pick<LimitDeps, 'approvals'>, requestId: string, reason: string): Promise<void> {
  const failed = await deps.approvals.advance<LimitChangeRequest>(requestId, 'failed', { failure: reason }, { from: ['approved'] });
  if (failed.kind === 'ok') await announceLimitEvent(deps, failed.request, { kind: 'failed', reason });
}

/** Told once per kind of event (the engine's outbox, posted once by name), like a key request's notices. */
async function announceLimitEvent(deps: Pick<LimitDeps, 'approvals'>, request: LimitChangeRequest, event: LimitChangeEvent): Promise<void> {
  await deps.approvals.announce(request, event);
}
