/**
 * The approvals engine's public API: what other features and the composition root may import. Anything not exported
 * here (or from approvals/domain) is the engine's own.
 */
export type { RequestKind, CancelRefusal, ApprovalEngine } from './engine.js';
export { RequestStore, type RequestIndexes } from './requestStore.js';
export { approvedByInWords, approvedByOf, approvalNotices, pendingDecisionBlocks } from './render/thread.js';
