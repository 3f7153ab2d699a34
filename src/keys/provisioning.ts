/**
 * Making the key of an approved request (a job): create the service account at OpenAI, seal its key until it is
 * revealed, then the follow-ups (bindings, notices, deadlines). Also what happens when provisioning fails.
 */
import { randomBytes } from 'node:crypto';
import { redactSecret } from '../platform/domain/redact.js';
import type { KeyRequest } from './domain/keyRequest.js';
import { serviceAccountName } from './domain/ids.js';
import { describeOpenAIFailure } from '../platform/openai/failures.js';
import { jobId } from '../platform/queues/registry.js';
import type { ThreadEvent } from './domain/threadEvents.js';
import { sealSecret } from './keySealing.js';
import { queueNameCleanup } from './serviceAccountDeletion.js';
import type { KeyRequestDeps } from './deps.js';

/**
 * What a provisioning run did: `created` the key, `completed` the follow-ups of a key stored before, found
 * `nothing-to-do`, saw the request revoked meanwhile, or was `superseded` by another run (its account deleted).
 */
export type ProvisionOutcome = 'created' | 'completed' | 'nothing-to-do' | 'revoked-meanwhile' | 'superseded';

/**
 * Creates the service account and seals its key. Safe to run again after a crash at any point:
 * - a service account left by an earlier attempt (found by its name) is deleted before a new one is made;
 * - each run takes a new attempt token, and only the run holding it may store its key, so a second worker on the
 *   same job (after a lost lock) cannot leave two accounts behind;
 * - a run that finds the key already stored finishes the follow-ups (notes, DM, deadlines) instead.
 */
export async function provisionKey(deps: KeyRequestDeps, requestId: string): Promise<ProvisionOutcome> {
  const request = await deps.keyRequests.get(requestId);
  if (!request) return 'nothing-to-do';
  if (request.state === 'awaiting_reveal') {
    await afterKeyCreated(deps, request);
    return 'completed';
  }
  if (request.state === 'revoked' || request.state === 'failed') {
    // Ended while a run may have been creating an account: make sure none is left under its name.
    await queueNameCleanup(deps, request);
    return 'nothing-to-do';
  }
  if (request.state !== 'approved' && request.state !== 'provisioning') return 'nothing-to-do';

  const token = randomBytes(8).toString('hex');
  const started = await deps.approvals.advance<KeyRequest>(request.id, 'provisioning', { provisionToken: token }, { from: ['approved', 'provisioning'] });
  if (started.kind !== 'ok') return 'nothing-to-do';

  const name = serviceAccountName(request.id);
  for (const leftover of await deps.openai.findServiceAccounts(request.projectId, name)) {
    await deps.openai.deleteServiceAccount(request.projectId, leftover);
  }
  const created = await deps.openai.createServiceAccount(request.projectId, name, request.lifetimeDays * 86_400);
  const now = deps.clock();
  const revealBy = now + deps.settings.revealTtlMs;
  const keyExpiresAt = created.keyExpiresAt ?? now + request.lifetimeDays * 86_400_000;
  const stored = await deps.approvals.advance<KeyRequest>(
    request.id,
    'awaiting_reveal',
    {
      serviceAccountId: created.serviceAccountId,
      keyId: created.keyId,
      redactedKey: redactSecret(created.keyValue),
      keyCreatedAt: now,
      keyExpiresAt,
      revealBy,
    },
    {
      from: ['provisioning'],
      expect: { provisionToken: token },
      secret: { kind: 'set', sealed: sealSecret(deps.settings.secret, created.keyValue, request.id), ttlMs: deps.settings.revealTtlMs },
    },
  );
  if (stored.kind !== 'ok') {
    // Revoked meanwhile, or another run took over: this account must not outlive this run.
    await deps.openai.deleteServiceAccount(request.projectId, created.serviceAccountId);
    return stored.kind === 'conflict' && stored.request.state === 'provisioning' ? 'superseded' : 'revoked-meanwhile';
  }
  const r = stored.request;
  await deps.audit.append({
    actor: 'keywarden',
    action: 'key.create',
    target: r.id,
    outcome: 'awaiting_reveal',
    at: now,
    project: r.projectId,
    detail: `service account ${created.serviceAccountId}, key ${created.keyId} (${r.redactedKey ?? ''})`,
  });
  await afterKeyCreated(deps, r);
  return 'created';
}

/** Everything that follows a stored key; each step may run again (by a retried job or the reconciler). */
export async function afterKeyCreated(deps: Pick<KeyRequestDeps, 'keyRequests' | 'queues' | 'approvals' | 'clock'>, r: KeyRequest): Promise<void> {
  if (!r.keyId || r.revealBy === undefined || r.keyExpiresAt === undefined) return;
  const now = deps.clock();
  await deps.keyRequests.bindKey(r.keyId, r.id);
  if (r.redactedKey) await deps.keyRequests.bindMaskedKey(r.redactedKey, r.id);
  await deps.keyRequests.addProjectOwner(r.projectId, r.requesterId);
  await deps.approvals.announce(r, { kind: 'key_created', redactedKey: r.redactedKey ?? '', keyExpiresAt: r.keyExpiresAt } satisfies ThreadEvent);
  await deps.queues.add('openai', 'expire-reveal', { requestId: r.id }, { jobId: jobId('expire-reveal', r.id), delayMs: r.revealBy - now });
  await deps.queues.add('openai', 'expire-key', { requestId: r.id }, { jobId: jobId('expire-key', r.id), delayMs: r.keyExpiresAt - now });
}

/** Called when provisioning will not be tried again. */
export async function failProvisioning(deps: Pick<KeyRequestDeps, 'audit' | 'queues' | 'clock' | 'approvals'>, requestId: string, error: unknown): Promise<void> {
  const reason = describeOpenAIFailure(error).message;
  const failed = await deps.approvals.advance<KeyRequest>(requestId, 'failed', { failure: reason }, { from: ['approved', 'provisioning'] });
  if (failed.kind !== 'ok') return;
  await deps.audit.append({ actor: 'keywarden', action: 'key.create', target: requestId, outcome: 'failed', at: deps.clock(), project: failed.request.projectId, detail: reason });
  await deps.approvals.announce(failed.request, { kind: 'failed', reason, willRetry: false } satisfies ThreadEvent);
  // A create that OpenAI carried out but whose answer never arrived may have left an account.
  await queueNameCleanup(deps, failed.request);
}

/** Says once per kind of failure that a retryable failure happened and that keywarden keeps trying. */
export async function reportProvisioningRetry(deps: Pick<KeyRequestDeps, 'queues' | 'approvals' | 'keyRequests'>, requestId: string, error: unknown): Promise<void> {
  const failure = describeOpenAIFailure(error);
  const event: ThreadEvent = { kind: 'failed', reason: failure.message, willRetry: true };
  const request = await deps.keyRequests.get(requestId);
  if (request) await deps.approvals.announce(request, event, `retrying:${failure.kind}`);
}
