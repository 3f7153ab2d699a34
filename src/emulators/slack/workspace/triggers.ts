/**
 * Trigger ids: what an interaction (slash command, button, shortcut) gives the app to open or push a modal. Slack
 * lets a trigger be used once, within 3 seconds of the interaction
 * (https://docs.slack.dev/interactivity/handling-user-interaction): later or again answers expired_trigger_id.
 */
import { triggerId as newTriggerId } from '../ids.js';
import { failure, invalidArguments, type ApiAnswer } from './apiAnswer.js';
import type { WorkspaceContext } from './context.js';

const TRIGGER_LIFETIME_MS = 3_000;

export interface TriggerRecord {
  userId: string;
  issuedAt: number;
  /** Set by whoever spends the trigger (views.ts), once the call it came with succeeds. */
  used: boolean;
}

export class Triggers {
  private readonly triggers = new Map<string, TriggerRecord>();

  constructor(private readonly context: Pick<WorkspaceContext, 'now'>) {}

  /** A new trigger id for an interaction by `userId`. */
  issueTrigger(userId: string): string {
    const id = newTriggerId(this.context.now());
    this.triggers.set(id, { userId, issuedAt: this.context.now(), used: false });
    return id;
  }

  /**
   * The trigger behind `triggerId`, still unused and at most 3 s old; else invalid_arguments (missing),
   * invalid_trigger_id (unknown) or expired_trigger_id (used or too old).
   */
  usableTrigger(triggerId: unknown): TriggerRecord | ApiAnswer {
    if (typeof triggerId !== 'string' || triggerId === '') return invalidArguments(['missing required field: trigger_id']);
    const trigger = this.triggers.get(triggerId);
    if (!trigger) return failure('invalid_trigger_id');
    if (trigger.used || this.context.now() - trigger.issuedAt > TRIGGER_LIFETIME_MS) return failure('expired_trigger_id');
    return trigger;
  }
}
