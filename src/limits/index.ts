/** The limits feature's public API: what other features and the composition root may import. */
export type { LimitDeps } from './deps.js';
export { changeLimits } from './limitChanges.js';
export { checkLimitForm, type LimitFormErrors } from './limitForm.js';
export { applyApprovedLimitChange, failLimitChange } from './approvedLimitChanges.js';
export { reconcileHardCap } from './hardCapSync.js';
export { readLimits, type LimitsView } from './limitsRead.js';
export { changeRateLimit, readRateLimits } from './rateLimits.js';
export { readAudit } from './auditRead.js';
export { endRaise, sweepCapRaises } from './capRaises.js';
export { CapLockBusy } from './capLock.js';
export { LimitsStore } from './limitStore.js';
export { renderLimitChangeApplied } from './render/notices.js';
export { renderCapSighting } from './render/drift.js';
export { renderCapRaiseEnded } from './render/raise.js';
export { limitChangeKind } from './requestKind.js';
