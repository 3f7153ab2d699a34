import type { ActionsBlock, Button, KnownBlock, SectionBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { renderRequestMessage } from '../../../src/keys/render/requestMessage.js';
import { ACTION } from '../../../src/platform/slack/ids.js';
import { ALL_STATES, HOSTILE, NOW, requestIn } from './fixtures.js';
import { liveMarkup, messageViolations, mrkdwnStrings } from '../../platform/slack/render/blockKitLimits.js';

const actionsOf = (blocks: KnownBlock[]): ActionsBlock[] =>
  blocks.filter((b): b is ActionsBlock => b.type === 'actions');
const allMrkdwn = (blocks: KnownBlock[]): string => mrkdwnStrings({ blocks }).join('\n');

describe('renderRequestMessage: pending', () => {
  const req = requestIn('pending');
  const message = renderRequestMessage(req, { now: NOW });

  it('has the header, the facts, the purpose and both buttons', () => {
    expect(message.blocks[0]).toEqual(expect.objectContaining({ type: 'header' }));
    expect((message.blocks[0] as { text: { text: string } }).text.text).toBe('OpenAI key request');
    const text = allMrkdwn(message.blocks);
    expect(text).toContain('<@U0REQUESTER>');
    expect(text).toContain('Support summariser');
    expect(text).toContain('`proj_abc123`');
    expect(text).toContain('> Nightly summaries of the support inbox');
    expect(text).toContain('30 days');
    expect(text).toContain(`<!date^${Math.floor(req.decideBy / 1000)}^`);

    const [actions] = actionsOf(message.blocks);
    const buttons = actions?.elements as Button[];
    expect(buttons.map((b) => [b.action_id, b.value, b.style, b.text.text])).toEqual([
      [ACTION.approveRequest, req.id, 'primary', 'Approve'],
      [ACTION.denyRequest, req.id, 'danger', 'Deny'],
    ]);
  });

  it('tells approvers how to decide from the thread', () => {
    expect(allMrkdwn(message.blocks)).toContain(
      'Approvers: click a button, or reply in this thread with `approve` or `deny &lt;reason&gt;`',
    );
  });

  it('has a meaningful fallback and stays within limits', () => {
    expect(message.text).toContain('<@U0REQUESTER>');
    expect(message.text).toContain('Support summariser');
    expect(messageViolations(message)).toEqual([]);
    expect(liveMarkup(mrkdwnStrings(message))).toEqual([]);
  });

  it('shows no buttons once the decide-by time has passed, even before the expiry job runs', () => {
    const late = renderRequestMessage(req, { now: req.decideBy });
    expect(actionsOf(late.blocks)).toHaveLength(0);
    expect(allMrkdwn(late.blocks)).toContain('No approver decided by');
  });
});

describe('renderRequestMessage: decided states', () => {
  const outcomes: Record<string, string[]> = {
    approved: ['Approved by <@U0APPROVER>'],
    provisioning: ['Approved by <@U0APPROVER>', 'Creating the key at OpenAI'],
    awaiting_reveal: ['Key `sk-svca…AbCd` created', 'Waiting for <@U0REQUESTER> to reveal it'],
    active: ['Key `sk-svca…AbCd` created', 'Revealed by <@U0REQUESTER>', 'Key expires'],
    denied: ['Denied by <@U0APPROVER>', '> Use the shared staging key instead.'],
    expired: ['Expired', 'no approver decided in time'],
    failed: ['Creating the key failed', '> OpenAI said: project is archived'],
    revoked: ['Key revoked by <@U0ADMIN>', '> Rotated.'],
  };

  for (const state of ALL_STATES.filter((s) => s !== 'pending')) {
    it(`${state}: no buttons, an outcome line, within limits`, () => {
      const message = renderRequestMessage(requestIn(state), { now: NOW });
      expect(actionsOf(message.blocks)).toHaveLength(0);
      const text = allMrkdwn(message.blocks);
      for (const expected of outcomes[state] ?? []) expect(text).toContain(expected);
      expect(text).toContain('<@U0REQUESTER>');
      expect(text).toContain('Support summariser');
      expect(messageViolations(message)).toEqual([]);
      expect(message.text.length).toBeGreaterThan(0);
    });
  }

  it('says an unrevealed key was revoked automatically', () => {
    const req = requestIn('revoked', { revealedAt: undefined, revokedBy: undefined, endedReason: undefined });
    expect(allMrkdwn(renderRequestMessage(req, { now: NOW }).blocks)).toContain(
      'Key revoked automatically: it was not revealed in time',
    );
  });

  it('says a key that reached its end of life expired', () => {
    const req = requestIn('expired', {
      decidedBy: 'U0APPROVER',
      redactedKey: 'sk-svca…AbCd',
      keyCreatedAt: NOW - 1000,
      keyExpiresAt: NOW,
    });
    const text = allMrkdwn(renderRequestMessage(req, { now: NOW }).blocks);
    expect(text).toContain(`Key expired <!date^${NOW / 1000}^`);
    expect(text).not.toContain('no approver decided');
  });
});

describe('renderRequestMessage: hostile and huge input', () => {
  it('escapes user text in every state', () => {
    for (const state of ALL_STATES) {
      const req = requestIn(state, {
        purpose: HOSTILE,
        projectName: HOSTILE,
        projectId: 'proj_`<!here>`',
        denyReason: HOSTILE,
        failure: HOSTILE,
        endedReason: HOSTILE,
        redactedKey: 'sk-<!channel>',
        decidedBy: '<!channel>',
      });
      const message = renderRequestMessage(req, { now: NOW });
      const strings = mrkdwnStrings(message);
      expect(liveMarkup(strings)).toEqual([]);
      expect(strings.join('\n')).toContain('&lt;!channel&gt;');
      expect(strings.join('\n')).not.toContain('<@U1>');
      expect(strings.join('\n')).toContain('&amp;');
    }
  });

  it('keeps a 10k-character purpose and project name within limits', () => {
    for (const state of ALL_STATES) {
      const req = requestIn(state, {
        purpose: `${'<&>'.repeat(3000)}\n`.repeat(4),
        projectName: 'P&'.repeat(5000),
        denyReason: 'x'.repeat(10_000),
        failure: 'y\n'.repeat(5000),
        endedReason: '&'.repeat(10_000),
      });
      const message = renderRequestMessage(req, { now: NOW });
      expect(messageViolations(message)).toEqual([]);
      expect(liveMarkup(mrkdwnStrings(message))).toEqual([]);
      const purpose = message.blocks.find(
        (b): b is SectionBlock => b.type === 'section' && (b.text?.text.startsWith('*Purpose*') ?? false),
      );
      expect(purpose?.text?.text.endsWith('…')).toBe(true);
    }
  });
});
