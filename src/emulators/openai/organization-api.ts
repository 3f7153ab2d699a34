import { ApiError, invalidParam, notFound } from './api-error.js';
import type { CostGroupBy } from './cost-ledger.js';
import type { CostValueForm } from './model.js';
import type { Organization } from './organization.js';
import type { QueryParams } from './query-params.js';
import { BUCKET_SECONDS, DAY, bucketPage, type BucketWidth } from './time-buckets.js';
import type { UsageGroupBy } from './usage-ledger.js';
import {
  apiKeyJson,
  bucketPageJson,
  completionsResultJson,
  costResultJson,
  createdServiceAccountJson,
  cursorListJson,
  projectJson,
  rateLimitJson,
  serviceAccountJson,
  spendLimitJson,
} from './wire.js';

export interface ApiRequest {
  readonly method: string;
  /** The path below `/v1/organization`, e.g. `/projects/proj_1/service_accounts`. */
  readonly path: string;
  readonly query: QueryParams;
  readonly body: unknown;
}

export interface ApiResponse {
  readonly status: number;
  readonly body: unknown;
}

type Params = Record<string, string>;
type Answer = (request: ApiRequest, params: Params) => unknown;

interface Route {
  readonly method: string;
  readonly pattern: RegExp;
  readonly answer: Answer;
}

const COST_GROUP_BY = ['project_id', 'line_item', 'api_key_id'] as const;
const USAGE_GROUP_BY = ['project_id', 'user_id', 'api_key_id', 'model', 'batch', 'service_tier'] as const;
const USAGE_LIMITS: Record<BucketWidth, { default: number; max: number }> = {
  '1d': { default: 7, max: 31 },
  '1h': { default: 24, max: 168 },
  '1m': { default: 60, max: 1440 },
};

/** Answers the Admin API paths under `/v1/organization` from an Organization; throws ApiError for bad requests. */
export class OrganizationApi {
  private readonly routes: Route[];

  constructor(
    private readonly org: Organization,
    private readonly costValueForm: () => CostValueForm,
  ) {
    const route = (method: string, path: string, answer: Answer): Route => ({
      method,
      pattern: new RegExp(`^${path.replace(/:(\w+)/g, '(?<$1>[^/]+)')}/?$`),
      answer,
    });
    this.routes = [
      route('GET', '/projects', (r) => this.listProjects(r)),
      route('POST', '/projects', (r) => this.createProject(r)),
      route('GET', '/projects/:project_id', (_, p) => projectJson(this.org.requireProject(p.project_id!))),
      route('POST', '/projects/:project_id', (r, p) => this.modifyProject(r, p.project_id!)),
      route('POST', '/projects/:project_id/archive', (_, p) => projectJson(this.org.archiveProject(p.project_id!))),
      route('GET', '/projects/:project_id/service_accounts', (r, p) => this.listServiceAccounts(r, p.project_id!)),
      route('POST', '/projects/:project_id/service_accounts', (r, p) => this.createServiceAccount(r, p.project_id!)),
      route('GET', '/projects/:project_id/service_accounts/:service_account_id', (_, p) =>
        serviceAccountJson(this.org.serviceAccount(p.project_id!, p.service_account_id!)),
      ),
      route('POST', '/projects/:project_id/service_accounts/:service_account_id', (r, p) =>
        this.updateServiceAccount(r, p.project_id!, p.service_account_id!),
      ),
      route('DELETE', '/projects/:project_id/service_accounts/:service_account_id', (_, p) => {
        this.org.deleteServiceAccount(p.project_id!, p.service_account_id!);
        return { object: 'organization.project.service_account.deleted', id: p.service_account_id, deleted: true };
      }),
      route('GET', '/projects/:project_id/api_keys', (r, p) => this.listApiKeys(r, p.project_id!)),
      route('GET', '/projects/:project_id/api_keys/:api_key_id', (_, p) => {
        const key = this.org.apiKey(p.project_id!, p.api_key_id!);
        return apiKeyJson(key, this.org.serviceAccountOfKey(key));
      }),
      route('DELETE', '/projects/:project_id/api_keys/:api_key_id', (_, p) => {
        this.org.deleteApiKey(p.project_id!, p.api_key_id!);
        return { object: 'organization.project.api_key.deleted', id: p.api_key_id, deleted: true };
      }),
      route('GET', '/projects/:project_id/spend_limit', (_, p) => this.retrieveSpendLimit(p.project_id!)),
      route('POST', '/projects/:project_id/spend_limit', (r, p) => this.updateSpendLimit(r, p.project_id!)),
      route('DELETE', '/projects/:project_id/spend_limit', (_, p) => this.deleteSpendLimit(p.project_id!)),
      route('GET', '/projects/:project_id/rate_limits', (r, p) => this.listRateLimits(r, p.project_id!)),
      route('POST', '/projects/:project_id/rate_limits/:rate_limit_id', (r, p) =>
        rateLimitJson(this.org.updateRateLimit(p.project_id!, p.rate_limit_id!, objectBody(r.body))),
      ),
      route('GET', '/costs', (r) => this.costs(r)),
      route('GET', '/usage/completions', (r) => this.completionsUsage(r)),
    ];
  }

  answer(request: ApiRequest): ApiResponse {
    for (const route of this.routes) {
      if (route.method !== request.method) continue;
      const match = route.pattern.exec(request.path);
      if (!match) continue;
      const params: Params = {};
      for (const [name, value] of Object.entries(match.groups ?? {})) params[name] = decodePathSegment(value);
      return { status: 200, body: route.answer(request, params) };
    }
    throw new ApiError(404, `Invalid URL (${request.method} /v1/organization${request.path})`, 'unknown_url');
  }


  private listProjects({ query }: ApiRequest): unknown {
    const page = this.org.listProjects({
      limit: query.integer('limit', { min: 1, max: 100 }) ?? 20,
      after: query.string('after'),
      includeArchived: query.boolean('include_archived') ?? false,
    });
    return cursorListJson(page, projectJson);
  }

  private createProject({ body }: ApiRequest): unknown {
    const fields = objectBody(body);
    const name = requiredString(fields, 'name');
    return projectJson(this.org.addProject({ name }));
  }

  private modifyProject({ body }: ApiRequest, projectId: string): unknown {
    const fields = objectBody(body);
    const name = optionalString(fields, 'name');
    if (name === undefined) return projectJson(this.org.requireProject(projectId));
    return projectJson(this.org.renameProject(projectId, name));
  }


  private listServiceAccounts({ query }: ApiRequest, projectId: string): unknown {
    const page = this.org.listServiceAccounts(projectId, {
      limit: query.integer('limit', { min: 1, max: 100 }) ?? 20,
      after: query.string('after'),
    });
    return cursorListJson(page, serviceAccountJson);
  }

  private createServiceAccount({ body }: ApiRequest, projectId: string): unknown {
    const fields = objectBody(body);
    const name = requiredString(fields, 'name');
    const withoutApiKey = fields.create_service_account_only;
    if (withoutApiKey !== undefined && withoutApiKey !== null && typeof withoutApiKey !== 'boolean') {
      throw invalidParam('create_service_account_only', "'create_service_account_only' must be a boolean.");
    }
    const expiresIn = fields.expires_in_seconds;
    if (expiresIn !== undefined && expiresIn !== null && typeof expiresIn !== 'number') {
      throw invalidParam('expires_in_seconds', "'expires_in_seconds' must be a positive integer.");
    }
    const created = this.org.createServiceAccount({
      projectId,
      name,
      withoutApiKey: withoutApiKey === true,
      expiresInSeconds: expiresIn ?? null,
    });
    return createdServiceAccountJson(created.serviceAccount, created.apiKey, created.secret);
  }

  private updateServiceAccount({ body }: ApiRequest, projectId: string, serviceAccountId: string): unknown {
    const fields = objectBody(body);
    const name = optionalString(fields, 'name');
    const role = fields.role;
    if (role !== undefined && role !== 'member' && role !== 'owner') throw invalidParam('role', "'role' must be 'member' or 'owner'.");
    return serviceAccountJson(this.org.updateServiceAccount(projectId, serviceAccountId, { name, role }));
  }

  private listApiKeys({ query }: ApiRequest, projectId: string): unknown {
    const limit = query.integer('limit', { min: 1, max: 100 }) ?? 20;
    const access = query.string('owner_project_access');
    if (access !== undefined && !['active', 'inactive', 'any'].includes(access)) {
      throw invalidParam('owner_project_access', "'owner_project_access' must be one of active, inactive, any.");
    }
    // Every owner of a key here has access to its project, so `inactive` finds none.
    const page = access === 'inactive' ? { data: [], hasMore: false } : this.org.listApiKeys(projectId, { limit, after: query.string('after') });
    return cursorListJson(page, (key) => apiKeyJson(key, this.org.serviceAccountOfKey(key)));
  }


  /** The contract describes no "none" form of the resource, so a project without a limit answers 404. */
  private retrieveSpendLimit(projectId: string): unknown {
    const limit = this.org.spendLimit(projectId);
    if (!limit) throw notFound(`Project '${projectId}' has no hard spend limit.`);
    return spendLimitJson(limit);
  }

  private updateSpendLimit({ body }: ApiRequest, projectId: string): unknown {
    const fields = objectBody(body);
    const threshold = fields.threshold_amount;
    if (typeof threshold !== 'number' || !Number.isSafeInteger(threshold) || threshold < 1) {
      throw invalidParam('threshold_amount', "'threshold_amount' must be a positive integer number of cents.");
    }
    if (fields.currency !== 'USD') throw invalidParam('currency', "'currency' must be 'USD'.");
    if (fields.interval !== 'month') throw invalidParam('interval', "'interval' must be 'month'.");
    if (this.org.requireProject(projectId).status === 'archived') {
      throw new ApiError(400, `Project '${projectId}' is archived and cannot be modified.`, 'project_archived', 'project_id');
    }
    const limit = this.org.setSpendLimit(projectId, threshold);
    if (!limit) throw new ApiError(500, 'The spend limit was not stored.');
    return spendLimitJson(limit);
  }

  private deleteSpendLimit(projectId: string): unknown {
    if (!this.org.spendLimit(projectId)) throw notFound(`Project '${projectId}' has no hard spend limit.`);
    this.org.setSpendLimit(projectId, null);
    return { object: 'project.spend_limit.deleted', deleted: true };
  }

  private listRateLimits({ query }: ApiRequest, projectId: string): unknown {
    const page = this.org.listRateLimits(projectId, {
      limit: query.integer('limit', { min: 1, max: 1000 }) ?? 100,
      after: query.string('after'),
      before: query.string('before'),
    });
    return cursorListJson(page, rateLimitJson);
  }


  private costs({ query }: ApiRequest): unknown {
    const width = query.string('bucket_width') ?? '1d';
    if (width !== '1d') throw invalidParam('bucket_width', `Invalid 'bucket_width': '${width}'. Costs support only '1d'.`);
    const groupBy = query.enumList('group_by', COST_GROUP_BY) ?? [];
    if (groupBy.includes('api_key_id') || query.list('api_key_ids') !== undefined) {
      // The live API has answered group_by=api_key_id with 400; costs here are not attributed to keys either.
      throw invalidParam(groupBy.includes('api_key_id') ? 'group_by' : 'api_key_ids', 'Costs cannot be grouped or filtered by API key.');
    }
    const costGroupBy: CostGroupBy = { projectId: groupBy.includes('project_id'), lineItem: groupBy.includes('line_item') };
    const projectIds = toSet(query.list('project_ids'));
    const valueForm = this.costValueForm();
    const window = this.bucketWindow(query, DAY, query.integer('limit', { min: 1, max: 180 }) ?? 7);
    const buckets = window.starts.map((start) => ({
      start,
      end: start + DAY,
      results: this.org.costs.day(start, projectIds, costGroupBy),
    }));
    return bucketPageJson(buckets, window.nextPage, (group) => costResultJson(group, valueForm));
  }

  private completionsUsage({ query }: ApiRequest): unknown {
    const width = query.string('bucket_width') ?? '1d';
    if (!(width in BUCKET_SECONDS)) throw invalidParam('bucket_width', `Invalid 'bucket_width': '${width}'. Use 1m, 1h or 1d.`);
    const bucketWidth = width as BucketWidth;
    const limits = USAGE_LIMITS[bucketWidth];
    const limit = query.integer('limit', { min: 1, max: limits.max }) ?? limits.default;
    const groupBy = query.enumList('group_by', USAGE_GROUP_BY) ?? [];
    const usageGroupBy: UsageGroupBy = {
      projectId: groupBy.includes('project_id'),
      userId: groupBy.includes('user_id'),
      apiKeyId: groupBy.includes('api_key_id'),
      model: groupBy.includes('model'),
      batch: groupBy.includes('batch'),
      serviceTier: groupBy.includes('service_tier'),
    };
    const filter = {
      projectIds: toSet(query.list('project_ids')),
      apiKeyIds: toSet(query.list('api_key_ids')),
      models: toSet(query.list('models')),
      userIds: toSet(query.list('user_ids')),
      batch: query.boolean('batch'),
    };
    const seconds = BUCKET_SECONDS[bucketWidth];
    const window = this.bucketWindow(query, seconds, limit);
    const buckets = window.starts.map((start) => ({
      start,
      end: start + seconds,
      results: this.org.usage.aggregate(start, start + seconds, filter, usageGroupBy),
    }));
    return bucketPageJson(buckets, window.nextPage, completionsResultJson);
  }

  /** Without `end_time` the range runs up to now, and a range that starts in the future is empty. */
  private bucketWindow(query: QueryParams, width: number, limit: number): { starts: number[]; nextPage: string | null } {
    const startTime = query.integer('start_time', { min: 0 });
    if (startTime === undefined) throw invalidParam('start_time', "Missing required parameter: 'start_time'.");
    const endTime = query.integer('end_time', { min: 0 });
    const page = query.string('page');
    if (endTime === undefined && this.org.nowSeconds() <= startTime) return { starts: [], nextPage: null };
    return bucketPage({ startTime, endTime: endTime ?? this.org.nowSeconds(), width, limit, page });
  }
}

function objectBody(body: unknown): Record<string, unknown> {
  if (body === undefined) return {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ApiError(400, 'The request body must be a JSON object.', 'invalid_body');
  }
  return body as Record<string, unknown>;
}

function requiredString(fields: Record<string, unknown>, name: string): string {
  const value = fields[name];
  if (value === undefined || value === null) throw invalidParam(name, `Missing required parameter: '${name}'.`);
  if (typeof value !== 'string' || value.trim() === '') throw invalidParam(name, `'${name}' must be a non-empty string.`);
  return value;
}

function optionalString(fields: Record<string, unknown>, name: string): string | undefined {
  const value = fields[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalidParam(name, `'${name}' must be a string.`);
  return value;
}

function toSet(values: string[] | undefined): ReadonlySet<string> | null {
  return values === undefined ? null : new Set(values);
}

function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw invalidParam('path', `Invalid path segment: '${segment}'.`);
  }
}
