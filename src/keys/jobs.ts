/**
 * The key-request feature's jobs, all on the openai queue: creating the key once approved (`provision`), deleting
 * an ended request's service account (by id, or by name when a run may have been creating one), ending a key not
 * revealed in time or past its lifetime, and the reconciler every clock tick queues. Each parses its payload and
 * calls the feature; OpenAI failures are retried or given up by their kind (retry.ts `openAIRetry`).
 */
import { z } from 'zod';
import type { Logger } from 'pino';
import { defineJob, jobRunner, type JobRunner, type PayloadsOf } from '../platform/queues/catalog.js';
import { openAIRetry } from '../platform/queues/retry.js';
import { tickJobId, type TickJob } from '../platform/queues/clock.js';
import type { SweepReport } from '../approvals/index.js';
import { sweepCapRaises, type CapRaiseDeps } from '../limits/index.js';
import {
  deleteServiceAccount,
  deleteServiceAccountsByName,
  expireKey,
  expireReveal,
  failProvisioning,
  provisionKey,
  reconcileRequests,
  reportProvisioningRetry,
  type KeyRequestDeps,
  type ReconcileReport,
} from './index.js';

const id = z.string().min(1);
const requestPayload = z.object({ requestId: id });

/** Creates the service account and its key of an approved request (job id per request). */
export const provisionJob = defineJob({ queue: 'openai', name: 'provision', payload: requestPayload, retry: openAIRetry() });
/** Deletes an ended request's service account (job id per request and hour: the reconciler queues it again until done). */
export const revokeJob = defineJob({
  queue: 'openai',
  name: 'revoke',
  payload: z.object({ requestId: id, serviceAccountId: id, projectId: id }),
  retry: openAIRetry(),
});
/** service accounts named after a request that ended while it may have been provisioning */
export const deleteByNameJob = defineJob({ queue: 'openai', name: 'delete-by-name', payload: z.object({ requestId: id, projectId: id }), retry: openAIRetry() });
/** the reveal window closes: a key not revealed by then is revoked (delayed until then) */
export const expireRevealJob = defineJob({ queue: 'openai', name: 'expire-reveal', payload: requestPayload, retry: openAIRetry() });
/** the key's lifetime ends (delayed until then) */
export const expireKeyJob = defineJob({ queue: 'openai', name: 'expire-key', payload: requestPayload, retry: openAIRetry() });
/** walks unsettled requests and redoes what a crash may have cut short, then sweeps approvals and cap raises (one attempt per clock tick) */
export const reconcileJob = defineJob({ queue: 'openai', name: 'reconcile', payload: z.object({ tickAt: z.number() }), retry: openAIRetry({ attempts: 1 }) });

export const KEY_JOBS = [provisionJob, revokeJob, deleteByNameJob, expireRevealJob, expireKeyJob, reconcileJob] as const;

declare module '../platform/queues/registry.js' {
  interface JobPayloads extends PayloadsOf<(typeof KEY_JOBS)[number]> {}
}

/** The reconciler, once per clock tick (job id from the tick). */
export const queueReconcile: TickJob = (queues, tickAt) => queues.add('openai', 'reconcile', { tickAt }, { jobId: tickJobId('reconcile', tickAt) });

export type KeyJobDeps = KeyRequestDeps & CapRaiseDeps & { readonly log: Logger };

/** What one reconcile did: requests redone or settled, pending requests expired or nudged, cap raises ended. */
export interface ReconcileAllReport {
  readonly requests: ReconcileReport;
  readonly approvals: SweepReport;
  readonly raises: { readonly ended: number; readonly failed: number };
}

/**
 * Redoes what a crash may have cut short: unsettled key requests, then the approvals sweep (expiry, reminders,
 * escalations), then temporary cap raises past their end. Safe on many replicas at once.
 */
export async function reconcileAll(deps: KeyRequestDeps & CapRaiseDeps): Promise<ReconcileAllReport> {
  const requests = await reconcileRequests(deps);
  const approvals = await deps.approvals.sweep();
  const raises = await sweepCapRaises(deps);
  return { requests, approvals, raises };
}

/** What runs the key-request jobs. */
export function keyJobRunners(deps: KeyJobDeps): JobRunner[] {
  return [
    jobRunner(provisionJob, {
      run: ({ requestId }) => provisionKey(deps, requestId),
      // The requester hears of a retry, and of the end when no attempt follows.
      onFailure: ({ requestId }, { error, final }) => (final ? failProvisioning(deps, requestId, error) : reportProvisioningRetry(deps, requestId, error)),
    }),
    jobRunner(revokeJob, {
      run: async (account) => {
        await deleteServiceAccount(deps, account);
        return 'deleted';
      },
    }),
    jobRunner(deleteByNameJob, { run: async (account) => `deleted ${await deleteServiceAccountsByName(deps, account)}` }),
    jobRunner(expireRevealJob, { run: async ({ requestId }) => ((await expireReveal(deps, requestId)) ? 'revoked' : 'unchanged') }),
    jobRunner(expireKeyJob, { run: async ({ requestId }) => ((await expireKey(deps, requestId)) ? 'expired' : 'unchanged') }),
    jobRunner(reconcileJob, {
      run: async (_tick, job) => {
        const { requests: report, approvals: swept, raises } = await reconcileAll(deps);
        if (report.redone > 0) deps.log.info({ jobId: job.id, ...report }, 'reconciled requests');
        if (swept.expired + swept.reminded + swept.escalated > 0) deps.log.info({ jobId: job.id, ...swept }, 'swept pending requests');
        if (raises.ended > 0 || raises.failed > 0) deps.log.info({ jobId: job.id, ...raises }, 'swept temporary cap raises');
        return `redone ${report.redone}, settled ${report.settled} of ${report.checked}; reminded ${swept.reminded}, escalated ${swept.escalated}`;
      },
    }),
  ];
}
