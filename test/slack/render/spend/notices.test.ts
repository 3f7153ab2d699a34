import { describe, expect, it } from 'vitest';
import { cents } from '../../../../src/domain/money.js';
import { renderChannelFallbackNote, renderDriftNotice, renderOpenAIAuthNotice } from '../../../../src/slack/render/spend/notices.js';
import { liveMarkup, messageViolations, mrkdwnStrings } from '../blockKitLimits.js';
import { HOSTILE } from '../fixtures.js';

const project = { id: 'proj_abc123', name: 'Support summariser' };
const textOf = (message: Parameters<typeof mrkdwnStrings>[0]): string => mrkdwnStrings(message).join('\n');

describe('renderDriftNotice', () => {
  it('names both caps and how to put the cap back through keywarden', () => {
    const notice = renderDriftNotice({ project, keywardenCents: cents(100_000), openaiCents: cents(150_000) });
    expect(notice.text).toBe(
      ":warning: *Support summariser*'s hard cap was changed outside keywarden: OpenAI has $1,500.00, but keywarden set $1,000.00. " +
        'OpenAI enforces its own figure, so alerts follow it from now on.',
    );
    expect(textOf(notice)).toContain('`/openai-key limit "Support summariser" hard &lt;amount&gt;`');
    expect(messageViolations(notice)).toEqual([]);
  });

  it('tells a cap removed or added at OpenAI', () => {
    expect(renderDriftNotice({ project, keywardenCents: cents(100_000), openaiCents: null }).text).toContain('OpenAI has no hard cap, but keywarden set $1,000.00');
    expect(renderDriftNotice({ project, keywardenCents: null, openaiCents: cents(5_000) }).text).toContain('OpenAI has $50.00, but keywarden set no hard cap');
  });

  it('escapes the project name', () => {
    const notice = renderDriftNotice({ project: { ...project, name: HOSTILE }, keywardenCents: cents(1), openaiCents: cents(2) });
    expect(liveMarkup(mrkdwnStrings(notice))).toEqual([]);
    expect(messageViolations(notice)).toEqual([]);
  });
});

describe('renderOpenAIAuthNotice', () => {
  it('says spend cannot be read, what to do, and how often it repeats', () => {
    const notice = renderOpenAIAuthNotice();
    expect(notice.text).toContain("OpenAI refused keywarden's admin key");
    expect(notice.text).toContain('*no spend alerts can be sent*');
    expect(textOf(notice)).toContain('Spend has not been read yet. keywarden keeps trying and repeats this notice at most once an hour.');
    expect(messageViolations(notice)).toEqual([]);
  });

  it('says when spend was last read', () => {
    const at = Date.UTC(2026, 10, 22, 15);
    const notice = renderOpenAIAuthNotice({ lastReadAt: at });
    expect(textOf(notice)).toContain(`Spend was last read <!date^${at / 1000}^`);
    expect(liveMarkup(mrkdwnStrings(notice))).toEqual([]);
  });
});

describe('renderChannelFallbackNote', () => {
  it.each([
    ['not_in_channel', "keywarden isn't a member of it"],
    ['channel_not_found', "it doesn't exist, or keywarden can't see it"],
    ['is_archived', 'it is archived'],
    ['some_new_error', 'Slack said `some_new_error`'],
  ])('explains %s', (reason, words) => {
    const note = renderChannelFallbackNote('C0SPEND', reason);
    expect(note.text).toContain(`This alert belongs in <#C0SPEND>, but keywarden couldn't post there: ${words}.`);
    expect(messageViolations(note)).toEqual([]);
  });

  it('never turns a stored channel or a reason into live markup', () => {
    const note = renderChannelFallbackNote('<!channel>', HOSTILE);
    expect(liveMarkup(mrkdwnStrings(note))).toEqual([]);
    expect(note.text).not.toContain('<!channel>');
  });
});
