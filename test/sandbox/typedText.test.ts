/** What the sandbox sends for what a person typed, as Slack's client would. */
import { describe, expect, it } from 'vitest';
import { encodeTypedText, readComposerInput } from '../../src/sandbox/typedText.js';

const directory = {
  users: new Map([['avery', 'U0AVERY'], ['riley', 'U0RILEY']]),
  usergroups: new Map([['key-approvers', 'S0KEYAPPROVERS']]),
  channels: new Map([['general', 'C0GENERAL']]),
};

describe('encodeTypedText', () => {
  it('escapes the three characters Slack escapes', () => {
    expect(encodeTypedText('a < b && c > d', directory)).toBe('a &lt; b &amp;&amp; c &gt; d');
    expect(encodeTypedText('<@U0AVERY> <!channel>', directory)).toBe('&lt;@U0AVERY&gt; &lt;!channel&gt;');
  });

  it('links known people, groups, broadcasts and channels, and leaves the rest', () => {
    expect(encodeTypedText('@Avery and @key-approvers, see #general (@here)', directory)).toBe(
      '<@U0AVERY|avery> and <!subteam^S0KEYAPPROVERS|@key-approvers>, see <#C0GENERAL|general> (<!here>)',
    );
    expect(encodeTypedText('mail me@example.com about #nowhere and @nobody', directory)).toBe('mail me@example.com about #nowhere and @nobody');
  });
});

describe('readComposerInput', () => {
  it('reads a slash command and its text', () => {
    expect(readComposerInput('  /OpenAI-Key   request Support Bot  faster answers ')).toEqual({ kind: 'command', command: '/openai-key', text: 'request Support Bot  faster answers' });
    expect(readComposerInput('/openai-key')).toEqual({ kind: 'command', command: '/openai-key', text: '' });
  });

  it('takes anything else as a message, kept as typed', () => {
    expect(readComposerInput('deny not / now')).toEqual({ kind: 'message', text: 'deny not / now' });
  });
});
