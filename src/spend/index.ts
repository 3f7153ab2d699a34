/** The spend feature's public API: what other features and the composition root may import. */
export * from './spendPoll.js';
export * from './projectSpendReport.js';
export * from './spendStore.js';
export * from './alertDelivery.js';
export * from './render/index.js';
