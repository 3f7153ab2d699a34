import type { KnownBlock, SectionBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import {
  RATE_LIMITS_MAX_ROWS,
  renderRateLimitChanged,
  renderRateLimits,
} from '../../../src/limits/render/index.js';
import { mrkdwnStrings, wellFormed, contexts } from '../../platform/slack/render/blockKitLimits.js';
import { HOSTILE, rateLimit } from './fixtures.js';

const project = { id: 'proj_abc123', name: 'Support Bot' };
const tables = (blocks: KnownBlock[]): string[] =>
  blocks
    .filter((b): b is SectionBlock => b.type === 'section' && (b.text?.text ?? '').startsWith('```'))
    .map((b) => b.text?.text ?? '');
describe('renderRateLimits', () => {
  it('lays the limits out as an aligned table, with a column only for limits some model has', () => {
    const message = renderRateLimits(project, [
      rateLimit('gpt-4o-mini', { maxRequestsPerMinute: 10_000, maxTokensPerMinute: 10_000_000, maxRequestsPerDay: 14_400 }),
      rateLimit('dall-e-3', { maxImagesPerMinute: 7 }),
    ]);
    const [table] = tables(message.blocks);
    expect(table).toBe(
      [
        '```Model        Req/min  Tokens/min  Req/day  Images/min',
        'dall-e-3         500     200,000        —           7',
        'gpt-4o-mini   10,000  10,000,000   14,400           —```',
      ].join('\n'),
    );
    expect(message.text).toContain('Rate limits for project Support Bot: 2 models');
    expect(message.text).toContain('dall-e-3: 500 req/min, 200,000 tokens/min, 7 images/min');
    expect(contexts(message.blocks)).toContain(
      '`/openai-key ratelimit "Support Bot" &lt;model&gt; rpm 500 tpm 200k rpd 10k`',
    );
    wellFormed(message);
  });

  it('shows the audio and batch columns when a model has them', () => {
    const [table] = tables(
      renderRateLimits(project, [rateLimit('whisper-1', { maxAudioMegabytesPer1Minute: 50, batch1DayMaxInputTokens: 1_000_000 })]).blocks,
    );
    expect(table?.split('\n')[0]).toBe('```Model      Req/min  Tokens/min  Audio MB/min  Batch tokens/day');
    expect(table).toContain('50         1,000,000');
  });

  it('says so when OpenAI lists no rate limits', () => {
    const message = renderRateLimits(project, []);
    expect(mrkdwnStrings(message).join('\n')).toContain('OpenAI lists no rate limits for *Support Bot*');
    wellFormed(message);
  });

  it('splits a long list over several tables and cuts it with a count', () => {
    const rows = Array.from({ length: 300 }, (_, i) => rateLimit(`ft:gpt-4o-mini:acme:model-${String(i).padStart(3, '0')}-with-a-long-name`));
    const message = renderRateLimits(project, rows);
    const found = tables(message.blocks);
    expect(found.length).toBeGreaterThan(1);
    const listed = found.flatMap((t) => t.split('\n').slice(1));
    expect(listed).toHaveLength(RATE_LIMITS_MAX_ROWS);
    for (const table of found) expect(table.split('\n')[0]).toMatch(/^```Model\s+Req\/min/);
    expect(contexts(message.blocks)).toContain(`…and ${300 - RATE_LIMITS_MAX_ROWS} more models not shown.`);
    expect(listed.every((line) => line.includes('…'))).toBe(true);
    wellFormed(message);
  });

  it('escapes hostile model names and keeps them on one line inside the code block', () => {
    const message = renderRateLimits({ id: 'proj_x', name: HOSTILE }, [rateLimit('a\n```<!here>`&')]);
    const [table] = tables(message.blocks);
    expect(table).toContain('a ˋˋˋ&lt;!here&gt;ˋ&amp;');
    expect(table?.split('\n')).toHaveLength(2);
    expect(message.text).toContain('&lt;!channel&gt;');
    wellFormed(message);
  });
});

describe('renderRateLimitChanged', () => {
  it('lists what changed as before → after, and what did not', () => {
    const message = renderRateLimitChanged(
      project,
      'gpt-4o',
      rateLimit('gpt-4o', { maxRequestsPerDay: 10_000 }),
      rateLimit('gpt-4o', { maxRequestsPerMinute: 1_000, maxRequestsPerDay: 20_000 }),
    );
    const text = mrkdwnStrings(message).join('\n');
    expect(text).toContain(':white_check_mark: Rate limits for `gpt-4o` in *Support Bot* changed:');
    expect(text).toContain('Requests per minute: 500 → 1,000');
    expect(text).toContain('Requests per day: 10,000 → 20,000');
    expect(text).toContain('Unchanged: tokens per minute 200,000.');
    expect(text).not.toContain('Tokens per minute:');
    expect(message.text).toBe(
      'Rate limits for gpt-4o in project Support Bot: Requests per minute: 500 → 1,000; Requests per day: 10,000 → 20,000',
    );
    wellFormed(message);
  });

  it('shows the new values alone when the old ones are not known', () => {
    const text = mrkdwnStrings(renderRateLimitChanged(project, 'gpt-4o', null, rateLimit('gpt-4o'))).join('\n');
    expect(text).toContain('are now:\nRequests per minute: 500\nTokens per minute: 200,000');
    expect(text).not.toContain('Unchanged');
  });

  it('says when nothing changed', () => {
    const message = renderRateLimitChanged(project, 'gpt-4o', rateLimit('gpt-4o'), rateLimit('gpt-4o'));
    expect(mrkdwnStrings(message).join('\n')).toContain('are unchanged');
    expect(message.text).toContain('unchanged');
  });

  it('escapes a hostile model and project name', () => {
    const message = renderRateLimitChanged({ id: 'proj_x', name: HOSTILE }, '<!channel>', null, rateLimit('<!channel>'));
    expect(mrkdwnStrings(message).join('\n')).not.toContain('<!channel>');
    wellFormed(message);
  });
});
