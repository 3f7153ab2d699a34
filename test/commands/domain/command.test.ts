import { describe, expect, it } from 'vitest';
import { HELP_ENTRIES, parseCommand, SUBCOMMANDS } from '../../../src/commands/domain/command.js';
import { parsed, refused } from '../../support/commandParsing.js';

describe('parseCommand: help', () => {
  it.each(['', '   ', 'help', 'HELP', '?', '--help', '-h'])('reads "%s" as help', (text) => {
    expect(parsed(text)).toEqual({ kind: 'help', topic: null });
  });

  it('keeps a word after help that is no command, so the answer can say it is unknown', () => {
    expect(parsed('help me please')).toEqual({ kind: 'help', topic: null, unknownTopic: 'me' });
    expect(parsed('help Cancel')).toEqual({ kind: 'help', topic: 'cancel' });
  });

  it('keeps the subcommand asked about', () => {
    expect(parsed('help Limit')).toEqual({ kind: 'help', topic: 'limit' });
  });
});

describe('parseCommand: unknown subcommands', () => {
  it('names the word and suggests the closest subcommand', () => {
    expect(refused('reqest Billing invoices')).toEqual({
      kind: 'unknown_subcommand',
      message: '"reqest" is not an /openai-key command. Did you mean request?',
    });
    expect(refused('lmit Billing soft 5').message).toContain('Did you mean limit?');
    expect(refused('revokes key_1').message).toContain('Did you mean revoke?');
  });

  it('suggests nothing for a word far from every subcommand', () => {
    expect(refused('dance')).toEqual({ kind: 'unknown_subcommand', message: '"dance" is not an /openai-key command. The commands are: help, request, list, cancel, revoke, limits, limit, ratelimit, audit, policy.' });
  });

  it('shows Slack-escaped words as the user typed them', () => {
    expect(refused('&lt;b&gt;').message).toMatch(/^"<b>" is not an \/openai-key command\. The commands are: /);
  });
});

describe('parseCommand: text checks', () => {
  it('refuses text over 2,000 characters, counting emoji as one', () => {
    expect(parsed(`request Billing ${'🧾'.repeat(1_984)}`).kind).toBe('request');
    expect(refused(`request Billing ${'a'.repeat(1_985)}`)).toEqual({
      kind: 'too_long',
      message: 'That is 2,001 characters; a command can be at most 2,000. For a long purpose, use the form: /openai-key request',
    });
    expect(refused('x'.repeat(100_000)).kind).toBe('too_long');
  });

  it.each(['request Billing a\u0000b', 'list\u0007', 'limits \u001b[31m', 'request Billing \u202Eevil', 'help\u0085'])(
    'refuses control characters in %j',
    (text) => {
      expect(refused(text)).toEqual({
        kind: 'control_characters',
        message: 'The command contains invisible control characters (often from pasting). Type it again, or paste it as plain text.',
      });
    },
  );

  it('treats tabs, line breaks and non-breaking spaces as spaces', () => {
    expect(parsed('limit\tBilling\nsoft\u00a0500')).toEqual({ kind: 'limit', project: 'Billing', change: { soft: 50_000 } });
  });
});

describe('HELP_ENTRIES', () => {
  it('describes every subcommand', () => {
    const described = new Set(HELP_ENTRIES.map((entry) => entry.usage.split(' ')[0]));
    expect([...described].sort()).toEqual([...SUBCOMMANDS].sort());
    for (const entry of HELP_ENTRIES) {
      expect(entry.summary.length).toBeGreaterThan(10);
      expect(entry.example.split(' ')[0]).toBe(entry.usage.split(' ')[0]);
    }
  });

  it('has examples that parse, as Slack would send them', () => {
    for (const entry of HELP_ENTRIES) {
      const asSent = entry.example.replace('#ai-spend', '<#C0123ABCD|ai-spend>');
      const result = parseCommand(asSent);
      expect(result.ok, `${entry.example}: ${result.ok ? '' : result.error.message}`).toBe(true);
    }
  });

  it('marks the admin-only subcommands', () => {
    // anyone may view rate limits (only admins change them), so only audit is admins-only as a whole
    expect(HELP_ENTRIES.filter((entry) => entry.adminOnly).map((entry) => entry.command)).toEqual(['audit']);
    const who = (command: string) => HELP_ENTRIES.filter((entry) => entry.command === command).map((entry) => entry.who).join(' ');
    expect(who('ratelimit')).toMatch(/Anyone can see .*only admins can change/);
    expect(who('cancel')).toMatch(/made the request, or an admin/);
    expect(who('revoke')).toMatch(/owner, or an admin/);
    expect(who('audit')).toMatch(/Admins only/);
    expect(who('limit')).toMatch(/admin's change applies at once/);
  });
});
