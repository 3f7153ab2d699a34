/**
 * The org's projects, read from OpenAI and cached in Redis.
 * - Commands read a list at most `ttlMs` old (a minute): `list`, `resolve`, `split`, `cached`.
 * - The type-ahead picker (`search`) never calls OpenAI per keystroke: it searches the last list read (kept a week),
 *   held in memory in each process and re-read from Redis only when another process stored a newer one. That list is
 *   refreshed in the background: on start and every few minutes (`keepFresh`), when a form opens and the list is
 *   older than `ttlMs` (`refreshIfStale`), and when a search finds no list at all.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { RedisClient as Redis } from '../redis/connection.js';
import { releaseReentrantLock } from '../redis/reentrantLock.js';
import {
  indexProjects,
  resolveProject,
  searchProjects,
  splitProjectAndPurpose,
  type ProjectRef,
  type ProjectSearchIndex,
} from '../domain/projects.js';
import type { OpenAIAdmin } from './admin.js';

/** What a picker search found, and whether the project list was there to search. */
export interface ProjectSearch {
  /** active projects, best match first, at most the limit asked for */
  readonly projects: ProjectRef[];
  /** false when no list has been read from OpenAI yet (a refresh has been started): `projects` is then empty */
  readonly ready: boolean;
  /** how many active projects were searched */
  readonly activeCount: number;
}

export interface ProjectDirectory {
  list(opts?: { fresh?: boolean }): Promise<ProjectRef[]>;
  /** a project by id or name; a miss in the cached list is looked up again at OpenAI (it may be new) */
  resolve(query: string): Promise<ReturnType<typeof resolveProject>>;
  /** `request <project> <purpose…>`, with the same second look on a miss */
  split(args: string): Promise<ReturnType<typeof splitProjectAndPurpose>>;
  /** cached projects only, or null when the cache is cold (no OpenAI call) */
  cached(): Promise<ProjectRef[] | null>;
  /**
   * Active projects matching `query` (see `searchProjects`: prefix, then substring, then close names; by name or id),
   * at most `limit` (default 100), from the last list read. Never calls OpenAI itself: with no list yet it starts a
   * refresh and waits for it at most `coldWaitMs` (not at all with `wait: false`), then answers with what it has.
   * Rejects only when Redis does.
   */
  search(query: string, opts?: { limit?: number; wait?: boolean }): Promise<ProjectSearch>;
  /** starts a refresh in the background when the list is older than `ttlMs` (or missing); returns at once, never throws */
  refreshIfStale(): void;
  /** refreshes now (one process at a time across the deployment), then every `intervalMs`; stop() waits for a running refresh */
  keepFresh(intervalMs: number): { stop(): Promise<void> };
}

export interface ProjectDirectoryOptions {
  /** how old a list `list()` may return, and after which a form opening refreshes it (ms; default 60 s) */
  readonly ttlMs?: number;
  /** how long the picker's last list is kept in Redis (ms; default 7 days) */
  readonly keepLastMs?: number;
  /** how long a search with no list waits for the refresh it started (ms; default 1.5 s, inside Slack's 3 s) */
  readonly coldWaitMs?: number;
  /** where refresh failures are logged (they are otherwise only retried) */
  readonly log?: Pick<Logger, 'warn'>;
}

/** The longest one refresh may hold the lock (a listing of 2,000 projects is 20 pages). */
const REFRESH_LOCK_MS = 30_000;
const COLD_POLL_MS = 50;
/** After a failed refresh, how long this process leaves OpenAI alone before trying again (ms). */
const RETRY_AFTER_FAILURE_MS = 10_000;

type RefreshOutcome = 'stored' | 'busy' | 'failed';

/**
 * The directory over `openai.listProjects`, keyed under `cacheKey` (its hash tag keeps the keys on one cluster slot):
 * `cacheKey` the fresh list (PX `ttlMs`), `cacheKey:last` the picker's list and `cacheKey:stamp` its version,
 * `cacheKey:refreshing` and `cacheKey:tick` the locks that keep refreshes to one process at a time.
 */
export function createProjectDirectory(
  redis: Redis,
  cacheKey: string,
  openai: Pick<OpenAIAdmin, 'listProjects'>,
  options: ProjectDirectoryOptions = {},
): ProjectDirectory {
  const ttlMs = options.ttlMs ?? 60_000;
  const keepLastMs = options.keepLastMs ?? 7 * 86_400_000;
  const coldWaitMs = options.coldWaitMs ?? 1_500;
  const keys = {
    fresh: cacheKey,
    last: `${cacheKey}:last`,
    stamp: `${cacheKey}:stamp`,
    refreshing: `${cacheKey}:refreshing`,
    tick: `${cacheKey}:tick`,
  };
  /** this process's copy of the picker's list, and the stamp it was stored under */
  let memory: { stamp: string; index: ProjectSearchIndex } | null = null;
  /** the refresh this process is running, so that concurrent callers share it */
  let running: Promise<RefreshOutcome> | null = null;
  /** when this process's last refresh failed (ms), so that keystrokes do not call a failing OpenAI again and again */
  let failedAt: number | null = null;

  const cached = async () => {
    const raw = await redis.get(keys.fresh);
    return raw ? (JSON.parse(raw) as ProjectRef[]) : null;
  };

  const store = async (projects: ProjectRef[]): Promise<void> => {
    const json = JSON.stringify(projects);
    const stamp = randomUUID();
    await redis.multi().set(keys.fresh, json, 'PX', ttlMs).set(keys.last, json, 'PX', keepLastMs).set(keys.stamp, stamp, 'PX', keepLastMs).exec();
    memory = { stamp, index: indexProjects(projects) };
  };

  const list = async (opts: { fresh?: boolean } = {}): Promise<ProjectRef[]> => {
    if (!opts.fresh) {
      const hit = await cached();
      if (hit) return hit;
    }
    const projects = await openai.listProjects();
    await store(projects);
    return projects;
  };

  /**
   * Reads OpenAI and stores the list, unless another process is doing so (then its result arrives through Redis):
   * 'stored', 'busy' (another process holds the lock) or 'failed' (logged; not tried again for `RETRY_AFTER_FAILURE_MS`).
   */
  const refresh = (): Promise<RefreshOutcome> => {
    if (running) return running;
    if (failedAt !== null && Date.now() - failedAt < RETRY_AFTER_FAILURE_MS) return Promise.resolve('failed');
    running = (async (): Promise<RefreshOutcome> => {
      const token = randomUUID();
      if ((await redis.set(keys.refreshing, token, 'PX', REFRESH_LOCK_MS, 'NX')) !== 'OK') return 'busy';
      try {
        await store(await openai.listProjects());
        failedAt = null;
        return 'stored';
      } finally {
        // only if this process still holds it
        await releaseReentrantLock(redis, keys.refreshing, token).catch(() => undefined);
      }
    })()
      .catch((error: unknown): RefreshOutcome => {
        failedAt = Date.now();
        options.log?.warn({ error: (error as Error).message }, 'could not refresh the project list from OpenAI; the picker keeps the last one');
        return 'failed';
      })
      .finally(() => {
        running = null;
      });
    return running;
  };

  /** The picker's index: this process's copy while its stamp is current, else the list stored by another process. */
  const currentIndex = async (): Promise<ProjectSearchIndex | null> => {
    const stamp = await redis.get(keys.stamp);
    if (stamp === null) return null;
    if (memory?.stamp === stamp) return memory.index;
    const raw = await redis.get(keys.last);
    if (raw === null) return null;
    memory = { stamp, index: indexProjects(JSON.parse(raw) as ProjectRef[]) };
    return memory.index;
  };

  const withSecondLook = async <R extends { ok: boolean; error?: unknown }>(run: (projects: ProjectRef[]) => R): Promise<R> => {
    const first = run(await list());
    if (first.ok || (first.error as { kind?: string }).kind !== 'unknown') return first;
    return run(await list({ fresh: true }));
  };

  return {
    cached,
    list,
    resolve: (query) => withSecondLook((projects) => resolveProject(query, projects)),
    split: (args) => withSecondLook((projects) => splitProjectAndPurpose(args, projects)),

    async search(query, opts = {}) {
      const limit = opts.limit ?? 100;
      let index = await currentIndex();
      if (index === null) {
        // Our own refresh wakes us when it ends; another process's (which holds the lock) is polled for.
        let outcome: RefreshOutcome | null = null;
        const refreshed = refresh().then((o) => (outcome = o));
        const deadline = Date.now() + (opts.wait === false ? 0 : coldWaitMs);
        while (index === null && outcome !== 'failed' && Date.now() < deadline) {
          const pause = new Promise((r) => setTimeout(r, Math.min(COLD_POLL_MS, Math.max(0, deadline - Date.now()))));
          await (outcome === null ? Promise.race([refreshed, pause]) : pause);
          index = await currentIndex();
        }
        if (index === null) return { projects: [], ready: false, activeCount: 0 };
      }
      return { projects: searchProjects(query, index, limit), ready: true, activeCount: index.entries.length };
    },

    refreshIfStale() {
      void redis
        .exists(keys.fresh)
        .then((fresh) => (fresh === 1 ? undefined : refresh()))
        .catch((error: unknown) => options.log?.warn({ error: (error as Error).message }, 'could not check the project list’s age'));
    },

    keepFresh(intervalMs) {
      // Every process ticks; the first to claim the interval's tick refreshes for all of them.
      const tick = async () => {
        const claimed = await redis.set(keys.tick, '1', 'PX', Math.max(1_000, intervalMs - 1_000), 'NX').catch(() => null);
        if (claimed === 'OK') await refresh();
      };
      void tick();
      const timer = setInterval(() => void tick(), intervalMs);
      timer.unref();
      return {
        async stop() {
          clearInterval(timer);
          await running;
        },
      };
    },
  };
}
