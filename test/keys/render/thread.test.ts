import { describe, expect, it } from 'vitest';
import type { DecisionRefusal } from '../../../src/keys/domain/keyRequest.js';
import type { ThreadEvent } from '../../../src/keys/domain/threadEvents.js';
import { renderThreadNote } from '../../../src/keys/render/thread.js';
import { HOSTILE, NOW, keyRefusalInWords as refusalInWords } from '../../keys/render/fixtures.js';
import { liveMarkup, messageViolations, mrkdwnStrings } from '../../platform/slack/render/blockKitLimits.js';

const events: ThreadEvent[] = [
  { kind: 'approved', by: 'U0APPROVER' },
  { kind: 'denied', by: 'U0APPROVER', reason: 'Use staging' },
  { kind: 'expired' },
  { kind: 'key_created', redactedKey: 'sk-svca…AbCd', keyExpiresAt: NOW },
  { kind: 'key_created', redactedKey: 'sk-svca…AbCd' },
  { kind: 'delivered', to: 'U0REQUESTER' },
  { kind: 'revealed', by: 'U0REQUESTER' },
  { kind: 'reveal_expired' },
  { kind: 'revoked', by: 'U0ADMIN', reason: 'Rotated' },
  { kind: 'revoked', by: 'system' },
  { kind: 'failed', reason: 'rate limited', willRetry: true },
  { kind: 'failed', reason: 'project archived', willRetry: false },
];

const refusals: DecisionRefusal[] = [
  { kind: 'not_approver' },
  { kind: 'self_decision' },
  { kind: 'already_decided', state: 'denied', decidedBy: 'U0APPROVER' },
  { kind: 'already_decided', state: 'approved' },
  { kind: 'expired' },
  { kind: 'reason_required' },
];

const expected: [ThreadEvent, string][] = [
  [{ kind: 'approved', by: 'U0APPROVER' }, 'Approved by <@U0APPROVER>'],
  [{ kind: 'denied', by: 'U0APPROVER', reason: 'Use staging' }, 'Denied by <@U0APPROVER>.\n> Use staging'],
  [{ kind: 'expired' }, 'No approver decided in time'],
  [{ kind: 'key_created', redactedKey: 'sk-svca…AbCd', keyExpiresAt: NOW }, `Key \`sk-svca…AbCd\` created; it expires <!date^${NOW / 1000}^`],
  [{ kind: 'delivered', to: 'U0REQUESTER' }, 'Sent <@U0REQUESTER> a DM to reveal the key'],
  [{ kind: 'revealed', by: 'U0REQUESTER' }, '<@U0REQUESTER> revealed the key'],
  [{ kind: 'reveal_expired' }, 'not revealed in time, so it was revoked'],
  [{ kind: 'revoked', by: 'system' }, 'Key revoked by keywarden (automatically)'],
  [{ kind: 'failed', reason: 'rate limited', willRetry: true }, 'keywarden will retry.\n> rate limited'],
  [{ kind: 'failed', reason: 'archived', willRetry: false }, 'will not retry.\n> archived'],
];

const expectedRefusals: [DecisionRefusal, string][] = [
  [{ kind: 'self_decision' }, "<@U0X>, you can't decide your own request"],
  [{ kind: 'already_decided', state: 'denied', decidedBy: 'U0APPROVER' }, 'already decided (denied, by <@U0APPROVER>)'],
  [{ kind: 'reason_required' }, '`deny &lt;reason&gt;`'],
];

describe('refusalInWords', () => {
  it('says why a decision was refused, to the person who tried', () => {
    for (const [refusal, text] of expectedRefusals) expect(refusalInWords('U0X', refusal)).toContain(text);
  });

  it('is mrkdwn with no live markup for every refusal', () => {
    for (const refusal of refusals) expect(liveMarkup([refusalInWords('U0X', refusal)])).toEqual([]);
  });
});

describe('renderThreadNote', () => {
  it('says what happened, for each kind of event', () => {
    for (const [event, text] of expected) {
      const note = renderThreadNote(event);
      expect(note.text).toContain(text);
      expect(mrkdwnStrings({ blocks: note.blocks }).join('\n')).toContain(text);
    }
  });

  it('is a short, valid message with a fallback for every event', () => {
    for (const event of events) {
      const note = renderThreadNote(event);
      expect(note.blocks).toHaveLength(1);
      expect(note.blocks.some((b) => b.type === 'actions')).toBe(false);
      expect(messageViolations(note)).toEqual([]);
      expect(liveMarkup(mrkdwnStrings(note))).toEqual([]);
    }
  });

  it('escapes hostile reasons and ids and keeps huge ones within limits', () => {
    const hostile: ThreadEvent[] = [
      { kind: 'denied', by: '<!channel>', reason: HOSTILE.repeat(200) },
      { kind: 'revoked', by: 'U0ADMIN', reason: `${HOSTILE}\n`.repeat(200) },
      { kind: 'failed', reason: '&'.repeat(10_000), willRetry: false },
      { kind: 'key_created', redactedKey: HOSTILE },
      { kind: 'delivered', to: '<@U1>' },
    ];
    for (const event of hostile) {
      const note = renderThreadNote(event);
      expect(messageViolations(note)).toEqual([]);
      expect(liveMarkup(mrkdwnStrings(note))).toEqual([]);
      expect(note.text).not.toContain('<!channel>');
      expect(note.text).not.toContain('<@U1>');
    }
    expect(renderThreadNote({ kind: 'denied', by: 'U0A', reason: HOSTILE }).text).toContain(
      '&lt;!channel&gt; ping &lt;@U1&gt; &amp;',
    );
  });
});
