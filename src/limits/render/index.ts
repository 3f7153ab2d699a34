export type {
  HardCapEnforcement,
  LimitChangeRequestView,
  LimitsProject,
  LimitsRow,
  LimitsRowProject,
  RateLimitRow,
} from './types.js';
export {
  LIMITS_OVERVIEW_DEFAULT_PAGE_SIZE,
  LIMITS_OVERVIEW_MAX_PAGE_SIZE,
  PROJECT_RATE_LIMITS_MAX_ROWS,
  renderLimitsOverview,
  renderProjectLimits,
} from './overview.js';
export { RATE_LIMITS_MAX_ROWS, renderRateLimitChanged, renderRateLimits } from './rateLimits.js';
export { limitChangeStateInWords, renderLimitChangeRequestMessage, requestedChangeLines } from './changeRequest.js';
export {
  renderLimitChangeApplied,
  renderLimitChangeConfirmation,
  renderLimitChangeThreadNote,
  renderLimitError,
  renderLimitFormOutcome,
  type LimitFormOutcome,
  renderLimitRequesterDm,
} from './notices.js';
export { LIMIT_REASON_MAX_LENGTH, renderLimitChangeModal, type LimitChangeModalOptions } from './modal.js';
export { AUDIT_LOG_MAX_ENTRIES, renderAuditLog } from './audit.js';
export { renderCapSighting, type CapSightingInput } from './drift.js';
export { raiseEndText, raiseLine, renderCapRaiseEnded } from './raise.js';
