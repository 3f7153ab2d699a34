import { describe, expect, it } from 'vitest';
import { rateLimitChangeInWords, rateLimitOfModel } from '../../../src/limits/domain/rateLimitChange.js';

const project = { id: 'proj_1', name: 'Support Bot', status: 'active' as const };
const rateLimits = [{ model: 'gpt-4o' }, { model: 'gpt-4o-mini' }, { model: 'o3' }];

describe('rateLimitChangeInWords', () => {
  it('lists the changed limits with grouped digits', () => {
    expect(rateLimitChangeInWords({ rpm: 100, tpm: 20_000 })).toBe('requests a minute 100, tokens a minute 20,000');
    expect(rateLimitChangeInWords({ rpd: 1_500 })).toBe('requests a day 1,500');
  });
});

describe('rateLimitOfModel', () => {
  it('finds a model whatever its case', () => {
    expect(rateLimitOfModel(project, rateLimits, 'GPT-4o')).toEqual({ ok: true, value: { model: 'gpt-4o' } });
  });

  it('names the closest models and lists them all when none matches', () => {
    const missing = rateLimitOfModel(project, rateLimits, 'gpt-4oo');
    expect(missing.ok).toBe(false);
    if (missing.ok) return;
    expect(missing.error.what).toBe('Support Bot has no rate limit for a model called “gpt-4oo”.');
    expect(missing.error.hint).toContain('Did you mean `gpt-4o`');
    expect(missing.error.hint).toContain('Its models: `gpt-4o`, `gpt-4o-mini`, `o3`.');
  });
});
