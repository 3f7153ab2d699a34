import type { KnownBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { cents } from '../../../src/platform/domain/money.js';
import type { LimitChangeEvent } from '../../../src/limits/domain/limitChangeEvents.js';
import {
  renderLimitChangeApplied,
  renderLimitChangeThreadNote,
  renderLimitRequesterDm,
} from '../../../src/limits/render/index.js';
import { mrkdwnStrings, wellFormed } from '../../platform/slack/render/blockKitLimits.js';
import { HOSTILE, NOW, limitRequestIn, limits } from './fixtures.js';

const allMrkdwn = (blocks: KnownBlock[]): string => mrkdwnStrings({ blocks }).join('\n');
const before = limits();
const after = limits({ hardCents: cents(120_000), thresholds: [50, 90], version: 4 });

const events: Record<LimitChangeEvent['kind'], LimitChangeEvent> = {
  approved: { kind: 'approved', by: 'U0APPROVER' },
  applied: { kind: 'applied', before, after, announcedIn: 'C0ALERTS' },
  denied: { kind: 'denied', by: 'U0APPROVER', reason: 'Wait for the budget review.' },
  expired: { kind: 'expired' },
  cancelled: { kind: 'cancelled', by: 'U0ADMIN' },
  failed: { kind: 'failed', reason: 'threshold_amount exceeds the organization limit' },
};

describe('renderLimitChangeApplied', () => {
  it('announces who changed what, before and after, and the limits now in effect', () => {
    const message = renderLimitChangeApplied({
      project: { id: 'proj_abc123', name: 'Support Bot' },
      before,
      after,
      actorId: 'U0REQUESTER',
      approvedBy: 'U0APPROVER',
      now: NOW,
    });
    const text = allMrkdwn(message.blocks);
    expect(text).toContain('*Support Bot* were changed at the request of <@U0REQUESTER>, approved by <@U0APPROVER>');
    expect(text).toContain('*Before → after*\nHard limit: $800.00 → $1,200.00\nAlert thresholds: 50%, 80%, 100% → 50%, 90%');
    expect(text).toContain('*Hard cap*\n$1,200.00');
    expect(text).toContain('*Soft limit*\n$500.00');
    expect(text).toContain('*Alert channel*\n<#C0ALERTS>');
    expect(message.text).toContain('Hard limit: $800.00 → $1,200.00');
    expect(message.text).toContain('<@U0APPROVER>');
    wellFormed(message);
  });

  it('names the admin alone when nobody had to approve, and starts from nothing when nothing was set', () => {
    const message = renderLimitChangeApplied({
      project: { id: 'proj_abc123', name: 'Support Bot' },
      before: null,
      after: limits({ softCents: cents(10_000), hardCents: null }),
      actorId: 'U0ADMIN',
      now: NOW,
    });
    const text = allMrkdwn(message.blocks);
    expect(text).toContain('were changed by <@U0ADMIN>.');
    expect(text).toContain('Soft limit: none → $100.00');
    expect(text).toContain('*Hard cap*\nnone');
    expect(text).not.toContain('approved by');
  });

  it('escapes a hostile project name', () => {
    const message = renderLimitChangeApplied({
      project: { id: 'proj_x', name: HOSTILE },
      before,
      after,
      actorId: 'U0ADMIN',
      now: NOW,
    });
    expect(mrkdwnStrings(message).join('\n')).not.toContain('<!channel>');
    wellFormed(message);
  });
});

describe('renderLimitChangeThreadNote', () => {
  const expected: Record<LimitChangeEvent['kind'], string[]> = {
    approved: ['Approved by <@U0APPROVER>', 'Setting the hard cap at OpenAI'],
    applied: ['Applied', 'Hard limit: $800.00 → $1,200.00', 'Announced in <#C0ALERTS>'],
    denied: ['Denied by <@U0APPROVER>', '> Wait for the budget review.'],
    expired: ['expired'],
    cancelled: ['Cancelled by <@U0ADMIN>', 'the limits stay as they were'],
    failed: ['OpenAI refused the change', 'stay as they were', '> threshold_amount exceeds the organization limit'],
  };
  for (const [kind, event] of Object.entries(events)) {
    it(`${kind}: says what happened, with a fallback`, () => {
      const message = renderLimitChangeThreadNote(event);
      for (const part of expected[event.kind]) {
        expect(message.text).toContain(part);
        expect(allMrkdwn(message.blocks)).toContain(part);
      }
      wellFormed(message);
    });
  }

  it('does not speak of OpenAI for a change without a hard cap: nothing is set there', () => {
    const soft = renderLimitChangeThreadNote({ kind: 'approved', by: 'U0APPROVER' }, { change: { soft: cents(90_000) } });
    expect(soft.text).toContain('Recording the new limits');
    expect(soft.text).not.toMatch(/OpenAI/);
    const hard = renderLimitChangeThreadNote({ kind: 'approved', by: 'U0APPROVER' }, { change: { hard: cents(90_000) } });
    expect(hard.text).toContain('Setting the hard cap at OpenAI');
    const dm = renderLimitRequesterDm(limitRequestIn('approved', { change: { thresholds: [60, 90] } }), { kind: 'approved', by: 'U0APPROVER' });
    expect(dm?.text).not.toMatch(/OpenAI/);
  });

  it('escapes a hostile deny reason and OpenAI words', () => {
    for (const event of [
      { kind: 'denied', by: 'U0APPROVER', reason: HOSTILE },
      { kind: 'failed', reason: HOSTILE },
    ] as const) {
      const message = renderLimitChangeThreadNote(event);
      expect(mrkdwnStrings(message).join('\n')).not.toContain('<!channel>');
      wellFormed(message);
    }
  });
});

describe('renderLimitRequesterDm', () => {
  const req = limitRequestIn('pending');
  const expected: Record<LimitChangeEvent['kind'], string[]> = {
    approved: ['was approved by <@U0APPROVER>', '*Support Bot*'],
    applied: ['is in effect', 'Hard limit: $800.00 → $1,200.00'],
    denied: ['was denied by <@U0APPROVER>', '> Wait for the budget review.', '`/openai-key limit "Support Bot" …`'],
    expired: ['No approver decided', 'so it expired', '`/openai-key limit "Support Bot" …`'],
    cancelled: ['was cancelled by <@U0ADMIN>', 'the limits stay as they were', '`/openai-key limit "Support Bot" …`'],
    failed: ['OpenAI refused the change', '> threshold_amount exceeds the organization limit', '`lim_8f3k2m9q1z`'],
  };
  for (const [kind, parts] of Object.entries(expected)) {
    it(`${kind}: tells the requester, with a fallback`, () => {
      const message = renderLimitRequesterDm(req, events[kind as keyof typeof expected]);
      if (message === null) throw new Error(`no DM for ${kind}`);
      for (const part of parts) expect(allMrkdwn(message.blocks)).toContain(part);
      expect(message.text.length).toBeGreaterThan(20);
      wellFormed(message);
    });
  }

  it('tells nothing to a requester who cancelled the request themselves: they were answered where they typed it', () => {
    expect(renderLimitRequesterDm(req, { kind: 'cancelled', by: req.requesterId })).toBeNull();
  });

  it('escapes a hostile project name and reasons', () => {
    const hostile = limitRequestIn('denied', { projectName: HOSTILE });
    for (const event of Object.values(events)) {
      const message = renderLimitRequesterDm(hostile, event.kind === 'denied' ? { ...event, reason: HOSTILE } : event);
      if (message === null) throw new Error(`no DM for ${event.kind}`);
      expect(mrkdwnStrings(message).join('\n')).not.toContain('<!channel>');
      wellFormed(message);
    }
  });
});
