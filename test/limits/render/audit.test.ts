import type { KnownBlock, SectionBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { AUDIT_LOG_MAX_ENTRIES, renderAuditLog } from '../../../src/limits/render/index.js';
import { mrkdwnStrings, wellFormed, contexts } from '../../platform/slack/render/blockKitLimits.js';
import type { AuditEntry as AuditRow } from '../../../src/platform/domain/audit.js';
import { HOSTILE, NOW, auditRow } from './fixtures.js';

const NAMES = new Map([['proj_abc123', 'Support Bot']]);

const MINUTE = 60_000;
const lines = (blocks: KnownBlock[]): string[] =>
  blocks
    .filter((b): b is SectionBlock => b.type === 'section')
    .flatMap((b) => (b.text?.text ?? '').split('\n'));
describe('renderAuditLog', () => {
  it('lists entries newest first, one sentence each: time, who, what, on which project by name, detail', () => {
    const message = renderAuditLog(
      [
        auditRow({ at: NOW - 3 * MINUTE, action: 'request.open', target: 'req_1', outcome: 'pending', detail: undefined }),
        auditRow({ at: NOW - MINUTE, actor: 'system', action: 'limits.change', outcome: 'refused:openai:invalid_request', target: 'proj_abc123', detail: 'threshold too high' }),
        auditRow({ at: NOW - 2 * MINUTE, action: 'limits.change', outcome: 'applied:v4', detail: 'Hard limit: $800.00 → $1,200.00' }),
      ],
      { days: 7, now: NOW, projectNames: NAMES },
    );
    const found = lines(message.blocks);
    expect(found).toHaveLength(3);
    expect(found[0]).toBe(
      `<!date^${Math.floor((NOW - MINUTE) / 1000)}^{date_short_pretty} {time}|2025-11-22 09:59 UTC> · :no_entry: keywarden ` +
        'tried to change the spend limits of *Support Bot*: OpenAI refused (invalid request) — threshold too high',
    );
    expect(found[1]).toContain(':white_check_mark: <@U0ADMIN> changed the spend limits of *Support Bot* — Hard limit: $800.00 → $1,200.00');
    expect(found[2]).toContain('<@U0ADMIN> asked for a key in *Support Bot* (request `req_1`)');
    expect(found[2]).not.toContain('—');
    expect(contexts(message.blocks)).toContain('3 entries in the last 7 days, newest first');
    expect(message.text).toContain('Audit log for the last 7 days: 3 entries, the newest 2025-11-22 09:59 UTC: keywarden tried to change');
    wellFormed(message);
  });

  describe('every kind of entry in plain words, without internal codes', () => {
    const cases: [string, Partial<AuditRow>, string[]][] = [
      ['request.open', { action: 'request.open', target: 'req_1', outcome: 'pending', detail: '30 days' }, ['<@U0ADMIN> asked for a key in *Support Bot* (request `req_1`) — 30 days']],
      ['request.approve', { action: 'request.approve', target: 'req_1', outcome: 'approved', detail: 'via button' }, [':white_check_mark: <@U0ADMIN> approved the key request `req_1` in *Support Bot* — via button']],
      ['request.approve refused', { action: 'request.approve', target: 'req_1', outcome: 'refused:self_decision', detail: 'via thread' }, ['tried to approve the key request `req_1` in *Support Bot*: refused: nobody decides their own request']],
      ['request.deny', { action: 'request.deny', target: 'req_1', outcome: 'denied', detail: 'via modal: not now' }, [':no_entry: <@U0ADMIN> denied the key request `req_1`']],
      ['request.expire', { actor: 'keywarden', action: 'request.expire', target: 'req_1', outcome: 'expired', detail: undefined }, ['keywarden the key request `req_1` in *Support Bot* expired undecided']],
      ['key.create', { actor: 'keywarden', action: 'key.create', target: 'req_1', outcome: 'awaiting_reveal', detail: 'service account svc_abc, key key_def (sk-…wxyz)' }, ['keywarden created the key for request `req_1` in *Support Bot* — key sk-…wxyz']],
      ['key.create failed', { actor: 'keywarden', action: 'key.create', target: 'req_1', outcome: 'failed', detail: 'OpenAI said no' }, [':no_entry: keywarden could not create the key for request `req_1`']],
      ['key.reveal', { action: 'key.reveal', target: 'req_1', outcome: 'active' }, ['revealed the key of request `req_1`']],
      ['key.reveal refused', { action: 'key.reveal', target: 'req_1', outcome: 'refused:not_owner' }, ['tried to reveal the key of request `req_1` in *Support Bot*: refused: it is not their key']],
      ['key.revoke', { action: 'key.revoke', target: 'req_1', outcome: 'revoked', detail: 'no longer needed' }, ['revoked the key of request `req_1` in *Support Bot* — no longer needed']],
      ['key.revoke refused', { action: 'key.revoke', target: 'req_1', outcome: 'refused:not_allowed' }, ['refused: they may not']],
      ['limits.request', { action: 'limits.request', target: 'lim_1', outcome: 'pending', detail: 'Soft limit: none → $5.00; Alert channel: none → <#C0ALERTS>' }, ['asked to change the spend limits of *Support Bot* (request `lim_1`) — Soft limit: none → $5.00; Alert channel: none → <#C0ALERTS>']],
      ['limits.approve', { action: 'limits.approve', target: 'lim_1', outcome: 'approved', detail: 'via button' }, ['approved the limit change `lim_1` in *Support Bot*']],
      ['limits.approve refused', { action: 'limits.approve', target: 'lim_1', outcome: 'refused:self_decision', detail: 'via button' }, ['tried to approve the limit change `lim_1` in *Support Bot*: refused: nobody decides their own request']],
      ['limits.change applied', { action: 'limits.change', outcome: 'applied:v3', detail: 'Hard limit: $800.00 → off (approved by <@U0APPROVER>)' }, ['changed the spend limits of *Support Bot* — Hard limit: $800.00 → off (approved by <@U0APPROVER>)']],
      ['limits.change rolled back', { action: 'limits.change', outcome: 'rolled-back', detail: 'the limits could not be saved' }, ['a change to the spend limits of *Support Bot* was undone']],
      ['limits.expire', { actor: 'keywarden', action: 'limits.expire', target: 'lim_1', outcome: 'expired', detail: undefined }, ['keywarden the limit change `lim_1` in *Support Bot* expired undecided']],
      ['limits.adopt', { actor: 'keywarden', action: 'limits.adopt', outcome: 'adopted', detail: 'Hard limit: $400.00' }, ['keywarden started tracking the hard cap already set at OpenAI for *Support Bot* — Hard limit: $400.00']],
      ['limits.drift', { actor: 'openai', action: 'limits.drift', outcome: 'changed', detail: 'Hard limit: $800.00 → $1,200.00' }, ['someone at OpenAI changed the hard cap of *Support Bot* at OpenAI, outside keywarden — Hard limit: $800.00 → $1,200.00']],
      ['limits.drift removed', { actor: 'openai', action: 'limits.drift', outcome: 'removed', detail: 'Hard limit: $800.00 → off' }, ['removed the hard cap of *Support Bot* at OpenAI, outside keywarden']],
      ['limits.drift, as older entries wrote it', { actor: 'openai', action: 'limits.drift', outcome: 'adopted:v2', detail: 'keywarden had none cents, OpenAI has 350000' }, ['keywarden had no cap, OpenAI has $3,500.00']],
      ['request.approve towards a quorum', { action: 'request.approve', target: 'req_1', outcome: 'vote', detail: 'via button; 1 of 2 approvals' }, ['gave one of the approvals the key request `req_1` in *Support Bot* needs; it is not decided yet — via button; 1 of 2 approvals']],
      ['request.approve refused: already approved', { action: 'request.approve', target: 'req_1', outcome: 'refused:already_voted' }, ['tried to approve the key request `req_1` in *Support Bot*: refused: they had already approved it']],
      ['request.remind', { actor: 'keywarden', action: 'request.remind', target: 'req_1', outcome: 'reminded', detail: undefined }, ['keywarden reminded the approvers of the key request `req_1` in *Support Bot*']],
      ['limits.escalate', { actor: 'keywarden', action: 'limits.escalate', target: 'lim_1', outcome: 'escalated', detail: undefined }, ['keywarden asked the admins to decide the limit change `lim_1` in *Support Bot*']],
      ['request.cancel', { action: 'request.cancel', target: 'req_1', outcome: 'cancelled', detail: undefined }, ['cancelled the key request `req_1` in *Support Bot*']],
      ['request.cancel refused', { action: 'request.cancel', target: 'req_1', outcome: 'refused:already_decided', detail: undefined }, ['tried to cancel the key request `req_1` in *Support Bot*: refused: it was already decided']],
      ['ratelimit.change', { action: 'ratelimit.change', target: 'proj_abc123/gpt-4o-mini', outcome: 'applied', detail: 'requests a minute 100' }, ['changed the rate limits of `gpt-4o-mini` in *Support Bot* — requests a minute 100']],
      ['ratelimit.change, as older entries wrote it', { action: 'ratelimit.change', target: 'proj_abc123/gpt-4o-mini', outcome: 'applied', detail: '{"rpm":100,"tpm":20000}' }, ['— requests a minute 100, tokens a minute 20,000']],
      ['ratelimit.change refused', { action: 'ratelimit.change', target: 'proj_abc123/gpt-4o', outcome: 'refused:openai:rate_limited' }, ['tried to change the rate limits of `gpt-4o` in *Support Bot*: OpenAI refused (rate limited)']],
    ];
    for (const [name, row, expected] of cases) {
      it(name, () => {
        const message = renderAuditLog([auditRow(row)], { days: 7, now: NOW, projectNames: NAMES });
        const line = lines(message.blocks)[0] ?? '';
        for (const part of expected) expect(line).toContain(part);
        // no internal codes: cents, JSON, refusal kinds, states with underscores, raw project ids, escaped channels
        expect(line).not.toMatch(/cents|\{"|refused:\S|self_decision|awaiting_reveal|applied:v|proj_abc123|&lt;#|\bopenai\b|svc_|key_def/);
        wellFormed(message);
      });
    }
  });

  it('names the project, not its id, in the notification text when the newest entry is a limits change', () => {
    const message = renderAuditLog(
      [
        auditRow({ at: NOW - 2 * MINUTE, action: 'request.open', target: 'req_1', outcome: 'pending', detail: undefined }),
        auditRow({ at: NOW - MINUTE, action: 'limits.change', outcome: 'refused:openai:invalid_request', target: 'proj_abc123', detail: undefined }),
      ],
      { days: 7, now: NOW, projectNames: NAMES },
    );
    expect(message.text).toContain('tried to change the spend limits of Support Bot: OpenAI refused (invalid request)');
    expect(message.text).not.toContain('proj_abc123');
  });

  it('leaves the project out of each line when the log is for one project', () => {
    const message = renderAuditLog([auditRow({ target: 'req_1' })], { project: 'proj_abc123', days: 30, now: NOW });
    expect(lines(message.blocks)[0]).not.toContain('proj_abc123');
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
