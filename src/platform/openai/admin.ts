/** A thin typed wrapper over openai 7's admin resources: just what keywarden uses, with failures mapped to data. */
import OpenAI from 'openai';
import type { ProjectRef } from '../domain/projects.js';
import { describeOpenAIFailure, OpenAIAdminError } from './failures.js';

export interface CreatedServiceAccount {
  readonly serviceAccountId: string;
  readonly keyId: string;
  /** the key value: handed straight to the sealer, never logged */
  readonly keyValue: string;
  readonly keyExpiresAt: number | null;
}

export interface SpendLimitAtOpenAI {
  /** OpenAI's threshold_amount: cents */
  readonly cents: number;
  readonly status: 'inactive' | 'enforcing';
}

export interface RateLimitAtOpenAI {
  readonly id: string;
  readonly model: string;
  readonly maxRequestsPerMinute: number;
  readonly maxTokensPerMinute: number;
  readonly maxRequestsPerDay?: number;
  readonly maxImagesPerMinute?: number;
  readonly maxAudioMegabytesPer1Minute?: number;
  readonly batch1DayMaxInputTokens?: number;
}

export interface RateLimitUpdate {
  readonly maxRequestsPerMinute?: number;
  readonly maxTokensPerMinute?: number;
  readonly maxRequestsPerDay?: number;
}

/** One page of /organization/costs or /organization/usage/completions, as OpenAI sends it (amounts unparsed). */
export interface BucketPage {
  readonly data: readonly unknown[];
  readonly has_more: boolean;
  readonly next_page: string | null;
}

/** A time window (ms) and the cursor of the page wanted; no cursor: the first page. */
export interface BucketPageQuery {
  readonly startTime: number;
  readonly endTime: number;
  readonly page?: string;
}

/** A page's query as OpenAI takes it: the window in whole seconds (rounded outwards), the bucketing, the cursor if any. */
const bucketQuery = <B extends object>(q: BucketPageQuery, bucketing: B) => ({
  start_time: Math.floor(q.startTime / 1000),
  end_time: Math.ceil(q.endTime / 1000),
  ...bucketing,
  ...(q.page ? { page: q.page } : {}),
});

export interface OpenAIAdmin {
  /** costs, daily buckets grouped by project: one page (up to 31 days) */
  costsPage(q: BucketPageQuery): Promise<BucketPage>;
  /** completions usage, hourly buckets grouped by project, key and model: one page (up to 168 hours) */
  completionsUsagePage(q: BucketPageQuery): Promise<BucketPage>;
  /** the project's monthly spend limit, or null when none is set */
  getSpendLimit(projectId: string): Promise<SpendLimitAtOpenAI | null>;
  setSpendLimit(projectId: string, cents: number): Promise<SpendLimitAtOpenAI>;
  deleteSpendLimit(projectId: string): Promise<void>;
  listRateLimits(projectId: string): Promise<RateLimitAtOpenAI[]>;
  updateRateLimit(projectId: string, rateLimitId: string, update: RateLimitUpdate): Promise<RateLimitAtOpenAI>;
  listProjects(): Promise<ProjectRef[]>;
  createServiceAccount(projectId: string, name: string, expiresInSeconds: number | null): Promise<CreatedServiceAccount>;
  /** ids of the project's service accounts called `name` */
  findServiceAccounts(projectId: string, name: string): Promise<string[]>;
  /** deleting one that is already gone is not an error */
  deleteServiceAccount(projectId: string, serviceAccountId: string): Promise<void>;
}

export function createOpenAIClient(opts: { adminKey: string; baseURL: string | null; timeoutMs: number }): OpenAI {
  return new OpenAI({
    adminAPIKey: opts.adminKey,
    ...(opts.baseURL ? { baseURL: opts.baseURL } : {}),
    timeout: opts.timeoutMs,
    // Retries belong to the job queue (exponential backoff, visible attempts), so they do not stack here.
    maxRetries: 0,
  });
}

export type OpenAICallObserver = (outcome: { ok: true } | { ok: false; status: number | null; kind: string }) => void;

export function createOpenAIAdmin(client: OpenAI, observe: OpenAICallObserver = () => {}): OpenAIAdmin {
  const org = client.admin.organization;
  const call = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      const value = await run();
      observe({ ok: true });
      return value;
    } catch (error) {
      const failure = describeOpenAIFailure(error);
      observe({ ok: false, status: failure.status, kind: failure.kind });
      throw new OpenAIAdminError(failure);
    }
  };

  const spendLimitOf = (limit: { threshold_amount: number; enforcement: { status: string } }): SpendLimitAtOpenAI => ({
    cents: limit.threshold_amount,
    status: limit.enforcement.status === 'enforcing' ? 'enforcing' : 'inactive',
  });
  const rateLimitOf = (r: OpenAI.Admin.Organization.Projects.RateLimits.ProjectRateLimit): RateLimitAtOpenAI => ({
    id: r.id,
    model: r.model,
    maxRequestsPerMinute: r.max_requests_per_1_minute,
    maxTokensPerMinute: r.max_tokens_per_1_minute,
    ...(r.max_requests_per_1_day !== undefined ? { maxRequestsPerDay: r.max_requests_per_1_day } : {}),
    ...(r.max_images_per_1_minute !== undefined ? { maxImagesPerMinute: r.max_images_per_1_minute } : {}),
    ...(r.max_audio_megabytes_per_1_minute !== undefined ? { maxAudioMegabytesPer1Minute: r.max_audio_megabytes_per_1_minute } : {}),
    ...(r.batch_1_day_max_input_tokens !== undefined ? { batch1DayMaxInputTokens: r.batch_1_day_max_input_tokens } : {}),
  });

  const page = (raw: { data: unknown[]; has_more: boolean; next_page?: string | null }): BucketPage => ({
    data: raw.data,
    has_more: raw.has_more,
    next_page: raw.next_page ?? null,
  });

  return {
    costsPage: (q) =>
      call(async () => page(await org.usage.costs(bucketQuery(q, { bucket_width: '1d', group_by: ['project_id'], limit: 31 })))),

    completionsUsagePage: (q) =>
      call(async () =>
        page(await org.usage.completions(bucketQuery(q, { bucket_width: '1h', group_by: ['project_id', 'api_key_id', 'model'], limit: 168 }))),
      ),

    getSpendLimit: async (projectId) => {
      try {
        return await call(async () => spendLimitOf(await org.projects.spendLimit.retrieve(projectId)));
      } catch (error) {
        if (error instanceof OpenAIAdminError && error.failure.kind === 'not_found') return null;
        throw error;
      }
    },

    setSpendLimit: (projectId, cents) =>
      call(async () => spendLimitOf(await org.projects.spendLimit.update(projectId, { currency: 'USD', interval: 'month', threshold_amount: cents }))),

    deleteSpendLimit: async (projectId) => {
      try {
        await call(() => org.projects.spendLimit.delete(projectId));
      } catch (error) {
        if (error instanceof OpenAIAdminError && error.failure.kind === 'not_found') return;
        throw error;
      }
    },

    listRateLimits: (projectId) =>
      call(async () => {
        const out: RateLimitAtOpenAI[] = [];
        for await (const r of org.projects.rateLimits.listRateLimits(projectId, { limit: 100 })) out.push(rateLimitOf(r));
        return out;
      }),

    updateRateLimit: (projectId, rateLimitId, update) =>
      call(async () =>
        rateLimitOf(
          await org.projects.rateLimits.updateRateLimit(rateLimitId, {
            project_id: projectId,
            ...(update.maxRequestsPerMinute !== undefined ? { max_requests_per_1_minute: update.maxRequestsPerMinute } : {}),
            ...(update.maxTokensPerMinute !== undefined ? { max_tokens_per_1_minute: update.maxTokensPerMinute } : {}),
            ...(update.maxRequestsPerDay !== undefined ? { max_requests_per_1_day: update.maxRequestsPerDay } : {}),
          }),
        ),
      ),

    listProjects: () =>
      call(async () => {
        const out: ProjectRef[] = [];
        for await (const p of org.projects.list({ include_archived: true, limit: 100 })) {
          out.push({ id: p.id, name: p.name ?? p.id, status: p.status === 'archived' ? 'archived' : 'active' });
        }
        return out;
      }),

    createServiceAccount: (projectId, name, expiresInSeconds) =>
      call(async () => {
        const created = await org.projects.serviceAccounts.create(projectId, {
          name,
          ...(expiresInSeconds ? { expires_in_seconds: expiresInSeconds } : {}),
        });
        if (!created.api_key?.value) {
          throw new OpenAIAdminError({
            kind: 'bad_request',
            retryable: false,
            status: null,
            code: null,
            message: 'OpenAI created the service account but returned no key.',
            retryAfterMs: null,
          });
        }
        return {
          serviceAccountId: created.id,
          keyId: created.api_key.id,
          keyValue: created.api_key.value,
          keyExpiresAt: created.api_key.expires_at ? created.api_key.expires_at * 1000 : null,
        };
      }),

    findServiceAccounts: (projectId, name) =>
      call(async () => {
        const ids: string[] = [];
        for await (const sa of org.projects.serviceAccounts.list(projectId, { limit: 100 })) {
          if (sa.name === name) ids.push(sa.id);
        }
        return ids;
      }),

    deleteServiceAccount: async (projectId, serviceAccountId) => {
      try {
        await call(() => org.projects.serviceAccounts.delete(serviceAccountId, { project_id: projectId }));
      } catch (error) {
        if (error instanceof OpenAIAdminError && error.failure.kind === 'not_found') return;
        throw error;
      }
    },
  };
}
