import { describe, expect, it } from 'vitest';
import { projectError } from '../../../src/platform/domain/userFacingError.js';

const project = { id: 'proj_1', name: 'Support Bot', status: 'archived' as const };

describe('projectError', () => {
  it('points an unknown project with no suggestion to the next step of the command it came from', () => {
    const unknown = { kind: 'unknown' as const, query: 'nope', suggestions: [], message: 'No project called “nope”.' };
    expect(projectError(unknown, 'request')).toEqual({ what: unknown.message, hint: 'Use `/openai-key request` alone to pick the project from a list.' });
    expect(projectError(unknown)).toEqual({ what: unknown.message, hint: '`/openai-key limits` lists every project.' });
  });

  it('keeps the lookup’s own words otherwise (they carry the suggestions)', () => {
    const close = { kind: 'unknown' as const, query: 'Suport', suggestions: ['Support Bot'], message: 'No project called “Suport”. Did you mean Support Bot?' };
    expect(projectError(close, 'request')).toEqual({ what: close.message });
    expect(projectError({ kind: 'archived', project, message: 'Support Bot is archived.' })).toEqual({ what: 'Support Bot is archived.' });
  });
});
