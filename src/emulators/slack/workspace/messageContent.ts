/**
 * What Slack accepts as a message's content (`text`, `blocks`, `attachments`), shared by messages, ephemerals and
 * response_url posts: blocks must be a list Block Kit accepts (blockKitValidator.ts), attachments a list, text a
 * string or number of at most MAX_MESSAGE_TEXT characters (https://docs.slack.dev/changelog/2018-truncating-really-long-messages),
 * and at least one of them non-empty (`no_text`, https://docs.slack.dev/reference/methods/chat.postMessage).
 */
import { MAX_MESSAGE_TEXT, withGeneratedIds } from '../blocks.js';
import { blockListProblems } from '../blockKitValidator.js';
import { failure, type ApiAnswer } from './apiAnswer.js';

/** Message content as the app sent it, unchecked. */
export interface MessageContent {
  text?: unknown;
  blocks?: unknown;
  attachments?: unknown;
  metadata?: unknown;
}

/** Content Slack accepted: blocks with their generated ids, attachments copied, text as a string. */
export interface CheckedContent {
  text?: string;
  blocks?: unknown[];
  attachments?: unknown[];
}

/**
 * The content as Slack stores it, or Slack's error: invalid_blocks_format, invalid_blocks (with the problems),
 * invalid_attachments, invalid_arguments (text neither string nor number), msg_too_long, or no_text when
 * `requireContent` and nothing is left. null, undefined and '' count as absent.
 */
export function checkMessageContent(content: MessageContent, requireContent: boolean): CheckedContent | ApiAnswer {
  const checked: CheckedContent = {};
  if (content.blocks !== undefined && content.blocks !== null && content.blocks !== '') {
    if (!Array.isArray(content.blocks)) return failure('invalid_blocks_format');
    const problems = blockListProblems(content.blocks, 'message');
    if (problems.length > 0) {
      return failure('invalid_blocks', { errors: problems, response_metadata: { messages: problems.map((p) => `[ERROR] ${p}`) } });
    }
    checked.blocks = withGeneratedIds(content.blocks);
  }
  if (content.attachments !== undefined && content.attachments !== null && content.attachments !== '') {
    if (!Array.isArray(content.attachments)) return failure('invalid_attachments');
    checked.attachments = structuredClone(content.attachments);
  }
  if (content.text !== undefined && content.text !== null) {
    if (typeof content.text !== 'string' && typeof content.text !== 'number') return failure('invalid_arguments');
    checked.text = String(content.text);
    if (checked.text.length > MAX_MESSAGE_TEXT) return failure('msg_too_long');
  }
  const hasContent = Boolean(checked.text) || Boolean(checked.blocks?.length) || Boolean(checked.attachments?.length);
  if (requireContent && !hasContent) return failure('no_text');
  return checked;
}
