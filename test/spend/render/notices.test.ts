import { describe, expect, it } from 'vitest';
import { cents } from '../../../src/platform/domain/money.js';
import { renderChannelFallbackNote, renderOpenAIAuthNotice } from '../../../src/spend/render/notices.js';
import { liveMarkup, messageViolations, mrkdwnStrings } from '../../platform/slack/render/blockKitLimits.js';
import { HOSTILE } from '../../keys/render/fixtures.js';

const project = { id: 'proj_abc123', name: 'Support summariser' };
const textOf = (message: Parameters<typeof mrkdwnStrings>[0]): string => mrkdwnStrings(message).join('\n');

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
