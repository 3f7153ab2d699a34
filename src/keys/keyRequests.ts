/**
 * The key-request flow: open, decide, provision, reveal, revoke, expire. Each function takes its dependencies as a
 * plain parameter, does the I/O the domain asks for, and returns errors as data with plain words for Slack.
 */
import { randomBytes } from 'node:crypto';
import { parseLifetimeDays, validatePurpose, type ProjectLookupError } from '../platform/domain/projects.js';
import { redactSecret } from '../platform/domain/redact.js';
import { holdsKey, isAdmin, openKeyRequest, type Approvers, type KeyRequest } from './domain/keyRequest.js';
import type { ApprovalEngine, CancelRefusal as EngineCancelRefusal } from '../approvals/engine.js';
import { err, ok, type Result } from '../platform/domain/result.js';
import type { OpenAIAdmin } from '../platform/openai/admin.js';
import { describeOpenAIFailure } from '../platform/openai/failures.js';
import { jobId } from '../platform/queues/registry.js';
import type { JobQueues } from '../platform/queues/queues.js';
import type { ThreadEvent } from '../approvals/domain/requestEvents.js';
import { openSecret, sealSecret } from './keySealing.js';
import type { AuditLog } from '../platform/redis/auditLog.js';
import type { RequestStore } from '../approvals/requestStore.js';
import type { ProjectDirectory } from '../platform/openai/projectDirectory.js';

export interface KeyRequestSettings {
  readonly requestTtlMs: number;
  readonly revealTtlMs: number;
  readonly keyDays: { readonly default: number; readonly max: number };
  readonly secret: Buffer;
  readonly policy: Approvers;
}

export interface KeyRequestDeps {
  readonly requests: RequestStore;
  /** the approvals engine: opening, deciding, cancelling and expiring requests, and every notice in their thread */
  readonly approvals: ApprovalEngine;
  readonly audit: Pick<AuditLog, 'append'>;
  readonly openai: OpenAIAdmin;
  readonly projects: ProjectDirectory;
  readonly queues: Pick<JobQueues, 'add'>;
  readonly groupsOf: (userId: string) => Promise<readonly string[]>;
  readonly clock: () => number;
  readonly settings: KeyRequestSettings;
}

/** A failure a person can act on: what was wrong, and what to do instead. */
export interface UserFacingError {
  readonly what: string;
  readonly hint?: string;
}

export const newRequestId = (): string => `req_${base32(randomBytes(7)).slice(0, 10)}`;
export const serviceAccountName = (requestId: string): string => `keywarden-${requestId}`;

// ---------------------------------------------------------------------------------------------------------------
// open

export interface OpenRequestInput {
  readonly requesterId: string;
  /** send even when the requester already has a pending request for this project (they said so, with the button) */
  readonly allowDuplicate?: boolean;
  /** a project id or name (resolved against the org's projects) */
  readonly project: string;
  readonly purpose: string;
  readonly lifetimeDays?: number | string | null;
}

/**
 * Why a request was not opened: bad input (`invalid`, in words), or a pending request by the same person for the
 * same project already exists (`duplicate`, newest first), so the person is asked before a second one is sent.
 */
export type OpenRefusal =
  | ({ readonly kind: 'invalid' } & UserFacingError)
  | { readonly kind: 'duplicate'; readonly existing: readonly KeyRequest[]; readonly projectId: string; readonly purpose: string; readonly lifetimeDays: number };

/**
 * Opens a key request: validates the purpose (10–500 characters) and lifetime (days, within settings.keyDays),
 * resolves the project, refuses a duplicate unless `allowDuplicate`, stores the request (pending), audits it and
 * queues its approval message and its expiry (settings.requestTtlMs).
 */
export async function openRequest(
  deps: Pick<KeyRequestDeps, 'requests' | 'audit' | 'projects' | 'queues' | 'clock' | 'settings' | 'approvals'>,
  input: OpenRequestInput,
): Promise<Result<KeyRequest, OpenRefusal>> {
  const invalid = (e: UserFacingError): Result<never, OpenRefusal> => err({ kind: 'invalid', ...e });
  const purpose = validatePurpose(input.purpose);
  if (!purpose.ok) return invalid({ what: purpose.error.message });

  const { default: defaultDays, max: maxDays } = deps.settings.keyDays;
  const lifetime = parseLifetimeDays(input.lifetimeDays, { defaultDays, maxDays });
  if (!lifetime.ok) return invalid({ what: lifetime.error.message });
  const days = lifetime.value;

  const project = await deps.projects.resolve(input.project);
  if (!project.ok) return invalid(projectError(project.error, 'request'));

  const now = deps.clock();
  if (!input.allowDuplicate) {
    const existing = await pendingRequestsFor(deps, input.requesterId, project.value.id, now);
    if (existing.length > 0) {
      return err({ kind: 'duplicate', existing, projectId: project.value.id, purpose: purpose.value, lifetimeDays: days });
    }
  }
  const opened = await deps.approvals.open(
    openKeyRequest(
      {
        id: newRequestId(),
        requesterId: input.requesterId,
        projectId: project.value.id,
        projectName: project.value.name,
        purpose: purpose.value,
        lifetimeDays: days,
      },
      now,
      deps.settings.requestTtlMs,
    ),
    { action: 'request.open', detail: `${days} days` },
  );
  if (!opened.ok) return invalid({ what: 'Could not store the request (id clash); please try again.' });
  return ok(opened.value);
}

/** The requester's requests for `projectId` still waiting for an approver (not past their deadline), newest first. */
export async function pendingRequestsFor(deps: Pick<KeyRequestDeps, 'requests'>, requesterId: string, projectId: string, now: number): Promise<KeyRequest[]> {
  const mine = await deps.requests.listByUser(requesterId, 100);
  return mine.filter((r) => r.state === 'pending' && r.projectId === projectId && now < r.decideBy);
}

/**
 * A project lookup failure in words, with the next step for the command it came from: the request form lists the
 * projects one may ask a key for; every other command points to `limits`, which lists every project.
 */
export function projectError(e: ProjectLookupError, command: 'request' | 'other' = 'other'): UserFacingError {
  if (e.kind === 'unknown' && e.suggestions.length === 0) {
    return {
      what: e.message,
      hint: command === 'request' ? 'Use `/openai-key request` alone to pick the project from a list.' : '`/openai-key limits` lists every project.',
    };
  }
  return { what: e.message };
}

// ---------------------------------------------------------------------------------------------------------------
// a second request for the same project, sent only when the person says so

/** how long "Send another request" stays usable */
export const REQUEST_DRAFT_TTL_MS = 15 * 60_000;

/** What a person typed for a request that was held back as a duplicate (no secret). */
export interface RequestDraft {
  readonly requesterId: string;
  readonly projectId: string;
  readonly purpose: string;
  readonly lifetimeDays: number;
}

/** Stores the held-back request for REQUEST_DRAFT_TTL_MS; returns the draft's id (the button's value). */
export async function saveRequestDraft(deps: Pick<KeyRequestDeps, 'requests'>, draft: RequestDraft): Promise<string> {
  const id = `draft_${base32(randomBytes(10))}`;
  await deps.requests.saveDraft(id, draft, REQUEST_DRAFT_TTL_MS);
  return id;
}

export type SendDraftRefusal =
  | { readonly kind: 'missing' }
  /** another click is sending it right now */
  | { readonly kind: 'claimed' }
  | { readonly kind: 'sent'; readonly requestId: string }
  | { readonly kind: 'not_yours' }
  | OpenRefusal;

/**
 * Sends a held-back request ("Send another request"). The draft is claimed atomically, so a double click sends one
 * request; the second click learns which request the first one sent.
 */
export async function sendRequestDraft(
  deps: Pick<KeyRequestDeps, 'requests' | 'audit' | 'projects' | 'queues' | 'clock' | 'settings' | 'approvals'>,
  input: { readonly draftId: string; readonly userId: string },
): Promise<Result<KeyRequest, SendDraftRefusal>> {
  const claimed = await deps.requests.claimDraft<RequestDraft>(input.draftId);
  if (claimed.kind !== 'draft') return err(claimed);
  const draft = claimed.draft;
  if (draft.requesterId !== input.userId) {
    await deps.requests.settleDraft(input.draftId, null, draft);
    return err({ kind: 'not_yours' });
  }
  let opened: Result<KeyRequest, OpenRefusal>;
  try {
    opened = await openRequest(deps, { requesterId: draft.requesterId, project: draft.projectId, purpose: draft.purpose, lifetimeDays: draft.lifetimeDays, allowDuplicate: true });
  } catch (error) {
    await deps.requests.settleDraft(input.draftId, null, draft);
    throw error;
  }
  await deps.requests.settleDraft(input.draftId, opened.ok ? opened.value.id : null, draft);
  return opened;
}

// ---------------------------------------------------------------------------------------------------------------
// cancel

export type CancelRefusal =
  | { readonly kind: 'not_found'; readonly requestId: string }
  | { readonly kind: 'not_allowed'; readonly request: KeyRequest }
  /** it is no longer pending: decided, expired or cancelled already */
  | { readonly kind: 'not_pending'; readonly request: KeyRequest };

/**
 * Withdraws a pending request (the engine's compare-and-set pending → cancelled), by its requester or an admin. Its
 * message loses its buttons and says who cancelled it, the thread and the requester are told, and approvers' later
 * clicks and replies are refused. Refusals are audited.
 */
export async function cancelRequest(
  deps: Pick<KeyRequestDeps, 'approvals'>,
  input: { readonly requestId: string; readonly actorId: string },
): Promise<Result<KeyRequest, CancelRefusal>> {
  const cancelled = await deps.approvals.cancel(input);
  if (cancelled.ok) return ok(cancelled.value as unknown as KeyRequest);
  return err(cancelled.error as EngineCancelRefusal as CancelRefusal);
}

// ---------------------------------------------------------------------------------------------------------------
// provision (runs as a job)

export type ProvisionOutcome = 'created' | 'completed' | 'nothing-to-do' | 'revoked-meanwhile' | 'superseded';

/**
 * Creates the service account and seals its key. Safe to run again after a crash at any point:
 * - a service account left by an earlier attempt (found by its name) is deleted before a new one is made;
 * - each run takes a new attempt token, and only the run holding it may store its key, so a second worker on the
 *   same job (after a lost lock) cannot leave two accounts behind;
 * - a run that finds the key already stored finishes the follow-ups (notes, DM, deadlines) instead.
 */
export async function provisionKey(deps: KeyRequestDeps, requestId: string): Promise<ProvisionOutcome> {
  const request = await deps.requests.get(requestId);
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
  const started = await deps.requests.transition(request.id, 'provisioning', { provisionToken: token }, { from: ['approved', 'provisioning'] });
  if (started.kind !== 'ok') return 'nothing-to-do';

  const name = serviceAccountName(request.id);
  for (const leftover of await deps.openai.findServiceAccounts(request.projectId, name)) {
    await deps.openai.deleteServiceAccount(request.projectId, leftover);
  }
  const created = await deps.openai.createServiceAccount(request.projectId, name, request.lifetimeDays * 86_400);
  const now = deps.clock();
  const revealBy = now + deps.settings.revealTtlMs;
  const keyExpiresAt = created.keyExpiresAt ?? now + request.lifetimeDays * 86_400_000;
  const stored = await deps.requests.transition(
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
export async function afterKeyCreated(deps: Pick<KeyRequestDeps, 'requests' | 'queues' | 'approvals' | 'clock'>, r: KeyRequest): Promise<void> {
  if (!r.keyId || r.revealBy === undefined || r.keyExpiresAt === undefined) return;
  const now = deps.clock();
  await deps.requests.bindKey(r.keyId, r.id);
  if (r.redactedKey) await deps.requests.bindMaskedKey(r.redactedKey, r.id);
  await deps.requests.addProjectOwner(r.projectId, r.requesterId);
  await announce(deps, r, { kind: 'key_created', redactedKey: r.redactedKey ?? '', keyExpiresAt: r.keyExpiresAt });
  await deps.queues.add('openai', 'expire-reveal', { requestId: r.id }, { jobId: jobId('expire-reveal', r.id), delayMs: r.revealBy - now });
  await deps.queues.add('openai', 'expire-key', { requestId: r.id }, { jobId: jobId('expire-key', r.id), delayMs: r.keyExpiresAt - now });
}

/** Deletes, by name, any service account a request's provisioning may have left (an hour apart at most). */
async function queueNameCleanup(deps: Pick<KeyRequestDeps, 'queues' | 'clock'>, request: KeyRequest): Promise<void> {
  const hour = Math.floor(deps.clock() / 3_600_000);
  await deps.queues.add('openai', 'delete-by-name', { requestId: request.id, projectId: request.projectId }, { jobId: jobId('delete-by-name', request.id, hour) });
}

/** The job behind queueNameCleanup. */
export async function deleteServiceAccountsByName(deps: Pick<KeyRequestDeps, 'openai'>, data: { requestId: string; projectId: string }): Promise<number> {
  const ids = await deps.openai.findServiceAccounts(data.projectId, serviceAccountName(data.requestId));
  for (const id of ids) await deps.openai.deleteServiceAccount(data.projectId, id);
  return ids.length;
}

/** Called when provisioning will not be tried again. */
export async function failProvisioning(deps: Pick<KeyRequestDeps, 'requests' | 'audit' | 'queues' | 'clock' | 'approvals'>, requestId: string, error: unknown): Promise<void> {
  const reason = describeOpenAIFailure(error).message;
  const failed = await deps.requests.transition(requestId, 'failed', { failure: reason }, { from: ['approved', 'provisioning'] });
  if (failed.kind !== 'ok') return;
  await deps.audit.append({ actor: 'keywarden', action: 'key.create', target: requestId, outcome: 'failed', at: deps.clock(), project: failed.request.projectId, detail: reason });
  await announce(deps, failed.request, { kind: 'failed', reason, willRetry: false });
  // A create that OpenAI carried out but whose answer never arrived may have left an account.
  await queueNameCleanup(deps, failed.request);
}

/** Says once per kind of failure that a retryable failure happened and that keywarden keeps trying. */
export async function reportProvisioningRetry(deps: Pick<KeyRequestDeps, 'queues' | 'approvals' | 'requests'>, requestId: string, error: unknown): Promise<void> {
  const failure = describeOpenAIFailure(error);
  const event: ThreadEvent = { kind: 'failed', reason: failure.message, willRetry: true };
  const request = await deps.requests.get(requestId);
  if (request) await announce(deps, request, event, `retrying:${failure.kind}`);
}

// ---------------------------------------------------------------------------------------------------------------
// reveal

/**
 * Why no key was shown. `unavailable` carries the request as it is now (revealed, revoked by someone, expired,
 * not revealed in time…): the renderer tells the real reason from it.
 */
export type RevealRefusal =
  | { readonly kind: 'not_found' }
  | { readonly kind: 'not_owner' }
  | { readonly kind: 'unavailable'; readonly request: KeyRequest }
  | { readonly kind: 'not_ready'; readonly request: KeyRequest };

export interface Revealed {
  readonly request: KeyRequest;
  readonly keyValue: string;
  /** puts the key back when it could not be shown (the modal failed to open) */
  readonly undo: () => Promise<void>;
}

/** Takes the sealed key and marks the request active in one step: a second click finds nothing. */
export async function revealKey(
  deps: Pick<KeyRequestDeps, 'requests' | 'audit' | 'queues' | 'clock' | 'settings' | 'approvals'>,
  input: { readonly requestId: string; readonly userId: string },
): Promise<Result<Revealed, RevealRefusal>> {
  const request = await deps.requests.get(input.requestId);
  if (!request) return err({ kind: 'not_found' });
  if (request.requesterId !== input.userId) {
    await deps.audit.append({ actor: input.userId, action: 'key.reveal', target: request.id, outcome: 'refused:not_owner', at: deps.clock(), project: request.projectId });
    return err({ kind: 'not_owner' });
  }
  const now = deps.clock();
  const taken = await deps.requests.transition(request.id, 'active', { revealedAt: now }, { from: ['awaiting_reveal'], secret: { kind: 'take' } });
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
    const revoked = await deps.requests.transition(request.id, 'revoked', { revokedAt: now, revokedBy: 'keywarden', endedReason: 'its sealed copy could not be opened (KEYWARDEN_SECRET changed)' }, { from: ['active'] });
    if (revoked.kind === 'ok') await finishRevocation(deps, revoked.request, { kind: 'revoked', by: 'keywarden', reason: revoked.request.endedReason ?? '' }, 'keywarden');
    return err({ kind: 'unavailable', request: revoked.kind === 'missing' ? taken.request : revoked.request });
  }
  const r = taken.request;
  const sealed = taken.sealedSecret ?? '';
  return ok({
    request: r,
    keyValue,
    undo: async () => {
      const back = await deps.requests.transition(r.id, 'awaiting_reveal', { revealedAt: null as unknown as number }, { from: ['active'] });
      if (back.kind !== 'ok') return;
      const left = (r.revealBy ?? 0) - deps.clock();
      if (left > 0) await deps.requests.restoreSecret(r.id, sealed, left);
      // The reveal deadline passed while the modal was failing: the deadline's job found the key "active".
      else await expireReveal(deps, r.id);
    },
  });
}

/** After the modal showed the key: audit and tell the thread (failures here must not hide the shown key). */
export async function recordReveal(deps: Pick<KeyRequestDeps, 'audit' | 'queues' | 'clock' | 'approvals'>, request: KeyRequest): Promise<void> {
  await deps.audit.append({ actor: request.requesterId, action: 'key.reveal', target: request.id, outcome: 'active', at: deps.clock(), project: request.projectId });
  await announce(deps, request, { kind: 'revealed', by: request.requesterId });
}

// ---------------------------------------------------------------------------------------------------------------
// revoke and expire

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
  deps: Pick<KeyRequestDeps, 'requests'>,
  masked: string,
  actorId: string,
  admin: boolean,
): Promise<Result<KeyRequest, RevokeRefusal>> {
  const indexed = await deps.requests.findByMaskedKey(masked);
  const own = (await deps.requests.listByUser(actorId, 100)).filter((r) => r.redactedKey === masked);
  const byId = new Map<string, KeyRequest>(own.map((r) => [r.id, r]));
  for (const id of indexed) {
    if (byId.has(id)) continue;
    const r = await deps.requests.get(id);
    if (r && r.redactedKey === masked && (admin || r.requesterId === actorId)) byId.set(id, r);
  }
  const all = [...byId.values()].sort((a, b) => b.createdAt - a.createdAt);
  const live = all.filter((r) => holdsKey(r.state) || r.state === 'approved' || r.state === 'provisioning');
  const candidates = live.length > 0 ? live : all;
  const [only] = candidates;
  if (!only) return err({ kind: 'not_found', target: masked });
  if (candidates.length > 1) return err({ kind: 'ambiguous', target: masked, candidates });
  return ok(only);
}

/**
 * Revokes a key now, by request id, key id or masked key value (`target`, as `kind` says; guessed from its shape
 * when left out). The owner or an admin may; the service account is deleted at OpenAI by a job.
 */
export async function revokeKey(
  deps: Pick<KeyRequestDeps, 'requests' | 'audit' | 'queues' | 'clock' | 'settings' | 'groupsOf' | 'approvals'>,
  input: { readonly target: string; readonly kind?: 'request' | 'key' | 'masked'; readonly actorId: string },
): Promise<Result<KeyRequest, RevokeRefusal>> {
  const kind = input.kind ?? (input.target.startsWith('req_') ? 'request' : input.target.includes('…') ? 'masked' : 'key');
  const admin = isAdmin(input.actorId, await deps.groupsOf(input.actorId), deps.settings.policy);
  let request: KeyRequest | null;
  if (kind === 'masked') {
    const found = await requestByMaskedKey(deps, input.target, input.actorId, admin);
    if (!found.ok) return found;
    request = found.value;
  } else {
    const requestId = kind === 'request' ? input.target : await deps.requests.findByKey(input.target);
    request = requestId ? await deps.requests.get(requestId) : null;
  }
  const now = deps.clock();
  if (!request) return err({ kind: 'not_found', target: input.target });
  if (request.requesterId !== input.actorId && !admin) {
    await deps.audit.append({ actor: input.actorId, action: 'key.revoke', target: request.id, outcome: 'refused:not_allowed', at: now, project: request.projectId });
    return err({ kind: 'not_allowed' });
  }
  const revoked = await deps.requests.transition(request.id, 'revoked', { revokedAt: now, revokedBy: input.actorId, endedReason: 'revoked' }, { from: ['approved', 'provisioning', 'awaiting_reveal', 'active'] });
  if (revoked.kind !== 'ok') {
    const current = revoked.kind === 'missing' ? request : revoked.request;
    return err(current.state === 'pending' ? { kind: 'pending', request: current } : { kind: 'no_key', request: current });
  }
  await finishRevocation(deps, revoked.request, { kind: 'revoked', by: input.actorId }, input.actorId);
  return ok(revoked.request);
}

/** Expires a pending request past its deadline (the engine does it for every kind); false when nothing changed. */
export async function expireRequest(deps: Pick<KeyRequestDeps, 'approvals'>, requestId: string): Promise<boolean> {
  return deps.approvals.expire(requestId);
}

export async function expireReveal(deps: Pick<KeyRequestDeps, 'requests' | 'audit' | 'queues' | 'clock' | 'approvals'>, requestId: string): Promise<boolean> {
  const now = deps.clock();
  const revoked = await deps.requests.transition(requestId, 'revoked', { revokedAt: now, revokedBy: 'keywarden', endedReason: 'not revealed in time' }, { from: ['awaiting_reveal'] });
  if (revoked.kind !== 'ok') return false;
  await finishRevocation(deps, revoked.request, { kind: 'reveal_expired' }, 'keywarden');
  return true;
}

export async function expireKey(deps: Pick<KeyRequestDeps, 'requests' | 'audit' | 'queues' | 'clock' | 'approvals'>, requestId: string): Promise<boolean> {
  const expired = await deps.requests.transition(requestId, 'expired', { endedReason: 'key lifetime ended' }, { from: ['active'] });
  if (expired.kind === 'ok') {
    await finishRevocation(deps, expired.request, { kind: 'revoked', by: 'system', reason: 'its lifetime ended' }, 'keywarden');
    return true;
  }
  // Its lifetime ended before it was ever revealed: revoke it now as unrevealed, as the reveal deadline's job would.
  if (expired.kind === 'conflict' && expired.request.state === 'awaiting_reveal') return expireReveal(deps, requestId);
  return false;
}

async function finishRevocation(
  deps: Pick<KeyRequestDeps, 'audit' | 'queues' | 'clock' | 'approvals' | 'requests'>,
  request: KeyRequest,
  event: ThreadEvent,
  actor: string,
): Promise<void> {
  await deps.audit.append({ actor, action: 'key.revoke', target: request.id, outcome: request.state, at: deps.clock(), project: request.projectId, detail: request.endedReason ?? '' });
  await queueDeletion(deps, request);
  await announce(deps, request, event);
  // Someone who no longer holds a key to the project is no longer told when its cap is reached.
  const others = await deps.requests.listByUser(request.requesterId, 100);
  if (!others.some((r) => r.id !== request.id && r.projectId === request.projectId && holdsKey(r.state))) {
    await deps.requests.removeProjectOwner(request.projectId, request.requesterId);
  }
}

/**
 * Queues the deletion of an ended request's service account: by id when it is known, else by name (a run may have
 * been creating one). The reconciler queues it again, an hour apart, until the deletion is confirmed.
 */
async function queueDeletion(deps: Pick<KeyRequestDeps, 'queues' | 'clock'>, request: KeyRequest): Promise<void> {
  if (!request.serviceAccountId) {
    await queueNameCleanup(deps, request);
    return;
  }
  const hour = Math.floor(deps.clock() / 3_600_000);
  await deps.queues.add(
    'openai',
    'revoke',
    { requestId: request.id, serviceAccountId: request.serviceAccountId, projectId: request.projectId },
    { jobId: jobId('revoke', request.id, hour) },
  );
}

/** Deletes the service account at OpenAI (a job; an already deleted one is fine), then records that it is gone. */
export async function deleteServiceAccount(
  deps: Pick<KeyRequestDeps, 'openai' | 'requests' | 'clock'>,
  data: { requestId: string; projectId: string; serviceAccountId: string },
): Promise<void> {
  await deps.openai.deleteServiceAccount(data.projectId, data.serviceAccountId);
  await deps.requests.amend(data.requestId, ['revoked', 'expired', 'failed'], { serviceAccountDeletedAt: deps.clock() });
}

// ---------------------------------------------------------------------------------------------------------------
// reconcile: what a crash can cut short between two steps, redone on every clock tick

const GRACE_MS = 60_000;

export interface ReconcileReport {
  readonly checked: number;
  readonly redone: number;
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
  const ids = await deps.requests.unsettled();
  for (const id of ids) {
    const r = await deps.requests.get(id);
    if (!r) {
      await deps.requests.settle(id);
      settled += 1;
      continue;
    }
    const quiet = now - (r.decidedAt ?? r.createdAt) > GRACE_MS;
    // A request whose message was never posted (the job was lost): post it, whatever its state now.
    if (!r.messageTs && !r.messageUnpostable && quiet && r.state !== 'expired' && r.state !== 'denied' && r.state !== 'cancelled') {
      await deps.queues.add('slack', 'post', { kind: 'request-message', requestId: r.id, mode: 'post' }, { jobId: jobId('msg', r.id) });
    }
    switch (r.state) {
      case 'pending':
        if (now >= r.decideBy) {
          if (await expireRequest(deps, r.id)) redone += 1;
        } else if (!r.messageTs && quiet) {
          await deps.queues.add('openai', 'expire-request', { requestId: r.id }, { jobId: jobId('expire-request', r.id), delayMs: r.decideBy - now });
          redone += 1;
        }
        break;
      case 'approved':
        if (quiet) {
          await deps.queues.add('openai', 'provision', { requestId: r.id }, { jobId: jobId('provision', r.id) });
          redone += 1;
        }
        break;
      case 'awaiting_reveal':
        if (now >= (r.revealBy ?? 0)) {
          if (await expireReveal(deps, r.id)) redone += 1;
        } else if (now - (r.keyCreatedAt ?? now) > GRACE_MS) {
          await afterKeyCreated(deps, r);
        }
        break;
      case 'active':
        if (now >= (r.keyExpiresAt ?? Number.POSITIVE_INFINITY) && (await expireKey(deps, r.id))) redone += 1;
        break;
      case 'revoked':
      case 'expired':
      case 'failed':
        if (r.serviceAccountId && !r.serviceAccountDeletedAt) {
          await queueDeletion(deps, r);
          redone += 1;
          break;
        }
        // Ended with no known account after approval: one sweep by name in case a create's answer was lost.
        if (!r.serviceAccountId && r.decidedBy && r.state !== 'expired') await queueNameCleanup(deps, r);
        await deps.requests.settle(r.id);
        settled += 1;
        break;
      case 'provisioning':
        break; // its job is in the queue (a stalled one is taken over by another worker)
      case 'denied':
      case 'cancelled':
        await deps.requests.settle(r.id);
        settled += 1;
        break;
    }
  }
  return { checked: ids.length, redone, settled };
}

// ---------------------------------------------------------------------------------------------------------------
// list

export async function listRequests(deps: Pick<KeyRequestDeps, 'requests'>, userId: string): Promise<KeyRequest[]> {
  const all = await deps.requests.listByUser(userId, 100);
  return all.filter((r) => r.state === 'pending' || r.state === 'approved' || r.state === 'provisioning' || holdsKey(r.state));
}

// ---------------------------------------------------------------------------------------------------------------

/**
 * Update the request message, then note the event in its thread and tell the requester, in order (the engine's
 * outbox). Each kind of event is told once per request, however often a retried job or the reconciler announces it.
 */
async function announce(deps: Pick<KeyRequestDeps, 'approvals'>, request: KeyRequest, event: ThreadEvent, tag?: string): Promise<void> {
  await deps.approvals.announce(request, event, tag);
}

function base32(bytes: Buffer): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}
