/** The `/openai-key` help: every subcommand, one in detail, a word that is no subcommand. */
import { describe, expect, it } from 'vitest';
import { SUBCOMMANDS, helpEntriesOf } from '../../../src/commands/domain/command.js';
import { renderHelp, renderHelpTopic, renderUnknownHelpTopic } from '../../../src/commands/render/help.js';
import type { HelpEntry } from '../../../src/platform/domain/commandText.js';
import { liveMarkup, messageViolations, mrkdwnStrings } from '../../platform/slack/render/blockKitLimits.js';
import { HOSTILE } from '../../keys/render/fixtures.js';

const textOf = (blocks: unknown[]): string => mrkdwnStrings({ blocks } as never).join('\n');

const HELP: HelpEntry[] = [
  { command: 'request', usage: '/openai-key request', example: '/openai-key request', summary: 'Ask for a key (opens a form).', who: 'Anyone.' },
  { command: 'list', usage: '/openai-key list', example: '/openai-key list', summary: 'Your requests and keys.', who: 'Anyone.' },
  {
    command: 'limit',
    usage: '/openai-key limit <project> <soft> <hard>',
    example: '/openai-key limit proj_abc 100 200',
    summary: 'Change a project’s spend limits.',
    who: 'Admins only.',
    adminOnly: true,
  },
];

describe('renderHelp', () => {
  it('lists every subcommand with an example, escaped', () => {
    const help = renderHelp(HELP, { intro: 'keywarden hands out OpenAI keys.' });
    const text = mrkdwnStrings({ blocks: help.blocks }).join('\n');
    for (const entry of HELP) expect(text).toContain(entry.summary);
    expect(text).toContain('`/openai-key limit &lt;project&gt; &lt;soft&gt; &lt;hard&gt;` _(admins only)_');
    expect(text).toContain('Example: `/openai-key limit proj_abc 100 200`');
    expect(text).toContain('keywarden hands out OpenAI keys.');
    expect(help.text).toContain('/openai-key request');
    expect(messageViolations(help)).toEqual([]);
    expect(liveMarkup(mrkdwnStrings(help))).toEqual([]);
  });

  it('stays within limits with many long entries', () => {
    const many = Array.from({ length: 300 }, (_, i) => ({
      usage: `/openai-key cmd${i} ${HOSTILE}`,
      example: 'x'.repeat(5000),
      summary: '&'.repeat(5000),
      who: HOSTILE.repeat(50),
    }));
    const help = renderHelp(many, { intro: 'i'.repeat(10_000) });
    expect(messageViolations(help)).toEqual([]);
    expect(liveMarkup(mrkdwnStrings(help))).toEqual([]);
  });

  it('still renders something when there are no entries', () => {
    const help = renderHelp([]);
    expect(help.text.length).toBeGreaterThan(0);
    expect(messageViolations(help)).toEqual([]);
  });
});

describe('renderHelpTopic', () => {
  it('help <command> shows that command in detail: arguments, who may use it, examples', () => {
    const help = renderHelpTopic('ratelimit', helpEntriesOf('ratelimit'));
    const text = textOf(help.blocks);
    expect(text).toContain('*Who may use it:* Anyone can see rate limits; only admins can change them.');
    expect(text).toContain('positive whole numbers');
    expect(text).toContain('`/openai-key ratelimit Billing`');
    expect(text).not.toContain('/openai-key audit');
    const cancel = textOf(renderHelpTopic('cancel', helpEntriesOf('cancel')).blocks);
    expect(cancel).toContain('The person who made the request, or an admin.');
    expect(textOf(renderHelpTopic('audit', helpEntriesOf('audit')).blocks)).toContain('Admins only.');
    expect(liveMarkup(mrkdwnStrings(help))).toEqual([]);
  });
});

describe('renderUnknownHelpTopic', () => {
  it('help <unknown> says it is unknown and lists the command names', () => {
    const answer = renderUnknownHelpTopic('fly', SUBCOMMANDS);
    expect(answer.text).toContain('"fly" is not an /openai-key command');
    for (const name of SUBCOMMANDS) expect(answer.text).toContain(`\`${name}\``);
  });
});
