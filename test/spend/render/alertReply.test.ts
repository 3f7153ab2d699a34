import { describe, expect, it } from 'vitest';
import type { ProjectLimits } from '../../../src/limits/domain/limits.js';
import { cents } from '../../../src/platform/domain/money.js';
import { evaluate, type Alert, type ForecastAlert, type HardAlert, type SoftAlert } from '../../../src/spend/domain/alerts.js';
import { ACTION } from '../../../src/platform/slack/ids.js';
import { renderAlertReply, type AlertReplyContext } from '../../../src/spend/render/alertReply.js';
import { liveMarkup, messageViolations, mrkdwnStrings } from '../../platform/slack/render/blockKitLimits.js';
import { HOSTILE } from '../../keys/render/fixtures.js';
import { NOV, NOW, monthSpend } from './spendFixtures.js';

const base = {
  projectId: 'proj_abc123',
  month: '2026-11',
  limitsVersion: 3,
  spendCents: cents(82_000),
  estimateCents: cents(4_000),
  estimateMissing: false,
};
const soft: SoftAlert = { ...base, identity: 'alert.proj_abc123.2026-11.v3.soft.80', kind: 'soft', threshold: 80, limitCents: cents(100_000) };
const hard: HardAlert = {
  ...base,
  identity: 'alert.proj_abc123.2026-11.v3.hard.100',
  kind: 'hard',
  threshold: 100,
  spendCents: cents(201_000),
  limitCents: cents(200_000),
  reason: 'reached',
};
const forecast: ForecastAlert = {
  ...base,
  identity: 'alert.proj_abc123.2026-11.v3.forecast.100',
  kind: 'forecast',
  threshold: 100,
  limitCents: cents(200_000),
  expectedAt: Date.UTC(2026, 10, 27, 9),
  projectedCents: cents(230_000),
  dailyAverageCents: cents(4_500),
  basisDays: 7,
};

const context: AlertReplyContext = {
  project: { id: 'proj_abc123', name: 'Support summariser' },
  ownerIds: ['U0OWNER1', 'U0OWNER2', 'U0OWNER1'],
  approverIds: ['U0APPROVER', 'U0OWNER2'],
};

const textOf = (alert: Alert, ctx: AlertReplyContext = context): string => mrkdwnStrings(renderAlertReply(alert, ctx)).join('\n');

describe('renderAlertReply', () => {
  it('tells a soft threshold crossed, in the thread only, with the estimate marked', () => {
    const reply = renderAlertReply(soft, context);
    expect(reply.broadcast).toBe(false);
    expect(reply.text).toBe(
      ':warning: *Support summariser* has reached *80%* of its soft limit: $820.00 spent of $1,000.00 this month. ' +
        '($40.00 of that is estimated from usage OpenAI has not billed yet.)',
    );
    expect(reply.blocks.some((block) => block.type === 'actions')).toBe(false);
    expect(reply.text).not.toContain('<@');
  });

  it('says plainly that OpenAI is refusing requests at the hard cap, broadcast, with the button and the people to act', () => {
    // refusing only once OpenAI reports the cap enforcing
    const reply = renderAlertReply({ ...hard, enforcement: 'enforcing' }, context);
    expect(reply.broadcast).toBe(true);
    expect(reply.text).toContain("*Support summariser* has reached its hard cap of $2,000.00 ($2,010.00 spent this month). *OpenAI is now refusing this project's requests*");
    expect(reply.text).toContain('Owners: <@U0OWNER1>, <@U0OWNER2> · Approvers: <@U0APPROVER>');
    const actions = reply.blocks.find((block) => block.type === 'actions');
    expect(actions).toMatchObject({
      elements: [{ type: 'button', action_id: ACTION.requestHigherCap, value: 'proj_abc123', text: { text: 'Request a higher cap' } }],
    });
    expect(messageViolations(reply)).toEqual([]);
  });

  it('tells a cap OpenAI enforces before keywarden counts it reached, and one keywarden has no record of', () => {
    const enforcing = textOf({ ...hard, reason: 'enforcing', spendCents: cents(195_000) });
    expect(enforcing).toContain('OpenAI reports it is enforcing its hard cap of $2,000.00 for *Support summariser*.');
    expect(enforcing).toContain("OpenAI is now refusing this project's requests");
    expect(enforcing).toContain('keywarden counts $1,950.00 spent this month so far.');
    expect(textOf({ ...hard, reason: 'enforcing', limitCents: null })).toContain('enforcing its hard cap for');
  });

  it('says what OpenAI reports: a reached cap it does not enforce yet is pending, never "refusing"', () => {
    const pending = renderAlertReply({ ...hard, enforcement: 'inactive' }, context);
    expect(pending.broadcast).toBe(true);
    expect(pending.text).toContain('*Support summariser* has reached its hard cap of $2,000.00 ($2,010.00 spent this month).');
    expect(pending.text).toContain('OpenAI does not report the cap as enforced yet: it enforces with a lag');
    expect(pending.text).toContain('This notice will say when OpenAI starts refusing them.');
    expect(pending.text).not.toContain('OpenAI is now refusing');
    const unknown = textOf({ ...hard, enforcement: null });
    expect(unknown).toContain('keywarden could not read whether OpenAI enforces the cap yet');
    expect(unknown).not.toContain('OpenAI is now refusing');
  });

  it('one alert for several thresholds crossed in one poll: the highest, naming the lower ones', () => {
    const lower = [50, 80].map((threshold) => ({ ...soft, identity: `alert.proj_abc123.2026-11.v3.soft.${threshold}`, threshold }));
    const top: SoftAlert = { ...soft, identity: 'alert.proj_abc123.2026-11.v3.soft.100', threshold: 100, spendCents: cents(105_000) };
    const reply = renderAlertReply(top, { ...context, alsoPassed: lower });
    expect(reply.text).toContain('has reached *100%* of its soft limit: $1,050.00 spent of $1,000.00 this month. Since the last check it also passed 50% and 80% of its soft limit.');
    const capped = textOf({ ...hard, enforcement: 'enforcing' }, { ...context, alsoPassed: [...lower, top] });
    expect(capped).toContain('Since the last check it also passed 50%, 80% and 100% of its soft limit.');
    expect(textOf(soft)).not.toContain('also passed');
  });

  it('names the day the forecast passes the hard cap', () => {
    const reply = renderAlertReply(forecast, context);
    expect(reply.broadcast).toBe(false);
    expect(reply.text).toContain(
      'At its pace of $45.00 a day (the last 7 days), *Support summariser* is expected to pass its hard cap of $2,000.00 on *27 Nov*, with about $2,300.00 by month end.',
    );
  });

  it('renders every alert evaluate can return', () => {
    const limits: ProjectLimits = {
      projectId: 'proj_abc123',
      softCents: cents(10_000),
      hardCents: cents(70_000),
      thresholds: [50, 80, 100],
      channelId: 'C0SPEND',
      version: 3,
      updatedAt: NOV,
      updatedBy: 'U0ADMIN',
    };
    const alerts = [
      ...evaluate({ spend: monthSpend(), limits, enforcement: 'inactive', now: NOW }),
      ...evaluate({ spend: monthSpend(), limits, enforcement: 'enforcing', now: NOW }),
    ];
    expect(alerts.map((alert) => alert.kind)).toEqual(['soft', 'soft', 'soft', 'forecast', 'soft', 'soft', 'soft', 'hard']);
    for (const alert of alerts) {
      const reply = renderAlertReply(alert, context);
      expect(messageViolations(reply), alert.identity).toEqual([]);
      expect(liveMarkup(mrkdwnStrings(reply)), alert.identity).toEqual([]);
    }
    expect(textOf(alerts[3] as Alert)).toContain('on *25 Nov*');
  });

  it('says when the estimate is missing from the figure', () => {
    expect(textOf({ ...soft, estimateMissing: true, estimateCents: cents(0) })).toContain('Usage could not be read');
  });

  it('escapes the project name and never turns stored ids into broadcasts', () => {
    const hostile: AlertReplyContext = {
      project: { id: 'proj_abc123', name: HOSTILE },
      ownerIds: ['<!channel>', 'U0OWNER1'],
      approverIds: [],
    };
    for (const alert of [soft, hard, forecast]) {
      const reply = renderAlertReply(alert, hostile);
      expect(liveMarkup(mrkdwnStrings(reply))).toEqual([]);
      expect(messageViolations(reply)).toEqual([]);
    }
    expect(textOf(hard, hostile)).toContain('Owners: &lt;!channel&gt;, <@U0OWNER1>');
  });

  it('mentions at most 20 people per group and counts the rest', () => {
    const many: AlertReplyContext = { ...context, ownerIds: Array.from({ length: 45 }, (_, i) => `U0OWNER${i}`), approverIds: [] };
    const reply = renderAlertReply(hard, many);
    expect(reply.text).toContain('<@U0OWNER19> and 25 more');
    expect(reply.text).not.toContain('<@U0OWNER20>');
  });

  it('leaves out the people line when there is nobody to mention', () => {
    const reply = renderAlertReply(hard, { ...context, ownerIds: [], approverIds: [] });
    expect(reply.text).not.toContain('Owners');
    expect(reply.blocks.some((block) => block.type === 'actions')).toBe(true);
  });

  it('refuses to tell one project’s alert as another’s', () => {
    expect(() => renderAlertReply(soft, { ...context, project: { id: 'proj_other', name: 'Other' } })).toThrow();
  });
});
