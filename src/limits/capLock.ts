/**
 * One writer of a project's hard cap at a time. A limit change and a raise's end each set the cap at OpenAI and then
 * record it; two of them interleaving could leave OpenAI with one's cap and the record with the other's. Each takes
 * the project's cap lock (a Redis key with an owner token and a time to live) around the whole sequence.
 */
import { randomBytes } from 'node:crypto';
import type { LimitsStore } from './limitStore.js';

/** How long a holder may keep the lock before it is taken as dead (ms): two OpenAI calls at their 15 s timeout, and more. */
export const CAP_LOCK_TTL_MS = 60_000;

/** The lock was held by someone else for longer than the caller would wait. */
export class CapLockBusy extends Error {
  constructor(projectId: string) {
    super(`the cap of ${projectId} is being changed by another step right now`);
  }
}

/**
 * Runs `work` holding the cap lock of `projectId`, waiting up to `waitMs` (polling every 100 ms) for it.
 * @throws CapLockBusy when the lock stayed taken for `waitMs`; whatever `work` throws (the lock is let go)
 */
export async function withCapLock<T>(
  limits: Pick<LimitsStore, 'lockCap' | 'unlockCap'>,
  projectId: string,
  work: () => Promise<T>,
  opts: { readonly waitMs?: number } = {},
): Promise<T> {
  const owner = randomBytes(9).toString('base64url');
  const deadline = Date.now() + (opts.waitMs ?? 10_000);
  while (!(await limits.lockCap(projectId, owner, CAP_LOCK_TTL_MS))) {
    if (Date.now() >= deadline) throw new CapLockBusy(projectId);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  try {
    return await work();
  } finally {
    await limits.unlockCap(projectId, owner);
  }
}
