export { startSandbox, type RunningSandbox, type SandboxOptions } from './sandbox.js';
export { locateRedis, type LocatedRedis, type RedisLocation } from './redisLocator.js';
