/** The org's projects, read from OpenAI and cached in Redis for a minute so commands stay fast. */
import type { Redis } from 'ioredis';
import type { ProjectRef } from '../domain/projects.js';
import type { OpenAIAdmin } from '../openai/admin.js';

export interface ProjectDirectory {
  list(opts?: { fresh?: boolean }): Promise<ProjectRef[]>;
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
  return {
    cached,
    async list(opts = {}) {
      if (!opts.fresh) {
        const hit = await cached();
        if (hit) return hit;
      }
      const projects = await openai.listProjects();
      await redis.set(cacheKey, JSON.stringify(projects), 'PX', ttlMs);
      return projects;
    },
  };
}
