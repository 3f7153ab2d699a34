/** The key-request feature's public API: what other features and the composition root may import. */
export type { KeyRequestDeps } from './deps.js';
export { cancelRequest, listRequests, openRequest, saveRequestDraft, sendRequestDraft, type OpenRefusal } from './requests.js';
export { failProvisioning, provisionKey, reportProvisioningRetry } from './provisioning.js';
export { deleteServiceAccount, deleteServiceAccountsByName } from './serviceAccountDeletion.js';
export { recordReveal, revealKey } from './reveal.js';
export { expireKey, expireReveal, revokeKey } from './revocation.js';
export { reconcileRequests, type ReconcileReport } from './reconcile.js';
export { renderRequestList } from './render/ephemeral.js';
export { keyRequestKind } from './requestKind.js';
export { KeyRequestStore } from './keyRequestStore.js';
