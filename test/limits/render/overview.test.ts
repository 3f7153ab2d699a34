import type { KnownBlock, SectionBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { cents } from '../../../src/platform/domain/money.js';
import {
  LIMITS_OVERVIEW_MAX_PAGE_SIZE,
  PROJECT_RATE_LIMITS_MAX_ROWS,
  renderLimitsOverview,
  renderProjectLimits,
} from '../../../src/limits/render/index.js';
import { mrkdwnStrings, wellFormed, contexts } from '../../platform/slack/render/blockKitLimits.js';
import { HOSTILE, NOW, limits, limitsRow, manyRows, rateLimit } from './fixtures.js';

const sections = (blocks: KnownBlock[]): string[] =>
  blocks.filter((b): b is SectionBlock => b.type === 'section' && b.text !== undefined).map((b) => b.text?.text ?? '');
const allMrkdwn = (blocks: KnownBlock[]): string => mrkdwnStrings({ blocks }).join('\n');
describe('renderLimitsOverview', () => {
  it('shows one compact section per project with spend, soft limit, thresholds, hard cap and channel', () => {
    const message = renderLimitsOverview([limitsRow()], { now: NOW });
    const [section] = sections(message.blocks);
    expect(section).toBe(
      [
        '*Support Bot*',
        'Month to date: *$312.40* · 62% of soft, 39% of hard',
        'Soft: $500.00 · alerts at 50%, 80%, 100%',
        'Hard: $800.00 · OpenAI: not enforcing',
        'Alerts go to <#C0ALERTS>',
      ].join('\n'),
    );
    expect(message.text).toContain('Support Bot ($312.40');
    wellFormed(message);
  });

  it('says when OpenAI is enforcing the hard cap, in the section and in the fallback', () => {
    const message = renderLimitsOverview(
      [limitsRow({ enforcement: 'enforcing', monthToDateCents: cents(80_100) }), limitsRow({ project: { id: 'proj_2', name: 'Quiet', status: 'active' } })],
      { now: NOW },
    );
    const [enforcing, quiet] = sections(message.blocks);
    expect(enforcing).toContain(':no_entry: *Support Bot*');
    expect(enforcing).toContain('Hard: $800.00 · :no_entry: enforcing — OpenAI is refusing requests');
    expect(quiet?.startsWith('*Quiet*')).toBe(true);
    expect(message.text).toContain('1 project needs attention: Support Bot');
    expect(message.text).toContain('hard cap enforcing');
  });

  it('marks spend past the soft limit, and says so when a cap is not set at OpenAI or its status is unknown', () => {
    const message = renderLimitsOverview(
      [
        limitsRow({ monthToDateCents: cents(60_000), enforcement: 'none' }),
        limitsRow({ project: { id: 'proj_2', name: 'Other', status: 'archived' }, enforcement: null }),
      ],
      { now: NOW },
    );
    const [pastSoft, unknown] = sections(message.blocks);
    expect(pastSoft).toContain(':warning: *Support Bot*');
    expect(pastSoft).toContain('Hard: $800.00 · :warning: not set at OpenAI');
    expect(unknown).toContain('_archived_');
    expect(unknown).toContain("OpenAI's status unknown");
  });

  it('reads unknown spend and missing limits plainly, with how to set them', () => {
    const message = renderLimitsOverview(
      [limitsRow({ limits: null, monthToDateCents: null, enforcement: 'none', estimateIncluded: true })],
      { now: NOW },
    );
    const [section] = sections(message.blocks);
    expect(section).toContain('Month to date: unknown');
    expect(section).toContain('No limits set in keywarden');
    expect(section).not.toContain('Hard cap');
    expect(contexts(message.blocks)).toContain('`/openai-key limit &lt;project&gt; soft 500 hard 800`');
    expect(message.text).toContain('spend unknown');
  });

  it('says a cap exists at OpenAI even when keywarden has no limits stored', () => {
    const message = renderLimitsOverview([limitsRow({ limits: null, enforcement: 'enforcing' })], { now: NOW });
    expect(sections(message.blocks)[0]).toContain('Hard cap: set at OpenAI, not by keywarden · :no_entry: enforcing');
  });

  it('marks partly estimated spend', () => {
    const message = renderLimitsOverview([limitsRow({ estimateIncluded: true })], { now: NOW });
    expect(sections(message.blocks)[0]).toContain('*$312.40* (partly estimated)');
  });

  it('explains how to set a limit when there are no projects', () => {
    const message = renderLimitsOverview([], { now: NOW });
    expect(allMrkdwn(message.blocks)).toContain('`/openai-key limit &lt;project&gt; soft 500 hard 800`');
    expect(message.text).toContain('/openai-key limit &lt;project&gt; soft 500 hard 800');
    wellFormed(message);
  });

  it('cuts 500 projects to a page of 10 and says how many more and how to see one', () => {
    const message = renderLimitsOverview(manyRows(500), { now: NOW });
    expect(sections(message.blocks)).toHaveLength(10);
    expect(sections(message.blocks)[0]).toContain('*Project 1*');
    expect(contexts(message.blocks)).toContain('…and 490 more projects — `/openai-key limits &lt;project&gt;` for one');
    expect(contexts(message.blocks)).toContain('projects 1–10 of 500');
    expect(contexts(message.blocks)).toContain('page 1 of 50');
    expect(message.text).toContain('projects 1–10 of 500');
    wellFormed(message);
  });

  it('pages: page 3 shows projects 21 to 30; the last page has no "more"', () => {
    const third = renderLimitsOverview(manyRows(45), { now: NOW, page: 3 });
    expect(sections(third.blocks).map((s) => /\*Project (\d+)\*/.exec(s)?.[1])).toEqual(
      ['21', '22', '23', '24', '25', '26', '27', '28', '29', '30'],
    );
    expect(contexts(third.blocks)).toContain('…and 15 more projects');
    const last = renderLimitsOverview(manyRows(45), { now: NOW, page: 5 });
    expect(sections(last.blocks)).toHaveLength(5);
    expect(contexts(last.blocks)).toContain('projects 41–45 of 45');
    expect(contexts(last.blocks)).not.toContain('more project');
  });

  it('clamps the page and the page size to what exists and what fits', () => {
    const beyond = renderLimitsOverview(manyRows(25), { now: NOW, page: 99 });
    expect(contexts(beyond.blocks)).toContain('projects 21–25 of 25');
    const before = renderLimitsOverview(manyRows(25), { now: NOW, page: 0 });
    expect(contexts(before.blocks)).toContain('projects 1–10 of 25');
    const huge = renderLimitsOverview(manyRows(500), { now: NOW, pageSize: 1000 });
    expect(sections(huge.blocks)).toHaveLength(LIMITS_OVERVIEW_MAX_PAGE_SIZE);
    expect(contexts(huge.blocks)).toContain(`…and ${500 - LIMITS_OVERVIEW_MAX_PAGE_SIZE} more projects`);
    wellFormed(huge);
  });

  it('escapes hostile project names and keeps long ones within limits', () => {
    const hostile = renderLimitsOverview(
      [limitsRow({ project: { id: 'proj_x', name: HOSTILE.repeat(40), status: 'active' } })],
      { now: NOW },
    );
    expect(allMrkdwn(hostile.blocks)).toContain('&lt;!channel&gt;');
    expect(hostile.text).toContain('&lt;!channel&gt;');
    expect(JSON.stringify(hostile)).not.toContain('<!channel>');
    wellFormed(hostile);
  });
});

describe('renderProjectLimits', () => {
  const models = Array.from({ length: 40 }, (_, i) => rateLimit(`model-${i + 1}`));

  it('lists the limits as fields, and the rate limits as a table cut with a count', () => {
    const message = renderProjectLimits(limitsRow(), models, { now: NOW });
    const text = allMrkdwn(message.blocks);
    expect(text).toContain('*Soft limit*\n$500.00 · alerts at 50%, 80%, 100%');
    expect(text).toContain('*Hard cap*\n$800.00 · OpenAI: not enforcing');
    expect(text).toContain('*Alert channel*\n<#C0ALERTS>');
    expect(text).toContain('by <@U0ADMIN>');
    expect(text).toContain('*Rate limits per model* (40 models)');
    const table = sections(message.blocks).find((s) => s.startsWith('```')) ?? '';
    expect(table.split('\n')[0]).toMatch(/^```Model\s+Req\/min\s+Tokens\/min$/);
    expect(table).toContain('model-1 ');
    expect(table).toContain('200,000');
    expect(table.split('\n')).toHaveLength(PROJECT_RATE_LIMITS_MAX_ROWS + 1);
    expect(contexts(message.blocks)).toContain(
      `…and ${40 - PROJECT_RATE_LIMITS_MAX_ROWS} more models — \`/openai-key ratelimit "Support Bot"\` for all`,
    );
    expect(message.text).toContain('Spend limits for Support Bot');
    wellFormed(message);
  });

  it('sorts models naturally, so model-2 comes before model-10', () => {
    const message = renderProjectLimits(limitsRow(), [rateLimit('model-10'), rateLimit('model-2')], { now: NOW });
    const table = sections(message.blocks).find((s) => s.startsWith('```')) ?? '';
    expect(table.indexOf('model-2')).toBeLessThan(table.indexOf('model-10'));
    expect(contexts(message.blocks)).not.toContain('more model');
  });

  it('says when rate limits could not be read or there are none, and explains an enforcing cap', () => {
    const unread = renderProjectLimits(limitsRow({ enforcement: 'enforcing' }), null, { now: NOW });
    expect(allMrkdwn(unread.blocks)).toContain('could not be read');
    expect(allMrkdwn(unread.blocks)).toContain('its requests are refused');
    const none = renderProjectLimits(limitsRow({ limits: null }), [], { now: NOW });
    expect(allMrkdwn(none.blocks)).toContain('OpenAI lists none');
    expect(allMrkdwn(none.blocks)).toContain('*Soft limit*\nnone');
    wellFormed(none);
  });

  it('names a project it cannot type back by id in command hints', () => {
    const row = limitsRow({ project: { id: 'proj_q', name: 'Say "hi"', status: 'active' } });
    const message = renderProjectLimits(row, models, { now: NOW });
    expect(contexts(message.blocks)).toContain('`/openai-key ratelimit proj_q`');
    expect(contexts(message.blocks)).toContain('`/openai-key limit proj_q soft 500 hard 800 at 50,80,100`');
  });

  it('escapes hostile names and model names', () => {
    const row = limitsRow({ project: { id: 'proj_x', name: HOSTILE, status: 'active' } });
    const message = renderProjectLimits(row, [rateLimit('<!channel>&`x`')], { now: NOW });
    expect(mrkdwnStrings(message).join('\n')).not.toContain('<!channel>');
    expect(allMrkdwn(message.blocks)).toContain('&lt;!channel&gt;&amp;ˋxˋ');
    // The header is plain text, which Slack shows as written and never parses.
    expect(message.blocks[0]).toEqual(expect.objectContaining({ type: 'header', text: expect.objectContaining({ type: 'plain_text' }) }));
    wellFormed(message);
  });

  it('stays within limits with limits cleared and no spend', () => {
    const message = renderProjectLimits(
      limitsRow({ limits: limits({ softCents: null, hardCents: null, channelId: null }), monthToDateCents: cents(0) }),
      models,
      { now: NOW },
    );
    expect(allMrkdwn(message.blocks)).toContain('*Alert channel*\nnone set');
    expect(allMrkdwn(message.blocks)).toContain('*Month to date*\n*$0.00*');
    wellFormed(message);
  });
});
