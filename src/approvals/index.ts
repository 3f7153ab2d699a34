/**
 * The approvals engine's public API: what other features and the composition root may import. Anything not exported
 * here (or from approvals/domain) is the engine's own.
 */
export * from './engine.js';
export * from './requestStore.js';
export * from './outbox.js';
export * from './policyFile.js';
export * from './render/policy.js';
export * from './render/thread.js';
export * from './render/decisionRefusal.js';
