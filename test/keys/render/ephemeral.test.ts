import type { HeaderBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { renderRequestList, renderRequestSent } from '../../../src/keys/render/ephemeral.js';
import { renderErrorNotice, renderNotice } from '../../../src/platform/slack/render/notices.js';
import { ALL_STATES, HOSTILE, NOW, requestIn } from './fixtures.js';
import { liveMarkup, messageViolations, mrkdwnStrings } from '../../platform/slack/render/blockKitLimits.js';

describe('renderRequestList', () => {
  it('suggests a request when there is nothing yet', () => {
    const list = renderRequestList([], { now: NOW });
    expect(list.text).toContain('`/openai-key request`');
    expect(list.blocks).toHaveLength(1);
    expect(messageViolations(list)).toEqual([]);
  });

  it('shows project, key, created, deadline and state for each item', () => {
    const items = [requestIn('pending'), requestIn('active', { createdAt: NOW - 10 })];
    const list = renderRequestList(items, { now: NOW });
    const sections = mrkdwnStrings({ blocks: list.blocks });
    const pending = sections.find((s) => s.includes('waiting for an approver'));
    const active = sections.find((s) => s.includes('key in use'));
    expect(pending).toContain('*Support summariser* (`proj_abc123`)');
    // ids where people look: the request id always, the key's masked value and id once it exists
    expect(pending).toContain(`Request \`${items[0]!.id}\``);
    expect(pending).not.toContain('Key ');
    expect(active).toContain(`Request \`${items[1]!.id}\``);
    expect(active).toContain('id `key_abc`');
    expect(pending).toContain(`Decide by <!date^${Math.floor(items[0]!.decideBy / 1000)}^`);
    expect(active).toContain('Key `sk-svca…AbCd`');
    expect(active).toContain(`Expires <!date^${Math.floor(items[1]!.keyExpiresAt! / 1000)}^`);
    expect(active).toContain(`Created <!date^${Math.floor(items[1]!.keyCreatedAt! / 1000)}^`);
    expect(list.text).toContain('2 key requests');
    expect(messageViolations(list)).toEqual([]);
  });

  it('marks a deadline that has passed', () => {
    const list = renderRequestList([requestIn('awaiting_reveal', { keyExpiresAt: undefined, revealBy: NOW - 1 })], {
      now: NOW,
    });
    expect(mrkdwnStrings({ blocks: list.blocks }).join('\n')).toMatch(/Reveal by <!date\^[^>]+> \(passed\)/);
  });

  it('shows 20, newest first, and says how many more', () => {
    const items = Array.from({ length: 35 }, (_, i) =>
      requestIn(ALL_STATES[i % ALL_STATES.length]!, { createdAt: NOW - i * 1000, projectName: `P${i}` }),
    );
    const list = renderRequestList(items, { now: NOW });
    const sections = list.blocks.filter((b) => b.type === 'section');
    expect(sections).toHaveLength(20);
    const text = mrkdwnStrings({ blocks: list.blocks }).join('\n');
    expect(text).toContain('*P0*');
    expect(text).toContain('*P19*');
    expect(text).not.toContain('*P20*');
    expect(text).toContain('…and 15 more');
    expect(messageViolations(list)).toEqual([]);
  });

  it('escapes hostile and huge fields', () => {
    const items = Array.from({ length: 25 }, () =>
      requestIn('active', { projectName: HOSTILE.repeat(500), projectId: HOSTILE, redactedKey: HOSTILE }),
    );
    const list = renderRequestList(items, { now: NOW });
    expect(messageViolations(list)).toEqual([]);
    expect(liveMarkup(mrkdwnStrings(list))).toEqual([]);
  });
});

describe('renderRequestSent', () => {
  it('says a request waits for an approver in the approval channel', () => {
    const sent = renderRequestSent(requestIn('pending'), 'C0APPROVALS');
    expect(sent.text).toContain('is waiting for an approver');
    expect(mrkdwnStrings(sent).join('\n')).toContain('<#C0APPROVALS>');
    expect(messageViolations(sent)).toEqual([]);
  });

  it('says a request a policy rule approved as it was opened is approved, naming the rule, and never that it waits', () => {
    const sent = renderRequestSent(requestIn('approved', { autoApprovedBy: 'projects.Support Bot.auto_approve' }), 'C0APPROVALS');
    const all = `${sent.text}\n${mrkdwnStrings(sent).join('\n')}`;
    expect(all).toContain('approved automatically');
    expect(all).toContain('`projects.Support Bot.auto_approve`');
    expect(all).toContain('DM to reveal the key');
    expect(all).not.toMatch(/waiting|approver/);
    expect(messageViolations(sent)).toEqual([]);
    expect(liveMarkup(mrkdwnStrings(sent))).toEqual([]);
  });
});

describe('renderNotice and renderErrorNotice', () => {
  it('notice: text shown as written, with an optional title', () => {
    const notice = renderNotice(`Done ${HOSTILE}`, { title: 'Saved' });
    expect((notice.blocks[0] as HeaderBlock).text.text).toBe('Saved');
    expect(notice.text).toContain('Saved: Done &lt;!channel&gt;');
    expect(liveMarkup(mrkdwnStrings(notice))).toEqual([]);
    expect(messageViolations(notice)).toEqual([]);
    expect(renderNotice('x'.repeat(10_000), { title: 't'.repeat(500) })).toSatisfy(
      (m: Parameters<typeof messageViolations>[0]) => messageViolations(m).length === 0,
    );
  });

  it('notice: an empty text still gives a non-empty fallback and a valid section', () => {
    const notice = renderNotice('');
    expect(notice.text.length).toBeGreaterThan(0);
    expect(messageViolations(notice)).toEqual([]);
  });

  it('error: what was wrong and the right form', () => {
    const error = renderErrorNotice({ what: 'Lifetime must be a whole number of days.', hint: '`/openai-key request`' });
    expect(mrkdwnStrings({ blocks: error.blocks })[0]).toBe(
      ':warning: Lifetime must be a whole number of days.\n*Try:* `/openai-key request`',
    );
    expect(error.text).toBe('Lifetime must be a whole number of days. Try: `/openai-key request`');
    const hostile = renderErrorNotice({ what: HOSTILE.repeat(300), hint: `/openai-key limit <project> ${HOSTILE}` });
    expect(messageViolations(hostile)).toEqual([]);
    expect(liveMarkup(mrkdwnStrings(hostile))).toEqual([]);
    expect(messageViolations(renderErrorNotice({ what: '' }))).toEqual([]);
  });
});

describe('renderStateInWords', () => {
  it('has distinct words for every state', async () => {
    const { renderStateInWords } = await import('../../../src/keys/render/stateWords.js');
    const words = ALL_STATES.map(renderStateInWords);
    expect(words.every((w) => w.length > 0)).toBe(true);
    expect(new Set(words).size).toBe(ALL_STATES.length);
    expect(renderStateInWords('awaiting_reveal')).toBe('key ready to reveal');
  });
});
