import type { RenderedMessage } from '../../keys/render/index.js';

/** A reply only the person who typed the command sees. */
export function ephemeral(message: RenderedMessage): { response_type: 'ephemeral'; text: string; blocks: RenderedMessage['blocks'] } {
  return { response_type: 'ephemeral', text: message.text, blocks: message.blocks };
}
