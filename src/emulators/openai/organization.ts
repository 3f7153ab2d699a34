import { ApiError, invalidParam, notFound } from './api-error.js';
import { CostLedger } from './cost-ledger.js';
import * as ids from './ids.js';
import type {
  ApiKey,
  ApiKeyUser,
  CostEntry,
  Project,
  ProjectStatus,
  RateLimit,
  ServiceAccount,
  ServiceAccountRole,
  SpendLimitState,
  UsageEntry,
} from './model.js';
import { ORGANIZATION_RATE_LIMITS, RATE_LIMIT_FIELDS, type RateLimitField } from './rate-limit-catalog.js';
import { utcMonthBounds } from './time-buckets.js';
import { UsageLedger } from './usage-ledger.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

interface ProjectRecord {
  readonly project: Mutable<Project>;
  readonly serviceAccounts: Map<string, Mutable<ServiceAccount>>;
  readonly apiKeys: Map<string, Mutable<ApiKey>>;
  spendLimitCents: number | null;
  /** Created on first use, so that 10,000 projects cost nothing until their limits are read. */
  rateLimits: Map<string, Mutable<RateLimit>> | null;
}

export interface Page<T> {
  readonly data: T[];
  readonly hasMore: boolean;
}

export interface CursorQuery {
  readonly limit: number;
  readonly after: string | undefined;
}

export interface NewProject {
  readonly name: string;
  readonly id?: string;
  readonly status?: ProjectStatus;
  readonly createdAt?: number;
  /** For an archived project; defaults to now. */
  readonly archivedAt?: number;
}

export interface NewServiceAccount {
  readonly projectId: string;
  readonly name: string;
  readonly id?: string;
  readonly apiKeyId?: string;
  readonly role?: ServiceAccountRole;
  readonly createdAt?: number;
  /** As `create_service_account_only`: no key, role `none`. */
  readonly withoutApiKey?: boolean;
  readonly expiresInSeconds?: number | null;
}

export interface CreatedServiceAccount {
  readonly serviceAccount: ServiceAccount;
  readonly apiKey: ApiKey | null;
  /** The key's value: handed out once, here, and never stored. */
  readonly secret: string | null;
}

export interface NewUserApiKey {
  readonly projectId: string;
  readonly name: string;
  readonly user: { readonly name: string; readonly email: string; readonly id?: string; readonly role?: string };
  readonly id?: string;
  readonly createdAt?: number;
}

const SERVICE_ACCOUNT_KEY_NAME = 'Secret Key';
const MICROS_PER_CENT = 10_000;

/** The emulated organization's state. Every method that a request can reach throws ApiError for the caller's mistakes. */
export class Organization {
  readonly costs = new CostLedger();
  readonly usage = new UsageLedger();
  private readonly records = new Map<string, ProjectRecord>();
  /** Projects in creation order, with each one's position, so a cursor finds its place without a scan. */
  private readonly order: ProjectRecord[] = [];
  private readonly position = new Map<string, number>();
  private readonly keyProject = new Map<string, string>();

  constructor(private readonly nowMs: () => number) {}

  nowSeconds(): number {
    return Math.floor(this.nowMs() / 1000);
  }


  addProject(p: NewProject): Project {
    if (typeof p.name !== 'string' || p.name.trim() === '') throw invalidParam('name', "A project needs a non-empty 'name'.");
    const id = p.id ?? ids.projectId();
    if (this.records.has(id)) throw new ApiError(409, `A project with id '${id}' already exists.`, 'conflict', 'id');
    const createdAt = p.createdAt ?? this.nowSeconds();
    const archived = p.status === 'archived';
    const record: ProjectRecord = {
      project: {
        id,
        name: p.name,
        status: archived ? 'archived' : 'active',
        createdAt,
        archivedAt: archived ? (p.archivedAt ?? Math.max(createdAt, this.nowSeconds())) : null,
      },
      serviceAccounts: new Map(),
      apiKeys: new Map(),
      spendLimitCents: null,
      rateLimits: null,
    };
    this.records.set(id, record);
    this.position.set(id, this.order.length);
    this.order.push(record);
    return { ...record.project };
  }

  project(id: string): Project | undefined {
    const record = this.records.get(id);
    return record ? { ...record.project } : undefined;
  }

  projects(): Project[] {
    return this.order.map((r) => ({ ...r.project }));
  }

  requireProject(id: string): Project {
    return { ...this.recordOf(id).project };
  }

  listProjects(query: CursorQuery & { includeArchived: boolean }): Page<Project> {
    let start = 0;
    if (query.after !== undefined) {
      const at = this.position.get(query.after);
      if (at === undefined) throw invalidParam('after', `No project found for cursor 'after' = '${query.after}'.`);
      start = at + 1;
    }
    const data: Project[] = [];
    let hasMore = false;
    for (let i = start; i < this.order.length; i++) {
      const project = this.order[i]!.project;
      if (!query.includeArchived && project.status === 'archived') continue;
      if (data.length === query.limit) {
        hasMore = true;
        break;
      }
      data.push({ ...project });
    }
    return { data, hasMore };
  }

  renameProject(id: string, name: string): Project {
    const record = this.activeRecordOf(id, 'modified');
    if (name.trim() === '') throw invalidParam('name', "A project needs a non-empty 'name'.");
    record.project.name = name;
    return { ...record.project };
  }

  /** Archiving ends the project's use: its service accounts and keys go with it, as on OpenAI. */
  archiveProject(id: string): Project {
    const record = this.recordOf(id);
    if (record.project.status !== 'archived') {
      record.project.status = 'archived';
      record.project.archivedAt = this.nowSeconds();
      for (const keyId of record.apiKeys.keys()) this.keyProject.delete(keyId);
      record.apiKeys.clear();
      record.serviceAccounts.clear();
    }
    return { ...record.project };
  }


  createServiceAccount(p: NewServiceAccount): CreatedServiceAccount {
    const record = this.activeRecordOf(p.projectId, 'given service accounts');
    if (typeof p.name !== 'string' || p.name.trim() === '') throw invalidParam('name', "A service account needs a non-empty 'name'.");
    const expiresIn = p.expiresInSeconds ?? null;
    if (expiresIn !== null) {
      if (!Number.isSafeInteger(expiresIn) || expiresIn < 1) {
        throw invalidParam('expires_in_seconds', "'expires_in_seconds' must be a positive integer.");
      }
      if (p.withoutApiKey) {
        throw invalidParam('expires_in_seconds', "'expires_in_seconds' cannot be set with 'create_service_account_only'.");
      }
    }
    const id = p.id ?? ids.serviceAccountId();
    if (record.serviceAccounts.has(id)) throw new ApiError(409, `Service account '${id}' already exists.`, 'conflict', 'id');
    const createdAt = p.createdAt ?? this.nowSeconds();
    let apiKey: Mutable<ApiKey> | null = null;
    let secret: string | null = null;
    if (!p.withoutApiKey) {
      const keyId = p.apiKeyId ?? ids.apiKeyId();
      if (this.keyProject.has(keyId)) throw new ApiError(409, `API key '${keyId}' already exists.`, 'conflict', 'api_key_id');
      secret = ids.serviceAccountSecret();
      apiKey = {
        id: keyId,
        projectId: p.projectId,
        name: SERVICE_ACCOUNT_KEY_NAME,
        redactedValue: ids.redactSecret(secret),
        createdAt,
        lastUsedAt: null,
        expiresAt: expiresIn === null ? null : createdAt + expiresIn,
        owner: { type: 'service_account', serviceAccountId: id },
      };
    }
    const serviceAccount: Mutable<ServiceAccount> = {
      id,
      projectId: p.projectId,
      name: p.name,
      role: p.withoutApiKey ? 'none' : (p.role ?? 'member'),
      createdAt,
      apiKeyId: apiKey?.id ?? null,
    };
    record.serviceAccounts.set(id, serviceAccount);
    if (apiKey) {
      record.apiKeys.set(apiKey.id, apiKey);
      this.keyProject.set(apiKey.id, p.projectId);
    }
    return { serviceAccount: { ...serviceAccount }, apiKey: apiKey ? { ...apiKey } : null, secret };
  }

  serviceAccounts(projectId: string): ServiceAccount[] {
    return [...(this.records.get(projectId)?.serviceAccounts.values() ?? [])].map((s) => ({ ...s }));
  }

  listServiceAccounts(projectId: string, query: CursorQuery): Page<ServiceAccount> {
    const record = this.activeRecordOf(projectId, 'listed for service accounts');
    return pageOf([...record.serviceAccounts.values()], query, 'service account');
  }

  serviceAccount(projectId: string, serviceAccountId: string): ServiceAccount {
    const account = this.recordOf(projectId).serviceAccounts.get(serviceAccountId);
    if (!account) throw notFound(`No service account found with id '${serviceAccountId}' in project '${projectId}'.`);
    return { ...account };
  }

  updateServiceAccount(projectId: string, serviceAccountId: string, change: { name?: string; role?: 'member' | 'owner' }): ServiceAccount {
    const record = this.activeRecordOf(projectId, 'modified');
    const account = record.serviceAccounts.get(serviceAccountId);
    if (!account) throw notFound(`No service account found with id '${serviceAccountId}' in project '${projectId}'.`);
    if (change.name !== undefined) account.name = change.name;
    if (change.role !== undefined) account.role = change.role;
    return { ...account };
  }

  /** Deleting a service account deletes its key, which stops working at once. */
  deleteServiceAccount(projectId: string, serviceAccountId: string): void {
    const record = this.activeRecordOf(projectId, 'modified');
    const account = record.serviceAccounts.get(serviceAccountId);
    if (!account) throw notFound(`No service account found with id '${serviceAccountId}' in project '${projectId}'.`);
    record.serviceAccounts.delete(serviceAccountId);
    for (const [keyId, key] of record.apiKeys) {
      if (key.owner.type === 'service_account' && key.owner.serviceAccountId === serviceAccountId) {
        record.apiKeys.delete(keyId);
        this.keyProject.delete(keyId);
      }
    }
  }


  addUserApiKey(p: NewUserApiKey): ApiKey {
    const record = this.activeRecordOf(p.projectId, 'given API keys');
    const id = p.id ?? ids.apiKeyId();
    if (this.keyProject.has(id)) throw new ApiError(409, `API key '${id}' already exists.`, 'conflict', 'id');
    const createdAt = p.createdAt ?? this.nowSeconds();
    const user: ApiKeyUser = { id: p.user.id ?? ids.userId(), name: p.user.name, email: p.user.email, role: p.user.role ?? 'owner', createdAt };
    const key: Mutable<ApiKey> = {
      id,
      projectId: p.projectId,
      name: p.name,
      redactedValue: ids.redactSecret(ids.userProjectSecret()),
      createdAt,
      lastUsedAt: null,
      expiresAt: null,
      owner: { type: 'user', user },
    };
    record.apiKeys.set(id, key);
    this.keyProject.set(id, p.projectId);
    return { ...key };
  }

  apiKeys(projectId: string): ApiKey[] {
    return [...(this.records.get(projectId)?.apiKeys.values() ?? [])].map((k) => ({ ...k }));
  }

  listApiKeys(projectId: string, query: CursorQuery): Page<ApiKey> {
    return pageOf([...this.recordOf(projectId).apiKeys.values()], query, 'API key');
  }

  apiKey(projectId: string, apiKeyId: string): ApiKey {
    const key = this.recordOf(projectId).apiKeys.get(apiKeyId);
    if (!key) throw notFound(`No API key found with id '${apiKeyId}' in project '${projectId}'.`);
    return { ...key };
  }

  /** As OpenAI documents: a service account's key goes only with its service account. */
  deleteApiKey(projectId: string, apiKeyId: string): void {
    const record = this.recordOf(projectId);
    const key = record.apiKeys.get(apiKeyId);
    if (!key) throw notFound(`No API key found with id '${apiKeyId}' in project '${projectId}'.`);
    if (key.owner.type === 'service_account') {
      throw new ApiError(
        400,
        `API key '${apiKeyId}' belongs to a service account; delete service account '${key.owner.serviceAccountId}' instead.`,
        'service_account_api_key',
        'api_key_id',
      );
    }
    record.apiKeys.delete(apiKeyId);
    this.keyProject.delete(apiKeyId);
  }

  serviceAccountOfKey(key: ApiKey): ServiceAccount | undefined {
    if (key.owner.type !== 'service_account') return undefined;
    const account = this.records.get(key.projectId)?.serviceAccounts.get(key.owner.serviceAccountId);
    return account ? { ...account } : undefined;
  }


  setSpendLimit(projectId: string, cents: number | null): SpendLimitState | null {
    const record = this.recordOf(projectId);
    if (cents !== null && (!Number.isSafeInteger(cents) || cents < 1)) {
      throw invalidParam('threshold_amount', "'threshold_amount' must be a positive integer number of cents.");
    }
    record.spendLimitCents = cents;
    return this.spendLimit(projectId);
  }

  /** Enforcing once the project's costs in the current UTC month reach the threshold. */
  spendLimit(projectId: string): SpendLimitState | null {
    const cents = this.recordOf(projectId).spendLimitCents;
    if (cents === null) return null;
    const month = utcMonthBounds(this.nowSeconds());
    const spentMicros = this.costs.totalMicros(projectId, month.start, month.end);
    return { threshold_amount: cents, status: spentMicros >= cents * MICROS_PER_CENT ? 'enforcing' : 'inactive' };
  }


  rateLimits(projectId: string): RateLimit[] {
    return [...this.rateLimitsOf(this.recordOf(projectId)).values()].map((l) => ({ ...l }));
  }

  listRateLimits(projectId: string, query: CursorQuery & { before: string | undefined }): Page<RateLimit> {
    const limits = [...this.rateLimitsOf(this.recordOf(projectId)).values()];
    if (query.before === undefined) return pageOf(limits, query, 'rate limit');
    const end = limits.findIndex((l) => l.id === query.before);
    if (end < 0) throw invalidParam('before', `No rate limit found for cursor 'before' = '${query.before}'.`);
    const start = Math.max(0, end - query.limit);
    return { data: limits.slice(start, end).map((l) => ({ ...l })), hasMore: start > 0 };
  }

  updateRateLimit(projectId: string, rateLimitId: string, change: Partial<Record<RateLimitField, unknown>>): RateLimit {
    const record = this.activeRecordOf(projectId, 'modified');
    const limit = this.rateLimitsOf(record).get(rateLimitId);
    if (!limit) throw notFound(`No rate limit found with id '${rateLimitId}' in project '${projectId}'.`);
    const ceiling = ORGANIZATION_RATE_LIMITS.find((l) => l.id === rateLimitId);
    const updates: Partial<Record<RateLimitField, number>> = {};
    for (const field of RATE_LIMIT_FIELDS) {
      const value = change[field];
      if (value === undefined) continue;
      const max = ceiling?.[field];
      if (max === undefined) throw invalidParam(field, `'${field}' does not apply to model '${limit.model}'.`);
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
        throw invalidParam(field, `'${field}' must be a positive integer.`);
      }
      if (value > max) {
        throw invalidParam(field, `'${field}' cannot exceed the organization's limit of ${max} for model '${limit.model}'.`);
      }
      updates[field] = value;
    }
    Object.assign(limit, updates);
    return { ...limit };
  }


  addCost(entry: CostEntry): void {
    this.recordOf(entry.projectId);
    this.costs.add(entry);
  }

  addUsage(entry: UsageEntry): void {
    this.recordOf(entry.projectId);
    this.usage.add(entry);
    if (entry.apiKeyId !== null) {
      const key = this.records.get(this.keyProject.get(entry.apiKeyId) ?? '')?.apiKeys.get(entry.apiKeyId);
      if (key && (key.lastUsedAt === null || key.lastUsedAt < entry.hour)) key.lastUsedAt = entry.hour;
    }
  }


  private recordOf(projectId: string): ProjectRecord {
    const record = this.records.get(projectId);
    if (!record) throw notFound(`No project found with id '${projectId}'.`, 'project_id');
    return record;
  }

  private activeRecordOf(projectId: string, action: string): ProjectRecord {
    const record = this.recordOf(projectId);
    if (record.project.status === 'archived') {
      throw new ApiError(400, `Project '${projectId}' is archived and cannot be ${action}.`, 'project_archived', 'project_id');
    }
    return record;
  }

  private rateLimitsOf(record: ProjectRecord): Map<string, Mutable<RateLimit>> {
    if (!record.rateLimits) record.rateLimits = new Map(ORGANIZATION_RATE_LIMITS.map((l) => [l.id, { ...l }]));
    return record.rateLimits;
  }
}

function pageOf<T extends { readonly id: string }>(items: readonly T[], query: CursorQuery, noun: string): Page<T> {
  let start = 0;
  if (query.after !== undefined) {
    const at = items.findIndex((item) => item.id === query.after);
    if (at < 0) throw invalidParam('after', `No ${noun} found for cursor 'after' = '${query.after}'.`);
    start = at + 1;
  }
  return { data: items.slice(start, start + query.limit).map((i) => ({ ...i })), hasMore: start + query.limit < items.length };
}
