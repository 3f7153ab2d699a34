/**
 * The workspace's change notifications: what the emulator's observers (the driver, the sandbox page, tests waiting
 * for a message) hear about every state change. Not a Slack surface; Slack's own event delivery to the app is the
 * driver's and socketMode.ts's.
 */
import type { SlackChange } from '../types.js';

export class ChangeFeed {
  private readonly listeners = new Set<(change: SlackChange) => void>();

  /** Calls `listener` on every change from now on; the returned function unsubscribes it. */
  onChange(listener: (change: SlackChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Tells every listener, in subscription order. A listener that throws raises a process warning, not an error. */
  emit(change: SlackChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (error) {
        // A broken observer must not break the emulated platform; say so without failing the request.
        process.emitWarning(`Slack emulator change listener threw: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
}
