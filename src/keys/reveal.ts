/**
 * Showing a created key to its requester, once: the sealed copy is taken and opened in the same step that marks
 * the request active, and put back when the modal that shows it could not be opened.
 */
import type { KeyRequest } from './domain/keyRequest.js';
import { err, ok, type Result } from '../platform/domain/result.js';
import { openSecret } from './keySealing.js';
import { expireReveal, finishRevocation } from './revocation.js';
import type { KeyRequestDeps } from './deps.js';

/**
 * Why no key was shown. `unavailable` carries the request as it is now (revealed, revoked by someone, expired,
 * not revealed in time…): the renderer tells the real reason from it.
 */
export type RevealRefusal =
  | { readonly kind: 'not_found' }
  | { readonly kind: 'not_owner' }
  | { readonly kind: 'unavailable'; readonly request: KeyRequest }
  | { readonly kind: 'not_ready'; readonly request: KeyRequest };

/** A key taken from its sealed copy to be shown once, with the way to put it back. */
export interface Revealed {
  readonly request: KeyRequest;
  readonly keyValue: string;
  /** puts the key back when it could not be shown (the modal failed to open) */
  readonly undo: () => Promise<void>;
}

/** Takes the sealed key and marks the request active in one step: a second click finds nothing. */
export async function revealKey(
  deps: Pick<KeyRequestDeps, 'keyRequests' | 'audit' | 'queues' | 'clock' | 'settings' | 'approvals'>,
  input: { readonly requestId: string; readonly userId: string },
): Promise<Result<Revealed, RevealRefusal>> {
  const request = await deps.keyRequests.get(input.requestId);
  if (!request) return err({ kind: 'not_found' });
  if (request.requesterId !== input.userId) {
    await deps.audit.append({ actor: input.userId, action: 'key.reveal', target: request.id, outcome: 'refused:not_owner', at: deps.clock(), project: request.projectId });
    return err({ kind: 'not_owner' });
  }
  const now = deps.clock();
  const taken = await deps.approvals.advance<KeyRequest>(request.id, 'active', { revealedAt: now }, { from: ['awaiting_reveal'], secret: { kind: 'take' } });
  if (taken.kind === 'missing') return err({ kind: 'not_found' });
  if (taken.kind === 'conflict') {
    const r = taken.request;
    if (r.state === 'pending' || r.state === 'approved' || r.state === 'provisioning') return err({ kind: 'not_ready', request: r });
    return err({ kind: 'unavailable', request: r });
  }
  // The sealed copy's TTL (the reveal deadline) passed before the deadline's job ran.
  if (taken.kind === 'no_secret') return err({ kind: 'unavailable', request: taken.request });

  const keyValue = openSecret(deps.settings.secret, taken.sealedSecret ?? '', request.id);
  if (keyValue === null) {
    // Sealed under another KEYWARDEN_SECRET (it was changed): nobody can ever read this key, so it is revoked.
    const revoked = await deps.approvals.advance<KeyRequest>(request.id, 'revoked', { revokedAt: now, revokedBy: 'keywarden', endedReason: 'its sealed copy could not be opened (KEYWARDEN_SECRET changed)' }, { from: ['active'] });
    if (revoked.kind === 'ok') await finishRevocation(deps, revoked.request, { kind: 'revoked', by: 'keywarden', reason: revoked.request.endedReason ?? '' }, 'keywarden');
    return err({ kind: 'unavailable', request: revoked.kind === 'missing' ? taken.request : revoked.request });
  }
  const r = taken.request;
  const sealed = taken.sealedSecret ?? '';
  return ok({
    request: r,
    keyValue,
    undo: async () => {
      const back = await deps.approvals.advance<KeyRequest>(r.id, 'awaiting_reveal', { revealedAt: null as unknown as number }, { from: ['active'] });
      if (back.kind !== 'ok') return;
      const left = (r.revealBy ?? 0) - deps.clock();
      if (left > 0) await deps.keyRequests.restoreSecret(r.id, sealed, left);
      // The reveal deadline passed while the modal was failing: the deadline's job found the key "active".
      else await expireReveal(deps, r.id);
    },
  });
}

/** After the modal showed the key: audit and tell the thread (failures here must not hide the shown key). */
export async function recordReveal(deps: Pick<KeyRequestDeps, 'audit' | 'queues' | 'clock' | 'approvals'>, request: KeyRequest): Promise<void> {
  await deps.audit.append({ actor: request.requesterId, action: 'key.reveal', target: request.id, outcome: 'active', at: deps.clock(), project: request.projectId });
  await deps.approvals.announce(request, { kind: 'revealed', by: request.requesterId });
}
