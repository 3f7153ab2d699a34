/** The spend feature's public API: what other features and the composition root may import. */
export type { SpendDeps } from './deps.js';
export { pollSpend, reportPollFailure, type PollReport, pollJobId } from './spendPoll.js';
export { deliverAlert, deliverEnforced, type AlertDeliveryDeps } from './alertDelivery.js';
export { renderOpenAIAuthNotice } from './render/notices.js';
