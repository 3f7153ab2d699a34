/** The spend feature's public API: what other features and the composition root may import. */
export type { SpendDeps } from './deps.js';
export * from './spendPoll.js';
export type { SpendLimitReadsReport } from './spendLimitReads.js';
export { enforcedJobId, enqueueAlerts } from './alertJobs.js';
export * from './projectSpendReport.js';
export * from './spendStore.js';
export * from './alertDelivery.js';
export * from './render/index.js';
