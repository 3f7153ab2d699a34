/** The spend feature's public API: what other features and the composition root may import. */
export type { SpendDeps } from './deps.js';
export * from './spendPoll.js';
export type { SpendLimitReadsReport } from './spendLimitReads.js';
export { enforcedJobId, enqueueAlerts } from './alertJobs.js';
export { SPEND_LIMIT_HOLD_WITHOUT_RETRY_AFTER_MS } from '../platform/openai/failures.js';
export * from './projectSpendReport.js';
export * from './spendStore.js';
export * from './alertDelivery.js';
export * from './render/index.js';
