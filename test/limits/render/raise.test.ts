import { describe, expect, it } from 'vitest';
import { cents } from '../../../src/platform/domain/money.js';
import { renderAuditLog, renderCapRaiseEnded, renderLimitChangeApplied, renderLimitChangeRequestMessage, renderLimitsOverview, renderProjectLimits } from '../../../src/limits/render/index.js';
import { auditRow, limitRequestIn, limits, limitsRow, NOW } from './fixtures.js';

const END = Date.UTC(2027, 2, 1, 0, 0); // 1 March 2027, 00:00 UTC
const raised = limits({ hardCents: cents(200_000), version: 4, raise: { previousCents: cents(80_000), raisedCents: cents(200_000), endsAt: END, version: 4, by: 'U0ADMIN' } });
const all = (m: { text: string; blocks: unknown[] }) => `${m.text}\n${JSON.stringify(m.blocks)}`;

describe('a raise in the limits views', () => {
  it('shows the end in Slack date format and in UTC, and the cap it returns to, in the detail and the overview', () => {
    const detail = all(renderProjectLimits(limitsRow({ limits: raised }), [], { now: NOW }));
    expect(detail).toContain(`Raised until <!date^${END / 1000}^{date_short_pretty} {time}|2027-03-01 00:00 UTC> (2027-03-01 00:00 UTC) · then back to $800.00`);
    expect(detail).toContain('raised until 2027-03-01 00:00 UTC');
    const overview = all(renderLimitsOverview([limitsRow({ limits: raised })], { now: NOW }));
    expect(overview).toContain('Raised until <!date^');
    expect(overview).toContain('then back to $800.00');
  });

  it('shows no raise once the cap was set to something else, nor without one', () => {
    expect(all(renderProjectLimits(limitsRow({ limits: { ...raised, hardCents: cents(300_000) } }), [], { now: NOW }))).not.toContain('Raised until');
    expect(all(renderLimitsOverview([limitsRow()], { now: NOW }))).not.toContain('Raised until');
  });

  it('announces a new raise with its end', () => {
    const message = all(renderLimitChangeApplied({ project: { id: 'proj_abc123', name: 'Support Bot' }, before: limits(), after: raised, actorId: 'U0ADMIN', now: NOW }));
    expect(message).toContain('Hard limit: $800.00 → $2,000.00 until 2027-03-01 00:00 UTC, then back to $800.00');
    expect(message).toContain('Raised until <!date^');
  });
});

describe('the end of a raise', () => {
  const project = { id: 'proj_abc123', name: 'Support Bot' };
  const ended = { previousCents: cents(80_000), raisedCents: cents(200_000), endsAt: END, version: 4, by: 'U0ADMIN', endedAt: END + 60_000, limitsVersion: 5 };

  it('restored: the cap is back, with when the raise ended', () => {
    const message = renderCapRaiseEnded({ project, ended: { ...ended, outcome: 'restored' } });
    expect(message.text).toBe("The temporary raise of Support Bot's hard cap to $2,000.00 ended: back to $800.00.");
    expect(all(message)).toContain('(2027-03-01 00:00 UTC)');
    expect(all(message)).toContain('Hard cap: $2,000.00 → $800.00');
  });

  it('restored to no cap: says the project has none again', () => {
    const message = renderCapRaiseEnded({ project, ended: { ...ended, previousCents: null, outcome: 'restored' } });
    expect(message.text).toContain('no hard cap again');
    expect(all(message)).toContain('→ off');
    expect(all(message)).not.toMatch(/none cents|null/);
  });

  it('changed since: both amounts, and that it was left', () => {
    const message = renderCapRaiseEnded({ project, ended: { ...ended, outcome: 'changed', foundCents: cents(350_000) } });
    expect(message.text).toContain('changed since (now $3,500.00); keywarden left it as it is');
    expect(all(message)).toContain('it is $3,500.00 now, not $2,000.00');
    const removed = renderCapRaiseEnded({ project, ended: { ...ended, outcome: 'changed', foundCents: null } });
    expect(removed.text).toContain('now no cap');
  });
});

describe('a raise asked for by a requester', () => {
  it('shows in the request its end, in Slack date format and in UTC, and the cap it returns to', () => {
    const until = NOW + 7 * 86_400_000;
    const message = all(renderLimitChangeRequestMessage(limitRequestIn('pending', { change: { hard: cents(120_000), until } }), { now: NOW }));
    expect(message).toContain(`*Raise ends*\\n<!date^${Math.floor(until / 1000)}^`);
    expect(message).toMatch(/Hard limit: \$800\.00 → \$1,200\.00 until \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC, then back to \$800\.00/);
  });
});

describe('a raise\'s end in the audit log', () => {
  it('reads in words, never the internal outcome code', () => {
    const names = new Map([['proj_abc123', 'Support Bot']]);
    const restored = all(renderAuditLog([auditRow({ actor: 'keywarden', action: 'limits.raise-end', target: 'proj_abc123', project: 'proj_abc123', outcome: 'restored:v5' })], { days: 7, now: NOW, projectNames: names }));
    expect(restored).toContain('set the hard cap of');
    expect(restored).not.toMatch(/restored:v5|raise-end/);
    const left = all(renderAuditLog([auditRow({ actor: 'keywarden', action: 'limits.raise-end', target: 'proj_abc123', project: 'proj_abc123', outcome: 'left:changed' })], { days: 7, now: NOW, projectNames: names }));
    expect(left).toContain('it had been changed since');
    expect(left).not.toMatch(/left:changed/);
  });
});
