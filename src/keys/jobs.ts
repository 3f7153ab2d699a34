/**
 * The key-request feature's jobs, all on the openai queue: creating the key once approved (`provision`), deleting
 * an ended request's service account (by id, or by name when a run may have been creating one), and ending a key not
 * revealed in time or past its lifetime. Each parses its payload and
 * calls the feature; OpenAI failures are retried or given up by their kind (retry.ts `openAIRetry`).
 */
import { z } from 'zod';
import type { Logger } from 'pino';
import { defineJob, jobRunner, type JobRunner, type PayloadsOf } from '../platform/queues/catalog.js';
import { openAIRetry } from '../platform/queues/retry.js';
import {
  deleteServiceAccount,
  deleteServiceAccountsByName,
  expireKey,
  expireReveal,
  failProvisioning,
  provisionKey,
  reportProvisioningRetry,
  type KeyRequestDeps,
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

export const KEY_JOBS = [provisionJob, revokeJob, deleteByNameJob, expireRevealJob, expireKeyJob] as const;

declare module '../platform/queues/registry.js' {
  interface JobPayloads extends PayloadsOf<(typeof KEY_JOBS)[number]> {}
}


export type KeyJobDeps = KeyRequestDeps & { readonly log: Logger };

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
  ];
}
