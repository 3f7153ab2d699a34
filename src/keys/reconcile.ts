/**
 * The key requests' reconciler, run on every clock tick: what a crash can cut short between two steps of a flow is
 * redone (the steps are decided in domain/reconcilePlan.ts; each is safe to run again).
 */
import { reconcileSteps } from './domain/reconcilePlan.js';
import { jobId } from '../platform/queues/registry.js';
import { expireRequest } from './requests.js';
import { afterKeyCreated } from './provisioning.js';
import { expireKey, expireReveal } from './revocation.js';
import { queueDeletion, queueNameCleanup } from './serviceAccountDeletion.js';
import type { KeyRequestDeps } from './deps.js';

/** What one reconcile pass did (counts of requests and steps). */
export interface ReconcileReport {
  /** unsettled requests looked at */
  readonly checked: number;
  /** steps redone that changed something (an expiry, a queued job) */
  readonly redone: number;
  /** requests that left the unsettled set */
  readonly settled: number;
}

/**
 * Walks the unsettled requests and redoes, idempotently, whatever a crash between two steps left undone: a request
 * message never queued, an expiry past due, a provisioning job never queued, the follow-ups of a stored key, a
 * deletion at OpenAI not yet confirmed. Settled requests leave the set.
 */
export async function reconcileRequests(deps: KeyRequestDeps): Promise<ReconcileReport> {
  const now = deps.clock();
  let redone = 0;
  let settled = 0;
  const ids = await deps.keyRequests.unsettled();
  for (const id of ids) {
    const r = await deps.keyRequests.get(id);
    if (!r) {
      await deps.keyRequests.settle(id);
      settled += 1;
      continue;
    }
    for (const step of reconcileSteps(r, now)) {
      switch (step.kind) {
        case 'post-message':
          await deps.queues.add('slack', 'post', { kind: 'request-message', requestId: r.id, mode: 'post' }, { jobId: jobId('msg', r.id) });
          break;
        case 'expire-request':
          if (await expireRequest(deps, r.id)) redone += 1;
          break;
        case 'queue-request-expiry':
          await deps.queues.add('openai', 'expire-request', { requestId: r.id }, { jobId: jobId('expire-request', r.id), delayMs: step.delayMs });
          redone += 1;
          break;
        case 'queue-provision':
          await deps.queues.add('openai', 'provision', { requestId: r.id }, { jobId: jobId('provision', r.id) });
          redone += 1;
          break;
        case 'expire-reveal':
          if (await expireReveal(deps, r.id)) redone += 1;
          break;
        case 'finish-key-follow-ups':
          await afterKeyCreated(deps, r);
          break;
        case 'expire-key':
          if (await expireKey(deps, r.id)) redone += 1;
          break;
        case 'queue-deletion':
          await queueDeletion(deps, r);
          redone += 1;
          break;
        case 'sweep-by-name':
          await queueNameCleanup(deps, r);
          break;
        case 'settle':
          await deps.keyRequests.settle(r.id);
          settled += 1;
          break;
      }
    }
  }
  return { checked: ids.length, redone, settled };
}
