/**
 * Ending a key: revoked by its owner or an admin, not revealed in time, or at the end of its lifetime. Each end is
 * audited, the service account's deletion at OpenAI is queued, and the thread and requester are told.
 */
import { holdsKey, type KeyRequest } from './domain/keyRequest.js';
import { isAdmin } from '../approvals/domain/approvers.js';
import { chooseByMaskedKey, revokeTargetKind, type RevokeTargetKind } from './domain/revokeTarget.js';
import { err, ok, type Result } from '../platform/domain/result.js';
import type { ThreadEvent } from './domain/threadEvents.js';
import { queueDeletion } from './serviceAccountDeletion.js';
import type { KeyRequestDeps } from './deps.js';

/** Why nothing was revoked. */
export type RevokeRefusal =
  | { readonly kind: 'not_found'; readonly target: string }
  | { readonly kind: 'not_allowed' }
  /** a masked key value that matches several keys the actor may revoke: their requests, newest first */
  | { readonly kind: 'ambiguous'; readonly target: string; readonly candidates: readonly KeyRequest[] }
  /** still waiting for an approver: it holds no key, and `cancel` withdraws it */
  | { readonly kind: 'pending'; readonly request: KeyRequest }
  | { readonly kind: 'no_key'; readonly request: KeyRequest };

/**
 * Finds the request a masked key value (`sk-svcacct-…nUAA`) stands for, among the keys the actor may revoke (their
 * own; every key for an admin). Keys still live are preferred over ended ones; several live matches are ambiguous.
 */
async function requestByMaskedKey(
  deps: Pick<KeyRequestDeps, 'keyRequests'>,
  masked: string,
  actorId: string,
  admin: boolean,
): Promise<Result<KeyRequest, RevokeRefusal>> {
  const indexed = await deps.keyRequests.findByMaskedKey(masked);
  const own = (await deps.keyRequests.listByUser(actorId, 100)).filter((r) => r.redactedKey === masked);
  const byId = new Map<string, KeyRequest>(own.map((r) => [r.id, r]));
  for (const id of indexed) {
    if (byId.has(id)) continue;
    const r = await deps.keyRequests.get(id);
    if (r && r.redactedKey === masked && (admin || r.requesterId === actorId)) byId.set(id, r);
  }
  const match = chooseByMaskedKey([...byId.values()]);
  if (match.kind === 'none') return err({ kind: 'not_found', target: masked });
  if (match.kind === 'ambiguous') return err({ kind: 'ambiguous', target: masked, candidates: match.candidates });
  return ok(match.request);
}

/**
 * Revokes a key now, by request id, key id or masked key value (`target`, as `kind` says; guessed from its shape
 * when left out). The owner or an admin may; the service account is deleted at OpenAI by a job.
 */
export async function revokeKey(
  deps: Pick<KeyRequestDeps, 'keyRequests' | 'audit' | 'queues' | 'clock' | 'settings' | 'groupsOf' | 'approvals'>,
  input: { readonly target: string; readonly kind?: RevokeTargetKind; readonly actorId: string },
): Promise<Result<KeyRequest, RevokeRefusal>> {
  const kind = input.kind ?? revokeTargetKind(input.target);
  const admin = isAdmin(input.actorId, await deps.groupsOf(input.actorId), deps.settings.policy);
  let request: KeyRequest | null;
  if (kind === 'masked') {
    const found = await requestByMaskedKey(deps, input.target, input.actorId, admin);
    if (!found.ok) return found;
    request = found.value;
  } else {
    const requestId = kind === 'request' ? input.target : await deps.keyRequests.findByKey(input.target);
    request = requestId ? await deps.keyRequests.get(requestId) : null;
  }
  const now = deps.clock();
  if (!request) return err({ kind: 'not_found', target: input.target });
  if (request.requesterId !== input.actorId && !admin) {
    await deps.audit.append({ actor: input.actorId, action: 'key.revoke', target: request.id, outcome: 'refused:not_allowed', at: now, project: request.projectId });
    return err({ kind: 'not_allowed' });
  }
  const revoked = await deps.approvals.advance<KeyRequest>(request.id, 'revoked', { revokedAt: now, revokedBy: input.actorId, endedReason: 'revoked' }, { from: ['approved', 'provisioning', 'awaiting_reveal', 'active'] });
  if (revoked.kind !== 'ok') {
    const current = revoked.kind === 'missing' ? request : revoked.request;
    return err(current.state === 'pending' ? { kind: 'pending', request: current } : { kind: 'no_key', request: current });
  }
  await finishRevocation(deps, revoked.request, { kind: 'revoked', by: input.actorId }, input.actorId);
  return ok(revoked.request);
}

/** Revokes a key nobody revealed by its deadline (a job); false when it is no longer waiting to be revealed. */
export async function expireReveal(deps: Pick<KeyRequestDeps, 'keyRequests' | 'audit' | 'queues' | 'clock' | 'approvals'>, requestId: string): Promise<boolean> {
  const now = deps.clock();
  const revoked = await deps.approvals.advance<KeyRequest>(requestId, 'revoked', { revokedAt: now, revokedBy: 'keywarden', endedReason: 'not revealed in time' }, { from: ['awaiting_reveal'] });
  if (revoked.kind !== 'ok') return false;
  await finishRevocation(deps, revoked.request, { kind: 'reveal_expired' }, 'keywarden');
  return true;
}

/**
 * Ends a key at the end of its lifetime (a job); one never revealed is revoked as unrevealed instead. False when
 * the key had ended already.
 */
export async function expireKey(deps: Pick<KeyRequestDeps, 'keyRequests' | 'audit' | 'queues' | 'clock' | 'approvals'>, requestId: string): Promise<boolean> {
  const expired = await deps.approvals.advance<KeyRequest>(requestId, 'expired', { endedReason: 'key lifetime ended' }, { from: ['active'] });
  if (expired.kind === 'ok') {
    await finishRevocation(deps, expired.request, { kind: 'revoked', by: 'system', reason: 'its lifetime ended' }, 'keywarden');
    return true;
  }
  // Its lifetime ended before it was ever revealed: revoke it now as unrevealed, as the reveal deadline's job would.
  if (expired.kind === 'conflict' && expired.request.state === 'awaiting_reveal') return expireReveal(deps, requestId);
  return false;
}

/**
 * What follows every end of a key (`request` already revoked or expired): the audit entry by `actor`, the deletion
 * at OpenAI queued, `event` told in the thread and to the requester, and the requester no longer told of the
 * project's cap when they hold no other key to it.
 */
export async function finishRevocation(
  deps: Pick<KeyRequestDeps, 'audit' | 'queues' | 'clock' | 'approvals' | 'keyRequests'>,
  request: KeyRequest,
  event: ThreadEvent,
  actor: string,
): Promise<void> {
  await deps.audit.append({ actor, action: 'key.revoke', target: request.id, outcome: request.state, at: deps.clock(), project: request.projectId, detail: request.endedReason ?? '' });
  await queueDeletion(deps, request);
  await deps.approvals.announce(request, event);
  // Someone who no longer holds a key to the project is no longer told when its cap is reached.
  const others = await deps.keyRequests.listByUser(request.requesterId, 100);
  if (!others.some((r) => r.id !== request.id && r.projectId === request.projectId && holdsKey(r.state))) {
    await deps.keyRequests.removeProjectOwner(request.projectId, request.requesterId);
  }
}
