/**
 * Replies any feature gives in the same words: a plain notice, an error with what to try, and a command's error with
 * only that command's usage. Ephemeral: only the person who typed the command (or clicked) sees them.
 */
import type { KnownBlock } from '@slack/types';
import type { HelpEntry } from '../../domain/commandText.js';
import { composeMessage, contextBlock, headerBlock, sectionBlock, type RenderedMessage } from './blocks.js';
import { BLOCK_KIT_LIMITS } from './blockKitLimits.js';
import { codeSpan, fitUserText } from './mrkdwn.js';

/** Where every command error points for the full list of commands. */
export const HELP_POINTER = '`/openai-key help` lists everything.';

/** A plain ephemeral reply. `text` is shown as written (escaped), so it cannot mention or link anyone. */
export const renderNotice = (text: string, opts?: { title?: string }): RenderedMessage => {
  const title = opts?.title?.trim();
  const body = fitUserText(text, BLOCK_KIT_LIMITS.sectionText);
  const blocks: KnownBlock[] = [];
  if (title !== undefined && title !== '') blocks.push(headerBlock(title));
  blocks.push(sectionBlock(body.trim() === '' ? '(no details)' : body));
  const fallback = title === undefined || title === '' ? body : `${fitUserText(title, 150)}: ${body}`;
  return composeMessage(fallback.trim() === '' ? 'keywarden' : fallback, blocks);
};

/** An ephemeral error: what was wrong and, when there is one, the right form. */
export const renderErrorNotice = (error: { what: string; hint?: string }): RenderedMessage => {
  const what = fitUserText(error.what.trim() === '' ? 'Something went wrong.' : error.what, 1500);
  const hint = error.hint === undefined || error.hint.trim() === '' ? undefined : fitUserText(error.hint, 1400);
  const text = `:warning: ${what}${hint === undefined ? '' : `\n*Try:* ${hint}`}`;
  return composeMessage(`${what}${hint === undefined ? '' : ` Try: ${hint}`}`, [sectionBlock(text)]);
};

/**
 * A command's error answered with only that command's usage (usage line and one example per form) and a pointer to
 * the full help, instead of the whole list. Without entries (the command itself was not understood) only the pointer.
 */
export const renderCommandError = (what: string, entries: readonly Pick<HelpEntry, 'usage' | 'example'>[], opts: { hint?: string } = {}): RenderedMessage => {
  const error = renderErrorNotice({ what, ...(opts.hint === undefined ? {} : { hint: opts.hint }) });
  const usage = entries.map((entry) => `${codeSpan(`/openai-key ${entry.usage}`, 300)}\nExample: ${codeSpan(`/openai-key ${entry.example}`, 300)}`);
  const blocks: KnownBlock[] = [...error.blocks];
  if (usage.length > 0) blocks.push(sectionBlock(`*Usage*\n${usage.join('\n')}`));
  blocks.push(contextBlock(HELP_POINTER));
  return composeMessage(`${error.text} ${HELP_POINTER}`, blocks);
};
