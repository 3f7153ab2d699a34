import type { KnownBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { cents } from '../../../src/platform/domain/money.js';
import { renderSpendStatus } from '../../../src/spend/render/status.js';
import { progressBar } from '../../../src/spend/render/figures.js';
import { liveMarkup, messageViolations, mrkdwnStrings, wellFormed } from '../../platform/slack/render/blockKitLimits.js';
import { HOSTILE } from '../../keys/render/fixtures.js';
import { NOV, monthSpend, spendStatus } from './spendFixtures.js';

const allText = (message: { text: string; blocks: KnownBlock[] }): string => mrkdwnStrings(message).join('\n');

describe('progressBar', () => {
  it.each([
    [0, '░░░░░░░░░░ 0%'],
    [9, '░░░░░░░░░░ 9%'],
    [62, '▓▓▓▓▓▓░░░░ 62%'],
    [100, '▓▓▓▓▓▓▓▓▓▓ 100%'],
    [180, '▓▓▓▓▓▓▓▓▓▓ 180%'],
  ])('a bar for %s percent', (percent, bar) => {
    expect(progressBar(percent)).toBe(bar);
  });
});

describe('renderSpendStatus', () => {
  const message = renderSpendStatus(spendStatus());
  const text = allText(message);

  it('is a valid message with a meaningful fallback', () => {
    wellFormed(message);
    expect(message.text).toBe('Support summariser: $620.00 spent this month (62% of the soft limit, 31% of the hard cap).');
    expect(message.blocks[0]).toMatchObject({ type: 'header', text: { text: 'OpenAI spend: Support summariser' } });
  });

  it('shows spend against the soft limit and hard cap with bars, and how much of the month has passed', () => {
    expect(text).toContain('*$620.00* spent in November 2026 so far');
    expect(text).toContain('*Soft limit* $1,000.00   ▓▓▓▓▓▓░░░░ 62%');
    expect(text).toContain('*Hard cap* $2,000.00   ▓▓▓░░░░░░░ 31%');
    expect(text).toContain('*Month* ▓▓▓▓▓▓▓░░░ 72% passed (day 22 of 30)');
  });

  it('keeps billed and estimated apart, and says the key and model figures are estimates', () => {
    expect(text).toContain('$580.00 billed by OpenAI through 21 Nov + $40.00 _estimated_ from usage not billed yet');
    expect(text).toContain('Keys and models: usage since 21 Nov, priced at list prices (estimates).');
  });

  it('forecasts the month end and names the day the hard cap is passed', () => {
    // The last 7 whole days (the 15th to the 21st) average (6 × $29 + $0) / 7 = $24.857; 8 days 7h55m remain.
    expect(text).toContain('*Forecast* about $827.06 by month end, at $24.86 a day (the pace of the last 7 days). That stays under the hard cap.');
    const busy = renderSpendStatus(spendStatus({ limits: { softCents: null, hardCents: cents(70_000) } }));
    // $80 more at $24.857 a day is 3.2 days after the 22nd at 16:05.
    expect(allText(busy)).toContain('At this pace it passes the hard cap on *25 Nov*.');
    expect(allText(busy)).toContain('*Soft limit* none set');
  });

  it('lists the top 3 keys and models, with the labels the caller gave', () => {
    const fields = message.blocks.find((block) => block.type === 'section' && 'fields' in block && block.fields !== undefined);
    const [keys, models] = (fields as { fields: { text: string }[] }).fields.map((field) => field.text);
    expect(keys).toBe(
      '*Top keys*\n1. `sk-svcacct-…AbCd (Support bot)` $300.00\n2. `sk-svcacct-…WxYz` $120.00\n3. no API key (e.g. the Playground) $50.00',
    );
    expect(models).toBe('*Top models*\n1. `gpt-4o` $400.00\n2. `gpt-4o-mini` $80.00\n3. `o3` $3.00');
    expect(text).not.toContain('key_4');
  });

  it('lists unpriced models with their tokens', () => {
    expect(text).toContain('no price for: `ft:gpt-4o-mini:acme::x1` (1,234,567 tokens).');
  });

  it('says when the estimate is unavailable', () => {
    const missing = allText(renderSpendStatus(spendStatus({ spend: monthSpend({ estimateMissing: true, estimateCents: cents(0) }) })));
    expect(missing).toContain('Estimate unavailable');
    expect(missing).toContain('*$580.00* spent');
    expect(missing).not.toContain('_estimated_');
  });

  it('says when nothing is billed yet this month', () => {
    const fresh = allText(renderSpendStatus(spendStatus({ spend: monthSpend({ costCents: cents(0), costsCoverUntil: NOV }) })));
    expect(fresh).toContain('nothing billed by OpenAI yet this month');
  });

  it('says plainly when OpenAI is refusing the project’s requests', () => {
    const enforcing = renderSpendStatus(spendStatus({ enforcement: 'enforcing' }));
    expect(allText(enforcing)).toContain("*OpenAI is refusing this project's requests*");
    expect(enforcing.text).toContain("OpenAI is refusing its requests.");
    expect(allText(enforcing)).not.toContain('under the hard cap');
    expect(text).not.toContain('refusing');
    const unknownCap = allText(renderSpendStatus(spendStatus({ enforcement: 'enforcing', limits: { softCents: null, hardCents: null } })));
    expect(unknownCap).toContain('*Hard cap* set at OpenAI, with no record of it in keywarden');
  });

  it('shows hostile project names, model names and key labels as text', () => {
    const hostile = renderSpendStatus(
      spendStatus({
        project: { id: 'proj_abc123', name: HOSTILE },
        keyLabels: new Map([['key_1', HOSTILE]]),
        spend: monthSpend({ unpricedModels: [{ model: HOSTILE, tokens: 5 }] }),
      }),
    );
    expect(liveMarkup(mrkdwnStrings(hostile))).toEqual([]);
    expect(messageViolations(hostile)).toEqual([]);
    expect(hostile.text).toContain('&lt;!channel&gt;');
  });

  it('stays within Block Kit limits with long names, many unpriced models and no limits', () => {
    const long = renderSpendStatus(
      spendStatus({
        project: { id: 'proj_abc123', name: 'x'.repeat(5_000) },
        limits: null,
        keyLabels: new Map([['key_1', 'y'.repeat(5_000)]]),
        spend: monthSpend({
          unpricedModels: Array.from({ length: 500 }, (_, i) => ({ model: `ft:model-${i}-${'z'.repeat(100)}`, tokens: i })),
        }),
      }),
    );
    expect(messageViolations(long)).toEqual([]);
    expect(allText(long)).toContain('and 495 more');
    expect(long.blocks.length).toBeLessThanOrEqual(50);
  });

  it('says there is no priced usage rather than showing empty lists', () => {
    const quiet = renderSpendStatus(spendStatus({ spend: monthSpend({ byKey: [], byModel: [], unpricedModels: [] }) }));
    expect(allText(quiet)).toContain('*Top keys*\n_no priced usage_');
    expect(messageViolations(quiet)).toEqual([]);
  });

  it('forecasts nothing once the hard cap is reached, and says what OpenAI reports about enforcing it', () => {
    // $620 spent of a $600 cap: the pace would forecast a month end far above the cap, as if requests still went through
    const pending = renderSpendStatus(spendStatus({ limits: { softCents: cents(50_000), hardCents: cents(60_000) }, enforcement: 'inactive' }));
    expect(allText(pending)).toContain('*Forecast* none: the hard cap is reached.');
    expect(allText(pending)).not.toMatch(/by month end|a day \(the pace/);
    expect(allText(pending)).toContain('*Hard cap reached*: OpenAI does not report it as enforced yet (it enforces with a lag)');
    expect(allText(pending)).not.toContain('refusing');
    expect(pending.text).toContain('Hard cap reached; OpenAI does not report it as enforced yet');
    const enforcing = allText(renderSpendStatus(spendStatus({ limits: { softCents: null, hardCents: cents(60_000) }, enforcement: 'enforcing' })));
    expect(enforcing).toContain("*OpenAI is refusing this project's requests*");
    expect(enforcing).toContain('*Forecast* none: the hard cap is reached.');
  });

  it('says it is too early to forecast in the first hours of the month', () => {
    const early = renderSpendStatus(
      spendStatus({ now: NOV + 3_600_000, spend: monthSpend({ daily: Array.from({ length: 30 }, () => cents(0)), usageFrom: NOV }) }),
    );
    expect(allText(early)).toContain('*Forecast* too early in the month to tell.');
    expect(allText(early)).toContain('Keys and models: usage priced at list prices (estimates).');
  });
});
