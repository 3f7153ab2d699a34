/** `policy` as the slash command reads it. */
import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../../src/commands/domain/command.js';

describe('parseCommand: policy', () => {
  it('takes an optional project, quoted or not, and refuses a person where a project belongs', () => {
    expect(parseCommand('policy')).toEqual({ ok: true, value: { kind: 'policy', project: null } });
    expect(parseCommand('policy "Research Assistant"')).toEqual({ ok: true, value: { kind: 'policy', project: 'Research Assistant' } });
    expect(parseCommand('policy proj_abc123')).toEqual({ ok: true, value: { kind: 'policy', project: 'proj_abc123' } });
    const mention = parseCommand('policy <@U0ALICE>');
    expect(mention.ok).toBe(false);
    if (!mention.ok) expect(mention.error.message).toMatch(/not a project/);
  });
});
