/** The limits feature's public API: what other features and the composition root may import. */
export * from './limits.js';
export * from './capRaises.js';
export * from './capLock.js';
export * from './limitStore.js';
export * from './render/index.js';
