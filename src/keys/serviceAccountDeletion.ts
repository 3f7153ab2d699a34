/**
 * Deleting an ended request's service account at OpenAI, by jobs: by id once the account is known, else by name (a
 * provisioning run may have been creating one). Both are queued again, an hour apart, until the deletion holds.
 */
import type { KeyRequest } from './domain/keyRequest.js';
import { serviceAccountName } from './domain/ids.js';
import { jobId } from '../platform/queues/registry.js';
import { HOUR_MS } from '../platform/domain/month.js';
import type { KeyRequestDeps } from './deps.js';

/** The clock hour a deletion job's id carries, so a deletion is queued again at most hourly. */
const hourOf = (ms: number): number => Math.floor(ms / HOUR_MS);

/**
 * Queues the deletion of an ended request's service account: by id when it is known, else by name (a run may have
 * been creating one). The reconciler queues it again, an hour apart, until the deletion is confirmed.
 */
export async function queueDeletion(deps: Pick<KeyRequestDeps, 'queues' | 'clock'>, request: KeyRequest): Promise<void> {
  if (!request.serviceAccountId) {
    await queueNameCleanup(deps, request);
    return;
  }
  await deps.queues.add(
    'openai',
    'revoke',
    { requestId: request.id, serviceAccountId: request.serviceAccountId, projectId: request.projectId },
    { jobId: jobId('revoke', request.id, hourOf(deps.clock())) },
  );
}

/** Deletes, by name, any service account a request's provisioning may have left (an hour apart at most). */
export async function queueNameCleanup(deps: Pick<KeyRequestDeps, 'queues' | 'clock'>, request: KeyRequest): Promise<void> {
  await deps.queues.add(
    'openai',
    'delete-by-name',
    { requestId: request.id, projectId: request.projectId },
    { jobId: jobId('delete-by-name', request.id, hourOf(deps.clock())) },
  );
}

/** Deletes the service account at OpenAI (a job; an already deleted one is fine), then records that it is gone. */
export async function deleteServiceAccount(
  deps: Pick<KeyRequestDeps, 'openai' | 'approvals' | 'clock'>,
  data: { requestId: string; projectId: string; serviceAccountId: string },
): Promise<void> {
  await deps.openai.deleteServiceAccount(data.projectId, data.serviceAccountId);
  await deps.approvals.amend<KeyRequest>(data.requestId, ['revoked', 'expired', 'failed'], { serviceAccountDeletedAt: deps.clock() });
}

/** The job behind queueNameCleanup: deletes every account named for the request; returns how many there were. */
export async function deleteServiceAccountsByName(deps: Pick<KeyRequestDeps, 'openai'>, data: { requestId: string; projectId: string }): Promise<number> {
  const ids = await deps.openai.findServiceAccounts(data.projectId, serviceAccountName(data.requestId));
  for (const id of ids) await deps.openai.deleteServiceAccount(data.projectId, id);
  return ids.length;
}
