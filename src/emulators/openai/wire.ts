/** The emulator's state in the shapes of OpenAI's Admin API (see the contract's components/schemas). */
import type { CostGroup } from './cost-ledger.js';
import type { ApiKey, CostValueForm, Project, RateLimit, ServiceAccount, SpendLimitState } from './model.js';
import type { Page } from './organization.js';
import type { UsageGroup } from './usage-ledger.js';

export function projectJson(p: Project): Record<string, unknown> {
  return {
    id: p.id,
    object: 'organization.project',
    name: p.name,
    created_at: p.createdAt,
    archived_at: p.archivedAt,
    status: p.status,
    external_key_id: null,
  };
}

export function serviceAccountJson(s: ServiceAccount): Record<string, unknown> {
  return { object: 'organization.project.service_account', id: s.id, name: s.name, role: s.role, created_at: s.createdAt };
}

export function createdServiceAccountJson(s: ServiceAccount, key: ApiKey | null, secret: string | null): Record<string, unknown> {
  return {
    ...serviceAccountJson(s),
    api_key:
      key && secret
        ? {
            object: 'organization.project.service_account.api_key',
            value: secret,
            name: key.name,
            created_at: key.createdAt,
            id: key.id,
            expires_at: key.expiresAt,
          }
        : null,
  };
}

export function apiKeyJson(key: ApiKey, ownerAccount: ServiceAccount | undefined): Record<string, unknown> {
  const owner =
    key.owner.type === 'user'
      ? {
          type: 'user',
          user: {
            id: key.owner.user.id,
            name: key.owner.user.name,
            email: key.owner.user.email,
            role: key.owner.user.role,
            created_at: key.owner.user.createdAt,
          },
        }
      : {
          type: 'service_account',
          service_account: {
            id: key.owner.serviceAccountId,
            name: ownerAccount?.name ?? '',
            role: ownerAccount?.role ?? 'member',
            created_at: ownerAccount?.createdAt ?? key.createdAt,
          },
        };
  return {
    object: 'organization.project.api_key',
    id: key.id,
    name: key.name,
    redacted_value: key.redactedValue,
    created_at: key.createdAt,
    last_used_at: key.lastUsedAt,
    expires_at: key.expiresAt,
    owner_project_access: 'active',
    owner,
  };
}

export function spendLimitJson(limit: SpendLimitState): Record<string, unknown> {
  return {
    object: 'project.spend_limit',
    threshold_amount: limit.threshold_amount,
    currency: 'USD',
    interval: 'month',
    enforcement: { status: limit.status },
  };
}

export function rateLimitJson(limit: RateLimit): Record<string, unknown> {
  return { object: 'project.rate_limit', ...limit };
}

export function cursorListJson<T extends { readonly id: string }>(page: Page<T>, toJson: (item: T) => unknown): Record<string, unknown> {
  return {
    object: 'list',
    data: page.data.map(toJson),
    first_id: page.data[0]?.id ?? null,
    last_id: page.data.at(-1)?.id ?? null,
    has_more: page.hasMore,
  };
}

export interface Bucket<R> {
  readonly start: number;
  readonly end: number;
  readonly results: R[];
}

export function bucketPageJson<R>(buckets: Bucket<R>[], nextPage: string | null, toJson: (r: R) => unknown): Record<string, unknown> {
  return {
    object: 'page',
    data: buckets.map((b) => ({ object: 'bucket', start_time: b.start, end_time: b.end, results: b.results.map(toJson) })),
    has_more: nextPage !== null,
    next_page: nextPage,
  };
}

/** Dollars as a decimal string with at least two places, as the live API has sent them: "12.50", "0.000125". */
export function decimalDollars(micros: number): string {
  const sign = micros < 0 ? '-' : '';
  const abs = Math.abs(micros);
  const whole = Math.floor(abs / 1_000_000);
  const fraction = String(abs % 1_000_000).padStart(6, '0').replace(/0+$/, '').padEnd(2, '0');
  return `${sign}${whole}.${fraction}`;
}

export function costResultJson(group: CostGroup, valueForm: CostValueForm): Record<string, unknown> {
  return {
    object: 'organization.costs.result',
    amount: { value: valueForm === 'string' ? decimalDollars(group.micros) : group.micros / 1_000_000, currency: 'usd' },
    line_item: group.lineItem,
    project_id: group.projectId,
  };
}

export function completionsResultJson(group: UsageGroup): Record<string, unknown> {
  return {
    object: 'organization.usage.completions.result',
    input_tokens: group.inputTokens,
    input_cached_tokens: group.cachedInputTokens,
    input_uncached_tokens: group.inputTokens - group.cachedInputTokens,
    output_tokens: group.outputTokens,
    input_audio_tokens: 0,
    output_audio_tokens: 0,
    num_model_requests: group.requests,
    project_id: group.projectId,
    user_id: group.userId,
    api_key_id: group.apiKeyId,
    model: group.model,
    batch: group.batch,
    service_tier: group.serviceTier,
  };
}
