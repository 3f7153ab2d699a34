/** What the spend poll needs: each step takes a `Pick<>` of these as a plain parameter. */
import type { JobQueues } from '../platform/queues/queues.js';
import type { OpenAIAdmin } from '../platform/openai/admin.js';
import type { AuditLog } from '../platform/redis/auditLog.js';
import type { PostMarkers } from '../platform/slack/postMarkers.js';
import type { LimitsStore } from '../limits/index.js';
import type { SpendStore } from './spendStore.js';

/** Everything the spend poll may use; the composition root (src/main.ts) builds the real ones. */
export interface SpendDeps {
  readonly openai: Pick<OpenAIAdmin, 'costsPage' | 'completionsUsagePage' | 'getSpendLimit'>;
  readonly limits: LimitsStore;
  readonly spend: SpendStore;
  readonly markers: Pick<PostMarkers, 'posted'>;
  readonly queues: Pick<JobQueues, 'add' | 'addBulk'>;
  readonly audit: Pick<AuditLog, 'append' | 'recent'>;
  readonly clock: () => number;
  readonly settings: { readonly alertChannel: string };
  /** waits between retries of a rate-limited or failing OpenAI call (a parameter so tests and benches need not sleep) */
  readonly sleep?: (ms: number) => Promise<void>;
}
