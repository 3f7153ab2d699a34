/** The key-request feature's public API: what other features and the composition root may import. */
export * from './keyRequests.js';
export * from './keySealing.js';
export { revealRefusalFor, type RevealRefusal as RevealRefusalWords } from './render/revealRefusal.js';
export * from './render/index.js';
