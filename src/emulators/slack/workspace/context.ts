/**
 * What every part of the emulated workspace shares: the team and the app's identities, the clock, message
 * timestamps, the emulator's base URL (known once the server listens) and the change feed. The workspace
 * (../workspace.ts) is this context; each part takes the fields it needs as a `Pick<>`.
 */
import type { SlackChange } from '../types.js';

export interface WorkspaceContext {
  readonly teamId: string;
  /** The app's bot user (U…), a member of the workspace like a person. */
  readonly botUserId: string;
  readonly botId: string;
  readonly appId: string;
  /** Clock in ms. */
  readonly now: () => number;
  /** The next message ts, strictly increasing ('1763800000.000100'). */
  readonly nextTs: () => string;
  /** 'http://127.0.0.1:PORT', '' until the server listens. */
  readonly baseUrl: string;
  /** Tells the workspace's observers about a change. */
  emit(change: SlackChange): void;
}
