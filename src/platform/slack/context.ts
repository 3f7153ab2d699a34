/** What Slack listeners are given: the flows' dependencies plus Slack-side settings. */
import type { Logger } from 'pino';
import type { KeyRequestDeps } from '../../keys/index.js';
import type { LimitDeps } from '../../limits/index.js';
import type { SpendStore } from '../../spend/spendStore.js';
import { isStoreUnavailable } from '../redis/storeUnavailable.js';

/** A store call failed because Redis is unavailable (`StoreUnavailableError`); see platform/redis/storeUnavailable.ts. */
export { isStoreUnavailable };

export type SlackListenerDeps = KeyRequestDeps &
  LimitDeps & {
    readonly log: Logger;
    readonly approvalChannel: string;
    /** the last spend poll's figures (the Workflow Builder spend step reads a project's month from them) */
    readonly spend: Pick<SpendStore, 'totals' | 'projectSpend'>;
    /** marks a Slack event id as seen; false when it was seen before (Slack retried it) */
    /** true the first time `key` is seen within `ttlSeconds` (default 1 hour), false after: Redis SET NX */
    readonly firstSighting: (key: string, ttlSeconds?: number) => Promise<boolean>;
  };

/** Plain words for a failure at the edge: never a stack trace. */
export function describeListenerFailure(error: unknown): string {
  const e = error as { name?: string; message?: string; failure?: { message: string }; code?: string };
  if (e?.failure?.message) return e.failure.message;
  if (isStoreUnavailable(error)) return 'keywarden cannot reach its store right now, try again in a minute.';
  return 'Something went wrong on keywarden’s side and it has been logged. Please try again in a minute.';
}
