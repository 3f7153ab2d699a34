/**
 * The ids Slack fills in on blocks it accepts, and finding an element by action_id. What Slack accepts is checked in
 * blockKitValidator.ts against the rule table in blockKitSchemas.ts.
 */
import { slackId } from './ids.js';

/** Longest top-level message `text` Slack keeps (https://docs.slack.dev/changelog/2018-truncating-really-long-messages). */
export const MAX_MESSAGE_TEXT = 40_000;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function interactiveElementsOf(block: Record<string, unknown>): Record<string, unknown>[] {
  const found: Record<string, unknown>[] = [];
  if (Array.isArray(block.elements) && block.type === 'actions') {
    for (const element of block.elements) if (isRecord(element)) found.push(element);
  }
  if (isRecord(block.accessory)) found.push(block.accessory);
  if (isRecord(block.element)) found.push(block.element);
  return found;
}

/** A deep copy with the block_id and action_id Slack generates where the app gave none. */
export function withGeneratedIds(blocks: unknown[]): unknown[] {
  const copy = structuredClone(blocks);
  for (const block of copy) {
    if (!isRecord(block)) continue;
    if (typeof block.block_id !== 'string') block.block_id = slackId('', 5);
    for (const element of interactiveElementsOf(block)) {
      if (typeof element.action_id !== 'string' && typeof element.type === 'string') element.action_id = slackId('', 5);
    }
  }
  return copy;
}

export interface FoundElement {
  blockId: string;
  element: Record<string, unknown>;
}

/** The interactive element with this action_id (in a given block, when blockId is set). */
export function findElement(blocks: unknown[] | undefined, actionId: string, blockId?: string): FoundElement | undefined {
  for (const block of blocks ?? []) {
    if (!isRecord(block)) continue;
    const id = typeof block.block_id === 'string' ? block.block_id : '';
    if (blockId !== undefined && id !== blockId) continue;
    const element = interactiveElementsOf(block).find((candidate) => candidate.action_id === actionId);
    if (element) return { blockId: id, element };
  }
  return undefined;
}
