/**
 * The `/openai-key` help, in the ack and on the App Home tab: every subcommand with an example, one subcommand in
 * detail, or the word asked about that is no subcommand. Pure: the entries come from the grammar
 * (commands/domain/command.ts HELP_ENTRIES, made of each feature's own entries).
 */
import type { KnownBlock } from '@slack/types';
import type { HelpEntry } from '../../platform/domain/commandText.js';
import { composeMessage, contextBlock, headerBlock, sectionBlock, type RenderedMessage } from '../../platform/slack/render/blocks.js';
import { BLOCK_KIT_LIMITS } from '../../platform/slack/render/blockKitLimits.js';
import { codeSpan, fitUserText } from '../../platform/slack/render/mrkdwn.js';
import { HELP_POINTER } from '../../platform/slack/render/notices.js';

/** Packs lines into as few sections as fit Slack's section limit, leaving `reserved` blocks for the rest. */
const packLines = (lines: readonly string[], reserved: number): KnownBlock[] => {
  const sections: string[] = [];
  for (const line of lines) {
    const current = sections[sections.length - 1];
    if (current !== undefined && current.length + 2 + line.length <= BLOCK_KIT_LIMITS.sectionText) {
      sections[sections.length - 1] = `${current}\n\n${line}`;
    } else {
      sections.push(line);
    }
  }
  return sections.slice(0, BLOCK_KIT_LIMITS.messageBlocks - reserved).map((text) => sectionBlock(text));
};

/**
 * The `/openai-key help` reply: every subcommand with an example (who may use it unless it is for admins only), after
 * an optional `intro`. Many entries are packed into as few sections as fit; past 50 blocks the rest are left out.
 */
export const renderHelp = (entries: readonly Pick<HelpEntry, 'usage' | 'example' | 'summary' | 'who' | 'adminOnly'>[], opts?: { intro?: string }): RenderedMessage => {
  const lines = entries.map(
    (entry) =>
      `${codeSpan(entry.usage, 300)}${entry.adminOnly === true ? ' _(admins only)_' : ''}\n` +
      `${fitUserText(entry.summary, 1000)}${entry.adminOnly !== true ? ` _${fitUserText(entry.who, 300)}_` : ''}\n` +
      `Example: ${codeSpan(entry.example, 300)}`,
  );
  const blocks: KnownBlock[] = [headerBlock('keywarden: /openai-key commands')];
  if (opts?.intro !== undefined && opts.intro.trim() !== '') blocks.push(sectionBlock(fitUserText(opts.intro, 2000)));
  if (lines.length === 0) blocks.push(sectionBlock('No commands are available.'));
  blocks.push(...packLines(lines, blocks.length));
  const usages = entries.map((entry) => fitUserText(entry.usage, 200)).join(', ');
  return composeMessage(`keywarden commands: ${usages === '' ? 'none' : usages}`, blocks);
};

/**
 * `help <command>`: that command's entries in detail (arguments, who may use it, examples). `command` is the name
 * as typed; entries come from the grammar (`helpEntriesOf`).
 */
export const renderHelpTopic = (
  command: string,
  entries: readonly Pick<HelpEntry, 'usage' | 'example' | 'summary' | 'who' | 'details' | 'moreExamples'>[],
): RenderedMessage => {
  const blocks: KnownBlock[] = [headerBlock(`/openai-key ${command}`)];
  for (const entry of entries) {
    const details = (entry.details ?? []).map((line) => `• ${fitUserText(line, 500)}`);
    const examples = [entry.example, ...(entry.moreExamples ?? [])].map((example) => codeSpan(`/openai-key ${example}`, 300));
    blocks.push(
      sectionBlock(
        [
          `*Usage:* ${codeSpan(`/openai-key ${entry.usage}`, 300)}`,
          fitUserText(entry.summary, 1000),
          ...details,
          `*Who may use it:* ${fitUserText(entry.who, 300)}`,
          `*${examples.length === 1 ? 'Example' : 'Examples'}:* ${examples.join('  ')}`,
        ].join('\n'),
      ),
    );
  }
  blocks.push(contextBlock(HELP_POINTER));
  return composeMessage(`/openai-key ${fitUserText(command, 40)}: ${entries.map((entry) => fitUserText(entry.usage, 300)).join(' | ')}`, blocks);
};

/**
 * `help <word>` for a word that is no command: says so, suggests the closest command if there is one, and names
 * the commands.
 */
export const renderUnknownHelpTopic = (asked: string, commands: readonly string[], suggestion?: string): RenderedMessage => {
  const text =
    `"${fitUserText(asked, 100)}" is not an /openai-key command.${suggestion === undefined ? '' : ` Did you mean ${codeSpan(suggestion, 40)}?`} ` +
    `The commands are: ${commands.map((name) => codeSpan(name, 40)).join(', ')}. ` +
    'Type `/openai-key help <command>` for one of them, or `/openai-key help` for all.';
  return composeMessage(text, [sectionBlock(`:warning: ${text}`)]);
};
