/**
 * Asking for a key: open a request, hold back a duplicate until the person says to send it, withdraw a pending
 * request, expire one nobody decided, and list a person's requests. Errors come back as data with plain words.
 */
import { randomBytes } from 'node:crypto';
import { parseLifetimeDays, validatePurpose } from './domain/requestInput.js';
import { projectError, type UserFacingError } from '../platform/domain/userFacingError.js';
import { err, ok, type Result } from '../platform/domain/result.js';
import { holdsKey, openKeyRequest, type KeyRequest } from './domain/keyRequest.js';
import { draftIdOf, requestIdOf } from './domain/ids.js';
import type { CancelRefusal as EngineCancelRefusal } from '../approvals/index.js';
import type { KeyRequestDeps } from './deps.js';

/** A new request id, `req_` and ten random base32 characters. */
export const newRequestId = (): string => requestIdOf(randomBytes(7));

// ---------------------------------------------------------------------------------------------------------------
// open

/** A key request as a person typed it (command, form or workflow step). */
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
  deps: Pick<KeyRequestDeps, 'keyRequests' | 'audit' | 'projects' | 'queues' | 'clock' | 'settings' | 'approvals'>,
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
export async function pendingRequestsFor(deps: Pick<KeyRequestDeps, 'keyRequests'>, requesterId: string, projectId: string, now: number): Promise<KeyRequest[]> {
  const mine = await deps.keyRequests.listByUser(requesterId, 100);
  return mine.filter((r) => r.state === 'pending' && r.projectId === projectId && now < r.decideBy);
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
export async function saveRequestDraft(deps: Pick<KeyRequestDeps, 'keyRequests'>, draft: RequestDraft): Promise<string> {
  const id = draftIdOf(randomBytes(10));
  await deps.keyRequests.saveDraft(id, draft, REQUEST_DRAFT_TTL_MS);
  return id;
}

/**
 * Why a held-back request was not sent: the draft is gone (`missing`: expired or never saved), being sent by
 * another click, already `sent` (as `requestId`), not the clicker's, or the request itself was refused.
 */
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
  deps: Pick<KeyRequestDeps, 'keyRequests' | 'audit' | 'projects' | 'queues' | 'clock' | 'settings' | 'approvals'>,
  input: { readonly draftId: string; readonly userId: string },
): Promise<Result<KeyRequest, SendDraftRefusal>> {
  const claimed = await deps.keyRequests.claimDraft<RequestDraft>(input.draftId);
  if (claimed.kind !== 'draft') return err(claimed);
  const draft = claimed.draft;
  if (draft.requesterId !== input.userId) {
    await deps.keyRequests.settleDraft(input.draftId, null, draft);
    return err({ kind: 'not_yours' });
  }
  let opened: Result<KeyRequest, OpenRefusal>;
  try {
    opened = await openRequest(deps, { requesterId: draft.requesterId, project: draft.projectId, purpose: draft.purpose, lifetimeDays: draft.lifetimeDays, allowDuplicate: true });
  } catch (error) {
    await deps.keyRequests.settleDraft(input.draftId, null, draft);
    throw error;
  }
  await deps.keyRequests.settleDraft(input.draftId, opened.ok ? opened.value.id : null, draft);
  return opened;
}

// ---------------------------------------------------------------------------------------------------------------
// cancel and expire

/** Why a request was not cancelled: unknown, not the actor's to cancel (requester or admin only), or no longer pending. */
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

/** Expires a pending request past its deadline (the engine does it for every kind); false when nothing changed. */
export async function expireRequest(deps: Pick<KeyRequestDeps, 'approvals'>, requestId: string): Promise<boolean> {
  return deps.approvals.expire(requestId);
}

// ---------------------------------------------------------------------------------------------------------------
// list

/** The person's requests still under way (pending, being provisioned) or holding a key, newest first (at most 100 read). */
export async function listRequests(deps: Pick<KeyRequestDeps, 'keyRequests'>, userId: string): Promise<KeyRequest[]> {
  const all = await deps.keyRequests.listByUser(userId, 100);
  return all.filter((r) => r.state === 'pending' || r.state === 'approved' || r.state === 'provisioning' || holdsKey(r.state));
}
