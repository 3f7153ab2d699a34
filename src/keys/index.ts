/** The key-request feature's public API: what other features and the composition root may import. */
export type { KeyRequestDeps, KeyRequestSettings } from './deps.js';
export { projectError, type UserFacingError } from '../platform/domain/userFacingError.js';
export { serviceAccountName } from './domain/ids.js';
export {
  cancelRequest,
  expireRequest,
  listRequests,
  newRequestId,
  openRequest,
  pendingRequestsFor,
  REQUEST_DRAFT_TTL_MS,
  saveRequestDraft,
  sendRequestDraft,
  type CancelRefusal,
  type OpenRefusal,
  type OpenRequestInput,
  type RequestDraft,
  type SendDraftRefusal,
} from './requests.js';
export { afterKeyCreated, failProvisioning, provisionKey, reportProvisioningRetry, type ProvisionOutcome } from './provisioning.js';
export { deleteServiceAccount, deleteServiceAccountsByName } from './serviceAccountDeletion.js';
export { recordReveal, revealKey, type RevealRefusal, type Revealed } from './reveal.js';
export { expireKey, expireReveal, revokeKey, type RevokeRefusal } from './revocation.js';
export { reconcileRequests, type ReconcileReport } from './reconcile.js';
export { revealRefusalFor, type RevealRefusal as RevealRefusalWords } from './render/revealRefusal.js';
export * from './render/index.js';
export * from './requestKind.js';
