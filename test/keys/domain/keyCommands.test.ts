/** The key subcommands (request, list, revoke, cancel) as the slash command reads them. */
import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../../src/commands/domain/command.js';
import { parsed, refused } from '../../support/commandParsing.js';

describe('parseCommand: request', () => {
  it('opens the form when given nothing', () => {
    expect(parsed('request')).toEqual({ kind: 'request-modal' });
    expect(parsed('  REQUEST  ')).toEqual({ kind: 'request-modal' });
  });

  it('passes the rest on as plain text, whitespace collapsed, quotes kept', () => {
    expect(parsed('request  "Support Bot"   answer\ntickets')).toEqual({ kind: 'request', args: '"Support Bot" answer tickets' });
  });

  it('undoes Slack escaping and shows links by their labels', () => {
    expect(parsed('request Billing invoices &amp; receipts &lt;urgent&gt; for <#C123|finance> with <@U42>')).toEqual({
      kind: 'request',
      args: 'Billing invoices & receipts <urgent> for #finance with @U42',
    });
  });

  it('keeps unicode as typed', () => {
    expect(parsed('request Café Ops traduire les menus 🍽️')).toEqual({ kind: 'request', args: 'Café Ops traduire les menus 🍽️' });
  });
});

describe('parseCommand: list', () => {
  it('reads list', () => {
    expect(parsed('List')).toEqual({ kind: 'list' });
  });

  it('refuses anything after it', () => {
    expect(refused('list mine')).toEqual({
      kind: 'extra_argument',
      message: 'list takes nothing after it; it shows all your requests and keys. Type: /openai-key list',
      subcommand: 'list',
    });
  });
});

describe('parseCommand: revoke', () => {
  it('reads a request id or a key id', () => {
    expect(parsed('revoke req_8f3k2m9q1z')).toEqual({ kind: 'revoke', id: 'req_8f3k2m9q1z', target: 'request' });
    expect(parsed('revoke key_abc123')).toEqual({ kind: 'revoke', id: 'key_abc123', target: 'key' });
  });

  it('accepts ids pasted in backticks or with an upper-case prefix', () => {
    expect(parsed('revoke `req_ABCDEFGHIJ`')).toEqual({ kind: 'revoke', id: 'req_ABCDEFGHIJ', target: 'request' });
    expect(parsed('REVOKE KEY_xyz')).toEqual({ kind: 'revoke', id: 'key_xyz', target: 'key' });
  });

  it('refuses a missing id', () => {
    expect(refused('revoke')).toEqual({
      kind: 'missing_argument',
      message: 'Give the id of the request or key to revoke, like: revoke req_8f3k2m9q1z. `/openai-key list` shows your request and key ids.',
      subcommand: 'revoke',
    });
  });

  it('refuses more than one id', () => {
    expect(refused('revoke req_8f3k2m9q1z req_aaaaaaaaaa')).toEqual({
      kind: 'extra_argument',
      message: 'revoke takes one id, and you gave 2; revoke them one at a time, like: revoke req_8f3k2m9q1z. `/openai-key list` shows your request and key ids.',
      subcommand: 'revoke',
    });
  });

  it.each(['req_short', 'req_8f3k2m9q1zz', 'proj_abc', 'key_', 'req_8f3k2m9q1!'])('refuses the id %s', (id) => {
    expect(refused(`revoke ${id}`)).toEqual({
      kind: 'invalid_id',
      message: `"${id}" is not a request id (req_ and 10 letters or digits), a key id (key_…) or a masked key (sk-…abcd). Give one, like: revoke req_8f3k2m9q1z. \`/openai-key list\` shows your request and key ids.`,
      subcommand: 'revoke',
    });
  });
});

describe('parseCommand: revoke by the masked key people see', () => {
  it.each([
    ['sk-svcacct-…nUAA', 'sk-svcacct-…nUAA'],
    ['`sk-svcacct-…nUAA`', 'sk-svcacct-…nUAA'],
    ['sk-svcacct-...nUAA', 'sk-svcacct-…nUAA'],
    ['sk-…AbCd', 'sk-…AbCd'],
  ])('reads %s', (typed, id) => {
    expect(parsed(`revoke ${typed}`)).toEqual({ kind: 'revoke', id, target: 'masked' });
  });
});

describe('parseCommand: a whole key pasted where an id belongs', () => {
  it('says it looks like a whole key and asks for the masked form', () => {
    expect(refused('revoke sk-svcacct-abc')).toMatchObject({ kind: 'invalid_id', subcommand: 'revoke' });
    expect(refused('revoke sk-svcacct-abc').message).toMatch(/^That looks like a whole key \(sk-svcacct-…\); revoke takes its masked form/);
  });

  const whole = `sk-svcacct-${'Ab3xY9'.repeat(8)}QzQz`;
  it('is never repeated whole in the answer: revoke and cancel show its masked form', () => {
    for (const text of [`revoke ${whole}`, `cancel ${whole}`]) {
      const parsed = parseCommand(text);
      expect(parsed.ok).toBe(false);
      if (parsed.ok) continue;
      expect(parsed.error.message).not.toContain(whole);
      expect(parsed.error.message).not.toContain(whole.slice(11, 30));
      expect(parsed.error.message).toContain('sk-svcacct-…QzQz');
    }
  });
});

describe('parseCommand: cancel', () => {
  it('reads a request id', () => {
    expect(parsed('cancel req_8f3k2m9q1z')).toEqual({ kind: 'cancel', requestId: 'req_8f3k2m9q1z' });
    expect(parsed('CANCEL `REQ_8f3k2m9q1z`')).toEqual({ kind: 'cancel', requestId: 'req_8f3k2m9q1z' });
  });

  it('refuses a missing id, extra ids and a key in plain words', () => {
    expect(refused('cancel')).toEqual({
      kind: 'missing_argument',
      message: 'Give the id of the request to cancel, like: cancel req_8f3k2m9q1z. `/openai-key list` shows your request ids.',
      subcommand: 'cancel',
    });
    expect(refused('cancel req_8f3k2m9q1z req_aaaaaaaaaa').kind).toBe('extra_argument');
    expect(refused('cancel key_abc').message).toBe(
      '"key_abc" is a key, and cancel withdraws a request that is still waiting for an approver. To stop a key, use: revoke key_abc',
    );
  });
});
