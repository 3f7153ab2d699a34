import { describe, expect, it } from 'vitest';
import { cents } from '../../../src/platform/domain/money.js';
import { renderCapSighting, renderLimitChangeConfirmation, renderLimitsOverview } from '../../../src/limits/render/index.js';
import { messageViolations, mrkdwnStrings, wellFormed } from '../../platform/slack/render/blockKitLimits.js';
import { NOW, limits, limitsRow } from './fixtures.js';

const project = { id: 'proj_abc123', name: 'Support Bot' };
const all = (m: { text: string; blocks: unknown[] }) => `${m.text}\n${mrkdwnStrings(m as never).join('\n')}`;

describe('renderCapSighting', () => {
  it('adoption: neutral words, the amount, no "outside keywarden" and no offer to put it back', () => {
    const m = renderCapSighting({ project, keywardenCents: null, openaiCents: cents(40_000), adopted: true });
    expect(all(m)).toContain('keywarden now tracks the $400.00 hard cap set at OpenAI for *Support Bot*');
    expect(all(m)).not.toMatch(/outside keywarden|put .* back|changed|proj_abc123/);
    wellFormed(m);
  });

  it('a changed cap: both amounts', () => {
    const m = renderCapSighting({ project, keywardenCents: cents(90_000), openaiCents: cents(120_000) });
    expect(all(m)).toContain('changed at OpenAI, outside keywarden: from $900.00 to $1,200.00');
    expect(all(m)).toContain('Hard cap: $900.00 → $1,200.00');
  });

  it('a removed cap: the amount it had, and that nothing stops the project now', () => {
    const m = renderCapSighting({ project, keywardenCents: cents(90_000), openaiCents: null });
    expect(all(m)).toContain('The $900.00 hard cap of *Support Bot* was removed at OpenAI, outside keywarden');
    expect(all(m)).toContain('Hard cap: $900.00 → off');
  });

  it('a cap set where keywarden knew there was none: a change from no cap, not an adoption', () => {
    const m = renderCapSighting({ project, keywardenCents: null, openaiCents: cents(50_000) });
    expect(all(m)).toContain('from no cap to $500.00');
    expect(all(m)).not.toContain('now tracks');
  });
});

describe('renderLimitChangeConfirmation', () => {
  const before = limits();
  const after = limits({ softCents: cents(60_000), version: 4 });
  it('typed in the announced channel: one line pointing at the announcement, no before → after', () => {
    const m = renderLimitChangeConfirmation({ project, before, after, announcedIn: 'C0ALERTS', typedIn: 'C0ALERTS' });
    expect(m.blocks).toHaveLength(1);
    expect(all(m)).toContain('the announcement is in this channel');
    expect(all(m)).not.toContain('→');
  });
  it('typed elsewhere: one line with what changed and where it is announced', () => {
    const m = renderLimitChangeConfirmation({ project, before, after, announcedIn: 'C0ALERTS', typedIn: 'C0GENERAL' });
    expect(m.blocks).toHaveLength(1);
    expect(all(m)).toContain('Soft limit: $500.00 → $600.00');
    expect(all(m)).toContain('announced in <#C0ALERTS>');
  });
});

describe('renderLimitsOverview: projects not checked at OpenAI', () => {
  it('says how many projects were not checked for a cap yet', () => {
    const m = renderLimitsOverview([limitsRow()], { now: NOW, uncheckedAtOpenAI: 12 });
    expect(all(m)).toContain('12 projects without limits in keywarden were not checked for a cap at OpenAI yet');
    expect(messageViolations(m)).toEqual([]);
  });
});
