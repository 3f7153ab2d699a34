/** Block Kit checks Slack applies to messages and views, and the ids Slack fills in. */
import { slackId } from './ids.js';

export const MAX_MESSAGE_BLOCKS = 50;
export const MAX_VIEW_BLOCKS = 100;
export const MAX_MESSAGE_TEXT = 40_000;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Why a block list is unacceptable, or undefined when it is fine. */
export function blockListProblem(blocks: unknown[], max: number): string | undefined {
  if (blocks.length > max) return `no more than ${max} items allowed [json-pointer:/blocks]`;
  const seenBlockIds = new Set<string>();
  for (const [index, block] of blocks.entries()) {
    if (!isRecord(block) || typeof block.type !== 'string' || block.type === '') {
      return `missing required field: type [json-pointer:/blocks/${index}]`;
    }
    if (typeof block.block_id === 'string') {
      if (seenBlockIds.has(block.block_id)) return `duplicate block_id [json-pointer:/blocks/${index}/block_id]`;
      seenBlockIds.add(block.block_id);
    }
  }
  return undefined;
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
