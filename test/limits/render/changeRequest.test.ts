import type { ActionsBlock, Button, KnownBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { LIMIT_REQUEST_STATES as LIMIT_CHANGE_STATES } from '../../../src/limits/domain/limitRequest.js';
import { cents } from '../../../src/platform/domain/money.js';
import { ACTION } from '../../../src/platform/slack/ids.js';
import { renderLimitChangeRequestMessage, requestedChangeLines } from '../../../src/limits/render/index.js';
import { liveMarkup, mrkdwnStrings, wellFormed } from '../../platform/slack/render/blockKitLimits.js';
import { HOSTILE, NOW, limitRequestIn, limits } from './fixtures.js';

const actionsOf = (blocks: KnownBlock[]): ActionsBlock[] => blocks.filter((b): b is ActionsBlock => b.type === 'actions');
const allMrkdwn = (blocks: KnownBlock[]): string => mrkdwnStrings({ blocks }).join('\n');
describe('renderLimitChangeRequestMessage: pending', () => {
  const req = limitRequestIn('pending');
  const message = renderLimitChangeRequestMessage(req, { now: NOW });

  it('shows who asks, the project, the change as before → after, the reason and the decide-by time', () => {
    expect((message.blocks[0] as { text: { text: string } }).text.text).toBe('Spend limit change request');
    const text = allMrkdwn(message.blocks);
    expect(text).toContain('*Requested by*\n<@U0REQUESTER>');
    expect(text).toContain('*Project*\n*Support Bot*');
    expect(text).toContain('*Change*\nHard limit: $800.00 → $1,200.00');
    expect(text).toContain('*Reason*\n> The launch doubles traffic this month.');
    expect(text).toContain(`*Decide by*\n<!date^${Math.floor(req.decideBy / 1000)}^`);
    expect(text).toContain('`lim_8f3k2m9q1z`');
  });

  it('has Approve and Deny buttons carrying the request id, and the thread-reply hint', () => {
    const [actions] = actionsOf(message.blocks);
    const buttons = actions?.elements as Button[];
    expect(buttons.map((b) => [b.action_id, b.value, b.style, b.text.text])).toEqual([
      [ACTION.approveLimitChange, req.id, 'primary', 'Approve'],
      [ACTION.denyLimitChange, req.id, 'danger', 'Deny'],
    ]);
    expect(buttons[0]?.confirm?.text.text).toContain('Support Bot');
    expect(allMrkdwn(message.blocks)).toContain(
      'Approvers: click a button, or reply in this thread with `approve` or `deny &lt;reason&gt;`',
    );
  });

  it('has a fallback naming the requester, the project, the state and the change', () => {
    expect(message.text).toBe(
      'Spend limit change request from <@U0REQUESTER> for project Support Bot: waiting for an approver. Hard limit: $800.00 → $1,200.00',
    );
    wellFormed(message);
  });

  it('shows no buttons once the decide-by time has passed', () => {
    const late = renderLimitChangeRequestMessage(req, { now: req.decideBy });
    expect(actionsOf(late.blocks)).toHaveLength(0);
    expect(allMrkdwn(late.blocks)).toContain('No approver decided by');
  });

  it('describes every field that changes, starting from the defaults when nothing was set', () => {
    const fresh = limitRequestIn('pending', {
      before: null,
      change: { soft: cents(50_000), hard: cents(80_000), thresholds: [25, 75], channelId: 'C0NEW' },
    });
    const text = allMrkdwn(renderLimitChangeRequestMessage(fresh, { now: NOW }).blocks);
    expect(text).toContain(
      '*Change*\nSoft limit: none → $500.00\nHard limit: none → $800.00\nAlert thresholds: 50%, 80%, 100% → 25%, 75%\nAlert channel: none → <#C0NEW>',
    );
  });

  it('says "off" when the hard cap is removed', () => {
    const off = limitRequestIn('pending', { change: { hard: 'off' } });
    expect(allMrkdwn(renderLimitChangeRequestMessage(off, { now: NOW }).blocks)).toContain('Hard limit: $800.00 → off');
  });
});

describe('requestedChangeLines', () => {
  it('shows what was asked, and why it would not apply, when the domain refuses it against the current limits', () => {
    const stale = limitRequestIn('pending', { change: { soft: cents(90_000) } });
    const { lines, note } = requestedChangeLines(stale);
    expect(lines).toEqual(['Soft limit: $500.00 → $900.00']);
    expect(note).toContain("can't be above");
    expect(allMrkdwn(renderLimitChangeRequestMessage(stale, { now: NOW }).blocks)).toContain(':information_source: The soft limit');
  });

  it('keeps a channel mention live but escapes everything else the domain wrote', () => {
    const { lines } = requestedChangeLines(limitRequestIn('pending', { change: { channelId: 'C0NEW' } }));
    expect(lines).toEqual(['Alert channel: <#C0ALERTS> → <#C0NEW>']);
  });

  it('does not turn a corrupted channel id into live markup', () => {
    const { lines } = requestedChangeLines(
      limitRequestIn('pending', { before: limits({ channelId: '!channel' }), change: { channelId: 'here|x' } }),
    );
    expect(liveMarkup(lines)).toEqual([]);
    expect(lines.join('\n')).not.toContain('<!channel>');
  });
});

describe('renderLimitChangeRequestMessage: an approved change without a hard cap', () => {
  it('says it is recorded, not applied at OpenAI (nothing is set there for soft limits)', () => {
    const message = renderLimitChangeRequestMessage(limitRequestIn('approved', { change: { soft: cents(90_000) } }), { now: NOW });
    const text = allMrkdwn(message.blocks);
    expect(text).toContain('Recording the new limits');
    expect(text).not.toMatch(/at OpenAI…/);
  });
});

describe('renderLimitChangeRequestMessage: decided states', () => {
  const outcomes: Record<string, string[]> = {
    approved: ['Approved by <@U0APPROVER>', 'Setting the hard cap at OpenAI'],
    applied: ['Approved by <@U0APPROVER>', ':white_check_mark: Applied'],
    denied: ['Denied by <@U0APPROVER>', '> Wait for the budget review.'],
    expired: ['Expired', 'no approver decided in time'],
    cancelled: ['Cancelled by <@U0REQUESTER>', 'the limits stay as they were'],
    failed: ['OpenAI refused the change', '> threshold_amount exceeds the organization limit'],
  };

  for (const state of LIMIT_CHANGE_STATES.filter((s) => s !== 'pending')) {
    it(`${state}: no buttons, an outcome line, a fallback, within limits`, () => {
      const message = renderLimitChangeRequestMessage(limitRequestIn(state), { now: NOW });
      expect(actionsOf(message.blocks)).toHaveLength(0);
      const text = allMrkdwn(message.blocks);
      for (const expected of outcomes[state] ?? []) expect(text).toContain(expected);
      expect(text).toContain('Hard limit: $800.00 → $1,200.00');
      expect(message.text).toContain('<@U0REQUESTER>');
      expect(message.text).toContain('Support Bot');
      wellFormed(message);
    });
  }

  it('says OpenAI gave no reason when a failure has no words', () => {
    const message = renderLimitChangeRequestMessage(limitRequestIn('failed', { failure: '' }), { now: NOW });
    expect(allMrkdwn(message.blocks)).toContain('> OpenAI gave no reason.');
  });
});

describe('renderLimitChangeRequestMessage: hostile and huge input', () => {
  for (const state of LIMIT_CHANGE_STATES) {
    it(`${state}: escapes the project name, reason, deny reason and OpenAI's words`, () => {
      const req = limitRequestIn(state, {
        projectName: HOSTILE,
        reason: `${HOSTILE}\n${HOSTILE}`,
        denyReason: HOSTILE,
        failure: HOSTILE,
        decidedBy: '<!channel>',
      });
      const message = renderLimitChangeRequestMessage(req, { now: NOW });
      const text = mrkdwnStrings(message).join('\n');
      expect(text).not.toContain('<!channel>');
      expect(text).not.toContain('<!here>');
      expect(text).toContain('&lt;!channel&gt;');
      wellFormed(message);
    });
  }

  it('keeps a very long name and reason within Block Kit limits', () => {
    const req = limitRequestIn('denied', { projectName: 'N&'.repeat(3000), reason: '<x>'.repeat(5000), denyReason: '&'.repeat(5000) });
    const message = renderLimitChangeRequestMessage(req, { now: NOW });
    wellFormed(message);
    expect(message.text.length).toBeLessThanOrEqual(3000);
  });
});
