/** What the key-request flows need: every flow takes a `Pick<>` of these as a plain parameter. */
import type { Approvers } from '../approvals/domain/approvers.js';
import type { ApprovalEngine } from '../approvals/index.js';
import type { OpenAIAdmin } from '../platform/openai/admin.js';
import type { ProjectDirectory } from '../platform/openai/projectDirectory.js';
import type { JobQueues } from '../platform/queues/queues.js';
import type { AuditLog } from '../platform/redis/auditLog.js';
import type { KeyRequestStore } from './keyRequestStore.js';

/** The key-request settings from the configuration (src/platform/config). */
export interface KeyRequestSettings {
  /** how long a request waits for a decision (ms) */
  readonly requestTtlMs: number;
  /** how long a created key waits to be revealed before it is revoked (ms) */
  readonly revealTtlMs: number;
  /** a key's lifetime in days: when none is asked for, and the most one may ask for */
  readonly keyDays: { readonly default: number; readonly max: number };
  /** the AES-256 key that seals a key while it waits to be revealed (32 bytes) */
  readonly secret: Buffer;
  readonly policy: Approvers;
}

/**
 * What the key-request flows use of their store: reads, indexes, drafts and the sealed secret's return. A request's
 * state and fields change only through the approvals engine (`approvals.advance` / `amend`); the engine's request
 * store (its `transition`, `amend` and `update`) is out of reach here.
 */
export type KeyRequestReads = Pick<
  KeyRequestStore,
  | 'get'
  | 'listByUser'
  | 'findByKey'
  | 'findByMaskedKey'
  | 'bindKey'
  | 'bindMaskedKey'
  | 'addProjectOwner'
  | 'removeProjectOwner'
  | 'restoreSecret'
  | 'unsettled'
  | 'settle'
  | 'saveDraft'
  | 'claimDraft'
  | 'settleDraft'
>;

/** Everything a key-request flow may use; the composition root (src/main.ts) builds the real ones. */
export interface KeyRequestDeps {
  readonly keyRequests: KeyRequestReads;
  /**
   * the approvals engine: opening, deciding, cancelling and expiring requests, moving them through a key's own states
   * (`advance`, `amend`), and every notice in their thread
   */
  readonly approvals: ApprovalEngine;
  readonly audit: Pick<AuditLog, 'append'>;
  readonly openai: OpenAIAdmin;
  readonly projects: ProjectDirectory;
  readonly queues: Pick<JobQueues, 'add'>;
  readonly groupsOf: (userId: string) => Promise<readonly string[]>;
  readonly clock: () => number;
  readonly settings: KeyRequestSettings;
}
