import type { ContextBlock, KnownBlock, SectionBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { AUDIT_LOG_MAX_ENTRIES, renderAuditLog } from '../../../../src/slack/render/limits/index.js';
import { liveMarkup, messageViolations, mrkdwnStrings } from '../blockKitLimits.js';
import { HOSTILE, NOW, auditRow } from './fixtures.js';

const MINUTE = 60_000;
const lines = (blocks: KnownBlock[]): string[] =>
  blocks
    .filter((b): b is SectionBlock => b.type === 'section')
    .flatMap((b) => (b.text?.text ?? '').split('\n'));
const contexts = (blocks: KnownBlock[]): string =>
  blocks
    .filter((b): b is ContextBlock => b.type === 'context')
    .flatMap((b) => b.elements.map((e) => ('text' in e ? e.text : '')))
    .join('\n');
const wellFormed = (message: { text: string; blocks: KnownBlock[] }): void => {
  expect(messageViolations(message)).toEqual([]);
  expect(liveMarkup(mrkdwnStrings(message))).toEqual([]);
};

describe('renderAuditLog', () => {
  it('lists entries newest first, one compact line each: time, actor, action, target, outcome, detail', () => {
    const message = renderAuditLog(
      [
        auditRow({ at: NOW - 3 * MINUTE, action: 'key.request', target: 'req_1', outcome: 'ok', detail: undefined }),
        auditRow({ at: NOW - MINUTE, actor: 'system', outcome: 'failed', target: 'proj_other', project: 'proj_abc123' }),
        auditRow({ at: NOW - 2 * MINUTE }),
      ],
      { days: 7, now: NOW },
    );
    const found = lines(message.blocks);
    expect(found).toHaveLength(3);
    expect(found[0]).toBe(
      `<!date^${Math.floor((NOW - MINUTE) / 1000)}^{date_short_pretty} {time}|2025-11-22 09:59 UTC> · keywarden (automatically) · ` +
        '*limit.change* `proj_other` in `proj_abc123` · :x: failed — hard $800.00 → $1,200.00',
    );
    expect(found[1]).toContain('<@U0ADMIN> · *limit.change* `proj_abc123` · :white_check_mark: applied');
    expect(found[2]).toContain('*key.request* `req_1` in `proj_abc123` · :white_check_mark: ok');
    expect(found[2]).not.toContain('—');
    expect(contexts(message.blocks)).toContain('3 entries in the last 7 days, newest first');
    expect(message.text).toContain('Audit log for the last 7 days: 3 entries, the newest 2025-11-22 09:59 UTC');
    wellFormed(message);
  });

  it('leaves the project out of each line when the log is for one project', () => {
    const message = renderAuditLog([auditRow({ target: 'req_1' })], { project: 'proj_abc123', days: 30, now: NOW });
    expect(lines(message.blocks)[0]).not.toContain(' in `proj_abc123`');
    expect(contexts(message.blocks)).toContain('in the last 30 days for `proj_abc123`');
  });

  it('says when there is nothing in the period', () => {
    const message = renderAuditLog([], { project: 'Support Bot', days: 1, now: NOW });
    expect(mrkdwnStrings(message).join('\n')).toContain('Nothing in the audit log for the last 1 day for `Support Bot`.');
    expect(message.text).toBe('Nothing in the audit log for the last 1 day for Support Bot.');
    wellFormed(message);
  });

  it('cuts 200 entries with a count of the older ones left out', () => {
    const entries = Array.from({ length: 200 }, (_, i) =>
      auditRow({ at: NOW - i * MINUTE, target: `req_${String(i).padStart(3, '0')}`, detail: `detail ${'x'.repeat(150)}` }),
    );
    const message = renderAuditLog(entries, { days: 90, now: NOW });
    const found = lines(message.blocks);
    expect(found).toHaveLength(AUDIT_LOG_MAX_ENTRIES);
    expect(found[0]).toContain('`req_000`');
    expect(found[found.length - 1]).toContain(`\`req_${String(AUDIT_LOG_MAX_ENTRIES - 1).padStart(3, '0')}\``);
    expect(contexts(message.blocks)).toContain(`…and ${200 - AUDIT_LOG_MAX_ENTRIES} older entries not shown.`);
    expect(contexts(message.blocks)).toContain('200 entries');
    wellFormed(message);
  });

  it('keeps long, escaped lines within Slack’s limits and counts what was left out', () => {
    const entries = Array.from({ length: 200 }, (_, i) =>
      auditRow({ at: NOW - i * MINUTE, action: 'a'.repeat(200), target: 't'.repeat(200), detail: '&'.repeat(400), outcome: 'o'.repeat(100) }),
    );
    const message = renderAuditLog(entries, { days: 90, now: NOW });
    const shown = lines(message.blocks).length;
    expect(shown).toBeLessThanOrEqual(AUDIT_LOG_MAX_ENTRIES);
    expect(contexts(message.blocks)).toContain(`…and ${200 - shown} older entries not shown.`);
    wellFormed(message);
  });

  it('escapes hostile actors, actions, targets, outcomes, details and projects', () => {
    const message = renderAuditLog(
      [auditRow({ actor: '<!channel>', action: HOSTILE, target: HOSTILE, outcome: HOSTILE, detail: HOSTILE, project: HOSTILE })],
      { project: HOSTILE, days: 7, now: NOW },
    );
    const text = mrkdwnStrings(message).join('\n');
    expect(text).not.toContain('<!channel>');
    expect(text).not.toContain('<!here>');
    expect(text).toContain('&lt;!channel&gt;');
    wellFormed(message);
  });
});
