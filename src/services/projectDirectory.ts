/** The org's projects, read from OpenAI and cached in Redis for a minute so commands stay fast. */
import type { RedisClient as Redis } from '../store/redisConnection.js';
import { resolveProject, splitProjectAndPurpose, type ProjectRef } from '../domain/projects.js';
import type { OpenAIAdmin } from '../openai/admin.js';

export interface ProjectDirectory {
  list(opts?: { fresh?: boolean }): Promise<ProjectRef[]>;
  /** a project by id or name; a miss in the cached list is looked up again at OpenAI (it may be new) */
  resolve(query: string): Promise<ReturnType<typeof resolveProject>>;
  /** `request <project> <purpose…>`, with the same second look on a miss */
  split(args: string): Promise<ReturnType<typeof splitProjectAndPurpose>>;
  /** cached projects only, or null when the cache is cold (no OpenAI call) */
  cached(): Promise<ProjectRef[] | null>;
}

export function createProjectDirectory(
  redis: Redis,
  cacheKey: string,
  openai: Pick<OpenAIAdmin, 'listProjects'>,
  ttlMs = 60_000,
): ProjectDirectory {
  const cached = async () => {
    const raw = await redis.get(cacheKey);
    return raw ? (JSON.parse(raw) as ProjectRef[]) : null;
  };
  const withSecondLook = async <R extends { ok: boolean; error?: unknown }>(run: (projects: ProjectRef[]) => R): Promise<R> => {
    const first = run(await list());
    if (first.ok || (first.error as { kind?: string }).kind !== 'unknown') return first;
    return run(await list({ fresh: true }));
  };
  const list = async (opts: { fresh?: boolean } = {}): Promise<ProjectRef[]> => {
    if (!opts.fresh) {
      const hit = await cached();
      if (hit) return hit;
    }
    const projects = await openai.listProjects();
    await redis.set(cacheKey, JSON.stringify(projects), 'PX', ttlMs);
    return projects;
  };
  return {
    cached,
    list,
    resolve: (query) => withSecondLook((projects) => resolveProject(query, projects)),
    split: (args) => withSecondLook((projects) => splitProjectAndPurpose(args, projects)),
  };
}

