/** What the limits flows need: every flow takes a `Pick<>` of these as a plain parameter. */
import type { Cents } from '../platform/domain/money.js';
import type { Result } from '../platform/domain/result.js';
import type { Approvers } from '../approvals/domain/approvers.js';
import type { ApprovalEngine, RequestStore } from '../approvals/index.js';
import type { OpenAIAdmin } from '../platform/openai/admin.js';
import type { ProjectDirectory } from '../platform/openai/projectDirectory.js';
import type { JobQueues } from '../platform/queues/queues.js';
import type { AuditLog } from '../platform/redis/auditLog.js';
import type { LimitsStore } from './limitStore.js';
import type { ChannelCheck } from '../platform/slack/channels.js';

/** A project's month-to-date spend as the last spend poll saved it (cents; `polledAt` in ms since epoch). */
export interface MonthToDateSpend {
  readonly cents: Cents;
  readonly estimateCents: Cents;
  readonly estimateMissing: boolean;
  readonly polledAt: number;
}

/**
 * What limits reads of the spend feature's store (its SpendStore provides it): month-to-date totals, and the hold
 * on OpenAI's spend-limit endpoint shared with the spend poll. Declared here rather than imported from spend,
 * because the spend poll depends on limits (it reconciles hard caps) and features must not depend on each other
 * both ways.
 */
export interface SpendReads {
  /** `month` is `2026-11`; projects with no figures that month are absent from the map */
  totals(month: string, projectIds: readonly string[]): Promise<Map<string, MonthToDateSpend>>;
  /** until when (ms) OpenAI's endpoint is held after a 429, or null when it is free */
  openAIEndpointHeldUntil(endpoint: 'spend-limit-read', now: number): Promise<number | null>;
  /** holds the endpoint for every worker until `until` (ms) */
  holdOpenAIEndpoint(endpoint: 'spend-limit-read', until: number, now: number): Promise<void>;
}

/** Everything a limits flow may use; the composition root (src/main.ts) builds the real ones. */
export interface LimitDeps {
  readonly limits: LimitsStore;
  /**
   * every request decided in a thread, limit changes among them: read only (a request changes only through the
   * approvals engine, `approvals.advance`)
   */
  readonly requests: Pick<RequestStore, 'document'>;
  /** the approvals engine: a limit change is one kind of request it decides, and moves on to applied or failed */
  readonly approvals: ApprovalEngine;
  readonly audit: Pick<AuditLog, 'append' | 'recent'>;
  readonly openai: OpenAIAdmin;
  readonly projects: ProjectDirectory;
  readonly queues: Pick<JobQueues, 'add'>;
  readonly groupsOf: (userId: string) => Promise<readonly string[]>;
  readonly canPostIn: ChannelCheck;
  /** month-to-date spend from the last poll */
  readonly spend: SpendReads;
  readonly clock: () => number;
  readonly settings: { readonly requestTtlMs: number; readonly policy: Approvers; readonly alertChannel: string };
}
