import type { AuditEntry as AuditRow } from '../../../src/platform/domain/audit.js';
import type { LimitRequestState as LimitChangeState } from '../../../src/limits/domain/limitRequest.js';
import type { ProjectLimits } from '../../../src/limits/domain/limits.js';
import { cents } from '../../../src/platform/domain/money.js';
import type {
  LimitChangeRequestView as LimitChangeRequest,
  LimitsRow,
  RateLimitRow,
} from '../../../src/limits/render/index.js';
import { HOSTILE, NOW } from '../../keys/render/fixtures.js';

export { HOSTILE, NOW };
const HOUR = 3_600_000;

export const limits = (overrides: Partial<ProjectLimits> = {}): ProjectLimits => ({
  projectId: 'proj_abc123',
  softCents: cents(50_000),
  hardCents: cents(80_000),
  thresholds: [50, 80, 100],
  channelId: 'C0ALERTS',
  version: 3,
  updatedAt: NOW - 24 * HOUR,
  updatedBy: 'U0ADMIN',
  ...overrides,
});

export const limitsRow = (overrides: Partial<LimitsRow> = {}): LimitsRow => ({
  project: { id: 'proj_abc123', name: 'Support Bot', status: 'active' },
  limits: limits(),
  monthToDateCents: cents(31_240),
  enforcement: 'inactive',
  ...overrides,
});

/** `count` projects named `Project 1`…, every one with limits. */
export const manyRows = (count: number): LimitsRow[] =>
  Array.from({ length: count }, (_, index) =>
    limitsRow({
      project: { id: `proj_${String(index + 1).padStart(4, '0')}`, name: `Project ${index + 1}`, status: 'active' },
      limits: limits({ projectId: `proj_${String(index + 1).padStart(4, '0')}` }),
    }),
  );

export const rateLimit = (model: string, overrides: Partial<RateLimitRow> = {}): RateLimitRow => ({
  model,
  maxRequestsPerMinute: 500,
  maxTokensPerMinute: 200_000,
  ...overrides,
});

export const limitRequestIn = (state: LimitChangeState, overrides: Partial<LimitChangeRequest> = {}): LimitChangeRequest => {
  const base: LimitChangeRequest = {
    id: 'lim_8f3k2m9q1z',
    state,
    requesterId: 'U0REQUESTER',
    projectId: 'proj_abc123',
    projectName: 'Support Bot',
    change: { hard: cents(120_000) },
    before: limits(),
    reason: 'The launch doubles traffic this month.',
    createdAt: NOW - HOUR,
    decideBy: NOW + 47 * HOUR,
  };
  const decided = { decidedBy: 'U0APPROVER', decidedAt: NOW - HOUR / 2 };
  const byState: Record<LimitChangeState, Partial<LimitChangeRequest>> = {
    pending: {},
    approved: decided,
    applied: { ...decided, appliedAt: NOW - HOUR / 4 },
    denied: { ...decided, denyReason: 'Wait for the budget review.' },
    expired: { decideBy: NOW - HOUR / 2 },
    cancelled: { cancelledBy: 'U0REQUESTER' },
    failed: { ...decided, failure: 'threshold_amount exceeds the organization limit' },
  };
  return { ...base, ...byState[state], ...overrides };
};

export const auditRow = (overrides: Partial<AuditRow> = {}): AuditRow => ({
  actor: 'U0ADMIN',
  action: 'limit.change',
  target: 'proj_abc123',
  outcome: 'applied',
  at: NOW - HOUR,
  detail: 'hard $800.00 → $1,200.00',
  project: 'proj_abc123',
  ...overrides,
});
