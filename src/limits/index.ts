/** The limits feature's public API: what other features and the composition root may import. */
export type { ChannelCheck, LimitDeps } from './deps.js';
export { withoutBookkeeping } from './domain/storedLimits.js';
export type { CapSighting } from './domain/capSighting.js';
export { changeLimits, checkChannel, newLimitRequestId, type ChangeApplied, type ChangeRequested } from './limitChanges.js';
export { checkLimitForm, type LimitFormErrors } from './limitForm.js';
export { applyProjectLimits } from './applyLimits.js';
export { applyApprovedLimitChange, failLimitChange } from './approvedLimitChanges.js';
export { CAP_PROBE_TTL_MS, CAP_PROBES_AT_ONCE, CAP_PROBES_PER_READ, reconcileHardCap } from './hardCapSync.js';
export { readLimits, type LimitsRead, type LimitsView } from './limitsRead.js';
export { changeRateLimit, readRateLimits } from './rateLimits.js';
export { readAudit } from './auditRead.js';
export * from './capRaises.js';
export * from './capLock.js';
export * from './limitStore.js';
export * from './render/index.js';
export * from './requestKind.js';
