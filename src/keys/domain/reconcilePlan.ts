/**
 * What the reconciler redoes for one unsettled key request, decided from the request and the time alone. Pure:
 * `reconcile.ts` carries the steps out. A crash between two steps of a flow leaves a request in a state whose next
 * step never ran; each step here is safe to run again.
 */
import type { KeyRequest } from './keyRequest.js';

/** How long after a request's last step the reconciler waits before it redoes the next one (ms). */
export const RECONCILE_GRACE_MS = 60_000;

/** One step redone for a request, in the order given. */
export type ReconcileStep =
  /** queue the request message (it was never posted: its job was lost) */
  | { readonly kind: 'post-message' }
  /** expire a pending request past its deadline */
  | { readonly kind: 'expire-request' }
  /** queue the expiry of a pending request, delayed by `delayMs` */
  | { readonly kind: 'queue-request-expiry'; readonly delayMs: number }
  /** queue the provisioning of an approved request */
  | { readonly kind: 'queue-provision' }
  /** revoke a key not revealed by its deadline */
  | { readonly kind: 'expire-reveal' }
  /** redo the follow-ups of a stored key (bindings, notices, deadlines) */
  | { readonly kind: 'finish-key-follow-ups' }
  /** end a key whose lifetime is over */
  | { readonly kind: 'expire-key' }
  /** queue the deletion of the service account at OpenAI (not confirmed yet) */
  | { readonly kind: 'queue-deletion' }
  /** queue one sweep by name for an account a lost create may have left */
  | { readonly kind: 'sweep-by-name' }
  /** nothing is left to do: the request leaves the unsettled set */
  | { readonly kind: 'settle' };

/** The steps to redo for request `r` at `now` (ms since epoch); none when it is in good order. */
export function reconcileSteps(r: KeyRequest, now: number): ReconcileStep[] {
  const steps: ReconcileStep[] = [];
  const quiet = now - (r.decidedAt ?? r.createdAt) > RECONCILE_GRACE_MS;
  // A request whose message was never posted (the job was lost): post it, whatever its state now.
  if (!r.messageTs && !r.messageUnpostable && quiet && r.state !== 'expired' && r.state !== 'denied' && r.state !== 'cancelled') {
    steps.push({ kind: 'post-message' });
  }
  switch (r.state) {
    case 'pending':
      if (now >= r.decideBy) steps.push({ kind: 'expire-request' });
      else if (!r.messageTs && quiet) steps.push({ kind: 'queue-request-expiry', delayMs: r.decideBy - now });
      break;
    case 'approved':
      if (quiet) steps.push({ kind: 'queue-provision' });
      break;
    case 'awaiting_reveal':
      if (now >= (r.revealBy ?? 0)) steps.push({ kind: 'expire-reveal' });
      else if (now - (r.keyCreatedAt ?? now) > RECONCILE_GRACE_MS) steps.push({ kind: 'finish-key-follow-ups' });
      break;
    case 'active':
      if (now >= (r.keyExpiresAt ?? Number.POSITIVE_INFINITY)) steps.push({ kind: 'expire-key' });
      break;
    case 'revoked':
    case 'expired':
    case 'failed':
      if (r.serviceAccountId && !r.serviceAccountDeletedAt) {
        steps.push({ kind: 'queue-deletion' });
        break;
      }
      // Ended with no known account after approval: one sweep by name in case a create's answer was lost.
      if (!r.serviceAccountId && r.decidedBy && r.state !== 'expired') steps.push({ kind: 'sweep-by-name' });
      steps.push({ kind: 'settle' });
      break;
    case 'provisioning':
      break; // its job is in the queue (a stalled one is taken over by another worker)
    case 'denied':
    case 'cancelled':
      steps.push({ kind: 'settle' });
      break;
  }
  return steps;
}
