/** A DM of keywarden's own words: the text as it is, within Slack's limits. */
import { describe, expect, it } from 'vitest';
import { renderPlainDm } from '../../../src/approvals/render/plainDm.js';
import { messageViolations, mrkdwnStrings, wellFormed } from '../../platform/slack/render/blockKitLimits.js';

describe('renderPlainDm', () => {
  it('is the text as its fallback and as one mrkdwn section, unchanged', () => {
    const text = 'keywarden could not post your request in <#C0APPROVALS>: `/invite @keywarden`.';
    const dm = renderPlainDm(text);
    expect(dm).toEqual({ text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] });
    wellFormed(dm);
  });

  it('cuts a text longer than Slack allows, in the fallback and the section', () => {
    const dm = renderPlainDm('a'.repeat(10_000));
    expect(messageViolations(dm)).toEqual([]);
    expect(mrkdwnStrings(dm)[1]?.endsWith('…')).toBe(true);
  });
});
