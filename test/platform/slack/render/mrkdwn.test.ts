import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  codeSpan,
  escapeMrkdwn,
  fitUserText,
  mentionChannel,
  mentionUser,
  quoteUserText,
  slackDate,
  truncateMrkdwn,
  truncateText,
  utcDateText,
} from '../../../../src/platform/slack/render/mrkdwn.js';
import { HOSTILE } from '../../../keys/render/fixtures.js';
import { liveMarkup } from './blockKitLimits.js';

describe('escapeMrkdwn', () => {
  it('escapes exactly Slack’s three control characters', () => {
    expect(escapeMrkdwn('a & b < c > d')).toBe('a &amp; b &lt; c &gt; d');
    expect(escapeMrkdwn('<!channel> <@U1>')).toBe('&lt;!channel&gt; &lt;@U1&gt;');
    expect(escapeMrkdwn('*bold* _it_ `code`')).toBe('*bold* _it_ `code`');
  });

  it('escapes an existing entity again, so it is shown as typed', () => {
    expect(escapeMrkdwn('&lt;')).toBe('&amp;lt;');
  });
});

describe('slackDate', () => {
  it('renders a Slack date token with a UTC fallback', () => {
    expect(slackDate(1_763_800_000_000)).toBe('<!date^1763800000^{date_short_pretty} {time}|2025-11-22 08:26 UTC>');
    expect(slackDate(Date.UTC(2025, 10, 22, 10, 0, 0))).toBe(
      '<!date^1763805600^{date_short_pretty} {time}|2025-11-22 10:00 UTC>',
    );
  });

  it('floors sub-second times and pads the fallback', () => {
    expect(slackDate(Date.UTC(2026, 0, 2, 3, 4, 5) + 999)).toBe(
      `<!date^${Date.UTC(2026, 0, 2, 3, 4, 5) / 1000}^{date_short_pretty} {time}|2026-01-02 03:04 UTC>`,
    );
  });

  it('does not produce a broken token for a non-finite time', () => {
    expect(slackDate(Number.NaN)).toBe('an unknown time');
    expect(utcDateText(Number.NaN)).toBe('an unknown time');
  });
});

describe('truncateText', () => {
  it('leaves short text alone and ends cut text with an ellipsis within the limit', () => {
    expect(truncateText('hello', 5)).toBe('hello');
    expect(truncateText('hello world', 6)).toBe('hello…');
    expect(truncateText('hello world', 6)).toHaveLength(6);
  });

  it('never splits a surrogate pair', () => {
    const cut = truncateText('ab😀cd', 4);
    expect(cut).toBe('ab…');
    expect(cut.length).toBeLessThanOrEqual(4);
  });
});

describe('truncateMrkdwn', () => {
  it('drops a trailing partial entity', () => {
    const escaped = escapeMrkdwn('aaaa&bbbb');
    expect(escaped).toBe('aaaa&amp;bbbb');
    expect(truncateMrkdwn(escaped, 7)).toBe('aaaa…');
  });

  it('drops a trailing partial token', () => {
    expect(truncateMrkdwn('hi <@U0123456789> there', 10)).toBe('hi …');
  });
});

describe('mentions', () => {
  it('mentions real ids and shows anything else as escaped text', () => {
    expect(mentionUser('U0ABC')).toBe('<@U0ABC>');
    expect(mentionUser('W0ABC')).toBe('<@W0ABC>');
    expect(mentionUser('system')).toBe('keywarden (automatically)');
    expect(mentionUser('!channel')).toBe('!channel');
    expect(mentionUser('U1> <!channel')).toBe('U1&gt; &lt;!channel');
    expect(mentionChannel('C0ABC')).toBe('<#C0ABC>');
    expect(mentionChannel('<!here>')).toBe('&lt;!here&gt;');
  });
});

describe('quoteUserText and codeSpan', () => {
  it('quotes each line and escapes it', () => {
    expect(quoteUserText('one\n<!here> two', 100)).toBe('> one\n> &lt;!here&gt; two');
    expect(quoteUserText('   ', 100)).toBe('> (none given)');
  });

  it('keeps a backtick from closing the code span early', () => {
    expect(codeSpan('a`<b>', 50)).toBe('`aˋ&lt;b&gt;`');
  });
});

describe('fitUserText property', () => {
  it('always fits and never leaves live markup, whatever the input', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('<', '>', '&', '!', '@', 'U', 'a', ' ', '😀', '\n', '|') , maxLength: 400 }),
        fc.integer({ min: 1, max: 300 }),
        (text, max) => {
          const fitted = fitUserText(text, max);
          expect(fitted.length).toBeLessThanOrEqual(max);
          expect(liveMarkup([fitted])).toEqual([]);
        },
      ),
    );
    expect(liveMarkup([fitUserText(HOSTILE, 3000)])).toEqual([]);
  });
});
