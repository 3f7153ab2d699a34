import type { ActionsBlock, Button } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { renderRequesterDm } from '../../../src/keys/render/dm.js';
import type { ThreadEvent } from '../../../src/keys/domain/threadEvents.js';
import { ACTION } from '../../../src/platform/slack/ids.js';
import { HOSTILE, NOW, requestIn } from './fixtures.js';
import { liveMarkup, messageViolations, mrkdwnStrings } from '../../platform/slack/render/blockKitLimits.js';

const buttonsOf = (blocks: { type: string }[]): Button[] =>
  blocks.filter((b): b is ActionsBlock => b.type === 'actions').flatMap((b) => b.elements as Button[]);

const toldEvents: ThreadEvent[] = [
  { kind: 'approved', by: 'U0APPROVER' },
  { kind: 'denied', by: 'U0APPROVER', reason: 'Use staging' },
  { kind: 'expired' },
  { kind: 'key_created', redactedKey: 'sk-svca…AbCd', keyExpiresAt: NOW + 1000 },
  { kind: 'revealed', by: 'U0REQUESTER' },
  { kind: 'reveal_expired' },
  { kind: 'revoked', by: 'U0ADMIN', reason: 'Rotated' },
  { kind: 'failed', reason: 'rate limited', willRetry: true },
  { kind: 'failed', reason: 'archived', willRetry: false },
];

describe('renderRequesterDm', () => {
  it('key_created: a primary Reveal key button and the reveal-once deadline', () => {
    const req = requestIn('awaiting_reveal');
    const dm = renderRequesterDm(req, { kind: 'key_created', redactedKey: 'sk-svca…AbCd' });
    expect(dm).not.toBeNull();
    const buttons = buttonsOf(dm!.blocks);
    expect(buttons).toHaveLength(1);
    expect(buttons[0]).toMatchObject({ action_id: ACTION.revealKey, value: req.id, style: 'primary' });
    expect(buttons[0]?.text.text).toBe('Reveal key');
    const text = mrkdwnStrings({ blocks: dm!.blocks }).join('\n');
    expect(text).toContain(`Reveal it before <!date^${Math.floor(req.revealBy! / 1000)}^`);
    expect(text).toContain('or it is revoked');
    expect(text).toContain('reveal it *once*');
    expect(text).toContain('`sk-svca…AbCd`');
    expect(dm!.text).toContain('ready');
    expect(dm!.text).toContain('before <!date^');
  });

  it('only key_created carries a button', () => {
    const req = requestIn('active');
    for (const event of toldEvents.filter((e) => e.kind !== 'key_created')) {
      const dm = renderRequesterDm(req, event);
      expect(dm).not.toBeNull();
      expect(buttonsOf(dm!.blocks)).toHaveLength(0);
    }
  });

  it('tells the requester each outcome in words', () => {
    const req = requestIn('denied');
    const said = (event: ThreadEvent): string => renderRequesterDm(req, event)?.text ?? '';
    expect(said({ kind: 'approved', by: 'U0APPROVER' })).toContain('was approved by <@U0APPROVER>');
    expect(said({ kind: 'denied', by: 'U0APPROVER', reason: 'Use staging' })).toMatch(
      /was denied by <@U0APPROVER>\.\n> Use staging\nYou can ask again with `\/openai-key request`/,
    );
    expect(said({ kind: 'expired' })).toContain('so it expired');
    expect(said({ kind: 'reveal_expired' })).toContain('was not revealed');
    expect(said({ kind: 'revoked', by: 'system' })).toContain('revoked by keywarden (automatically)');
    expect(said({ kind: 'failed', reason: 'x', willRetry: true })).toContain('keywarden will retry');
    expect(said({ kind: 'failed', reason: 'x', willRetry: false })).toContain('could not create your key');
  });

  it('has nothing to tell for delivered', () => {
    const req = requestIn('pending');
    expect(renderRequesterDm(req, { kind: 'delivered', to: 'U0REQUESTER' })).toBeNull();
  });

  it('is valid, escaped and within limits with hostile, huge input', () => {
    const req = requestIn('awaiting_reveal', { projectName: HOSTILE.repeat(100), purpose: 'p'.repeat(10_000) });
    const hostileEvents: ThreadEvent[] = [
      ...toldEvents,
      { kind: 'denied', by: '<!channel>', reason: HOSTILE.repeat(200) },
      { kind: 'failed', reason: `${HOSTILE}\n`.repeat(300), willRetry: false },
      { kind: 'key_created', redactedKey: HOSTILE },
    ];
    for (const event of hostileEvents) {
      const dm = renderRequesterDm(req, event);
      expect(dm).not.toBeNull();
      expect(messageViolations(dm!)).toEqual([]);
      const strings = mrkdwnStrings(dm!);
      expect(liveMarkup(strings)).toEqual([]);
      expect(strings.join('\n')).toContain('&lt;!channel&gt;');
    }
  });
});
