import { describe, expect, it } from 'vitest';
import { formatConfigProblems } from '../../../src/platform/config/config.js';
import { readOpsConfig } from '../../../src/platform/config/opsConfig.js';

const problemsOf = (env: Record<string, string | undefined>) => {
  const result = readOpsConfig(env);
  if (result.ok) throw new Error(`expected problems, got ${JSON.stringify(result.value)}`);
  return result.error;
};

describe('readOpsConfig', () => {
  it('defaults to no dashboard and a 10 s shutdown', () => {
    expect(readOpsConfig({})).toEqual({ ok: true, value: { admin: null, shutdownSeconds: 10 } });
    // empty values count as unset, as in readConfig
    expect(readOpsConfig({ KEYWARDEN_ADMIN_USER: '', KEYWARDEN_ADMIN_PASSWORD: '', KEYWARDEN_SHUTDOWN_S: '' })).toEqual({
      ok: true,
      value: { admin: null, shutdownSeconds: 10 },
    });
  });

  it('turns the dashboard on, read-only, with both credentials', () => {
    const result = readOpsConfig({ KEYWARDEN_ADMIN_USER: 'ops', KEYWARDEN_ADMIN_PASSWORD: 'twelve-chars', KEYWARDEN_SHUTDOWN_S: '30' });
    expect(result).toEqual({ ok: true, value: { admin: { user: 'ops', password: 'twelve-chars', write: false }, shutdownSeconds: 30 } });
    expect(Object.isFrozen(result.ok && result.value.admin)).toBe(true);
  });

  it('allows writes only when KEYWARDEN_ADMIN_WRITE is true', () => {
    const env = { KEYWARDEN_ADMIN_USER: 'ops', KEYWARDEN_ADMIN_PASSWORD: 'a long password' };
    const write = (value: string) => {
      const result = readOpsConfig({ ...env, KEYWARDEN_ADMIN_WRITE: value });
      return result.ok ? result.value.admin?.write : null;
    };
    expect(write('true')).toBe(true);
    expect(write('false')).toBe(false);
    expect(problemsOf({ ...env, KEYWARDEN_ADMIN_WRITE: 'yes' })).toEqual([{ variable: 'KEYWARDEN_ADMIN_WRITE', problem: 'true or false' }]);
  });

  it('wants both credentials or neither', () => {
    expect(problemsOf({ KEYWARDEN_ADMIN_USER: 'ops' })).toEqual([
      { variable: 'KEYWARDEN_ADMIN_PASSWORD', problem: expect.stringMatching(/^required with KEYWARDEN_ADMIN_USER/) },
    ]);
    expect(problemsOf({ KEYWARDEN_ADMIN_PASSWORD: 'a long password' })).toEqual([
      { variable: 'KEYWARDEN_ADMIN_USER', problem: expect.stringMatching(/^required with KEYWARDEN_ADMIN_PASSWORD/) },
    ]);
  });

  it('wants a password of at least 12 characters and a user name without a colon', () => {
    expect(problemsOf({ KEYWARDEN_ADMIN_USER: 'ops', KEYWARDEN_ADMIN_PASSWORD: 'elevenchars' })).toEqual([
      { variable: 'KEYWARDEN_ADMIN_PASSWORD', problem: expect.stringMatching(/^at least 12 characters/) },
    ]);
    expect(readOpsConfig({ KEYWARDEN_ADMIN_USER: 'ops', KEYWARDEN_ADMIN_PASSWORD: 'twelve chars' }).ok).toBe(true);
    expect(problemsOf({ KEYWARDEN_ADMIN_USER: 'o:ps', KEYWARDEN_ADMIN_PASSWORD: 'a long password' })).toEqual([
      { variable: 'KEYWARDEN_ADMIN_USER', problem: expect.stringContaining('without ":"') },
    ]);
  });

  it('refuses writing switched on without a dashboard', () => {
    expect(problemsOf({ KEYWARDEN_ADMIN_WRITE: 'true' })).toEqual([
      { variable: 'KEYWARDEN_ADMIN_WRITE', problem: expect.stringContaining('set KEYWARDEN_ADMIN_USER and KEYWARDEN_ADMIN_PASSWORD too') },
    ]);
  });

  it.each(['0', '121', '2.5', 'ten', '-1'])('refuses KEYWARDEN_SHUTDOWN_S=%s', (value) => {
    expect(problemsOf({ KEYWARDEN_SHUTDOWN_S: value })).toEqual([{ variable: 'KEYWARDEN_SHUTDOWN_S', problem: 'a whole number of seconds from 1 to 120' }]);
  });

  it('accepts KEYWARDEN_SHUTDOWN_S at both ends of its range', () => {
    for (const [value, seconds] of [
      ['1', 1],
      ['120', 120],
    ] as const) {
      const result = readOpsConfig({ KEYWARDEN_SHUTDOWN_S: value });
      expect(result.ok && result.value.shutdownSeconds).toBe(seconds);
    }
  });

  it('names every problem at once, in the format start-up prints', () => {
    const problems = problemsOf({ KEYWARDEN_ADMIN_USER: 'ops', KEYWARDEN_ADMIN_PASSWORD: 'short', KEYWARDEN_ADMIN_WRITE: 'on', KEYWARDEN_SHUTDOWN_S: '500' });
    expect(problems.map((p) => p.variable).sort()).toEqual(['KEYWARDEN_ADMIN_PASSWORD', 'KEYWARDEN_ADMIN_WRITE', 'KEYWARDEN_SHUTDOWN_S']);
    const text = formatConfigProblems(problems);
    expect(text).toContain('3 configuration problems');
    expect(text).toContain('  - KEYWARDEN_SHUTDOWN_S: a whole number of seconds from 1 to 120');
    // the password itself is never repeated back
    expect(text).not.toContain('short');
  });
});
