import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { formatConfigProblems, readConfig, type Config, type ConfigProblem } from '../../../src/platform/config/config.js';

const SECRET_BASE64 = randomBytes(32).toString('base64');

/** Only the variables without a default: everything else must come from the documented defaults. */
const minimalEnv = (): Record<string, string> => ({
  SLACK_BOT_TOKEN: 'xoxb-1111-2222-abcdefghijkl',
  SLACK_SIGNING_SECRET: 'signing-secret-0123456789abcdef',
  OPENAI_ADMIN_KEY: 'sk-admin-abcdefghijklmnopqrstuvwxyz',
  KEYWARDEN_APPROVAL_CHANNEL: 'C0APPROVALS',
  KEYWARDEN_ALERT_CHANNEL: 'C0SPENDALERTS',
  KEYWARDEN_APPROVERS: 'U0APPROVER1',
  KEYWARDEN_SECRET: SECRET_BASE64,
});

const fullEnv = (): Record<string, string> => ({
  ...minimalEnv(),
  SLACK_API_URL: 'http://127.0.0.1:4000/api/',
  OPENAI_BASE_URL: 'http://127.0.0.1:4001/v1',
  OPENAI_TIMEOUT_MS: '5000',
  REDIS_URL: 'redis://10.0.0.5:6380/2',
  KEYWARDEN_NAMESPACE: 'staging',
  PORT: '8080',
  KEYWARDEN_APPROVERS: 'U0APPROVER1, S0APPROVERS ,W0ENTERPRISE',
  KEYWARDEN_ADMINS: 'U0ADMIN0001',
  KEYWARDEN_REQUEST_TTL: '2d',
  KEYWARDEN_REVEAL_TTL: '1h30m',
  KEYWARDEN_KEY_DAYS: '14, 60',
  LOG_LEVEL: 'debug',
});

function parse(env: Record<string, string | undefined>): Config {
  const result = readConfig(env);
  if (!result.ok) throw new Error(`expected a valid config, got ${JSON.stringify(result.error)}`);
  return result.value;
}

function problemsOf(env: Record<string, string | undefined>): ConfigProblem[] {
  const result = readConfig(env);
  if (result.ok) throw new Error('expected configuration problems, got a valid config');
  return result.error;
}

function problemFor(problems: readonly ConfigProblem[], variable: string): string {
  const found = problems.filter((p) => p.variable === variable);
  expect(found, `problems for ${variable}`).toHaveLength(1);
  return found[0]!.problem;
}

describe('readConfig with a valid environment', () => {
  it('reads every variable', () => {
    const config = parse(fullEnv());
    expect(config.slack).toEqual({
      botToken: 'xoxb-1111-2222-abcdefghijkl',
      signingSecret: 'signing-secret-0123456789abcdef',
      appToken: null,
      apiUrl: 'http://127.0.0.1:4000/api/',
      mode: 'http',
    });
    expect(config.openai).toEqual({ adminKey: 'sk-admin-abcdefghijklmnopqrstuvwxyz', baseUrl: 'http://127.0.0.1:4001/v1', timeoutMs: 5000 });
    expect(config.redis).toEqual({ kind: 'single', url: 'redis://10.0.0.5:6380/2' });
    expect(config.namespace).toBe('staging');
    expect(config.port).toBe(8080);
    expect(config.approvalChannel).toBe('C0APPROVALS');
    expect(config.alertChannel).toBe('C0SPENDALERTS');
    expect(config.approvers).toEqual(['U0APPROVER1', 'S0APPROVERS', 'W0ENTERPRISE']);
    expect(config.admins).toEqual(['U0ADMIN0001']);
    expect(Buffer.isBuffer(config.secret)).toBe(true);
    expect(config.secret.equals(Buffer.from(SECRET_BASE64, 'base64'))).toBe(true);
    expect(config.requestTtlMs).toBe(2 * 24 * 3_600_000);
    expect(config.revealTtlMs).toBe(90 * 60_000);
    expect(config.keyDays).toEqual({ default: 14, max: 60 });
    expect(config.logLevel).toBe('debug');
  });

  it('fills in the documented defaults', () => {
    const config = parse(minimalEnv());
    expect(config.redis).toEqual({ kind: 'single', url: 'redis://127.0.0.1:6379' });
    expect(config.port).toBe(3000);
    expect(config.requestTtlMs).toBe(72 * 3_600_000);
    expect(config.revealTtlMs).toBe(24 * 3_600_000);
    expect(config.keyDays).toEqual({ default: 30, max: 90 });
    expect(config.namespace).toBe('');
    expect(config.admins).toEqual([]);
    expect(config.logLevel).toBe('info');
    expect(config.openai.baseUrl).toBeNull();
    expect(config.slack.apiUrl).toBeNull();
    expect(config.slack.mode).toBe('http');
  });

  it('treats empty variables as unset', () => {
    const config = parse({ ...minimalEnv(), PORT: '', REDIS_URL: '', KEYWARDEN_KEY_DAYS: '', SLACK_APP_TOKEN: '' });
    expect(config.port).toBe(3000);
    expect(config.redis).toEqual({ kind: 'single', url: 'redis://127.0.0.1:6379' });
    expect(config.keyDays).toEqual({ default: 30, max: 90 });
    expect(config.slack.mode).toBe('http');
  });

  it('returns a deeply frozen object', () => {
    const config = parse(fullEnv());
    expect(Object.isFrozen(config)).toBe(true);
    for (const nested of [config.slack, config.openai, config.keyDays, config.approvers, config.admins]) {
      expect(Object.isFrozen(nested)).toBe(true);
    }
    expect(() => {
      (config as { port: number }).port = 1;
    }).toThrow(TypeError);
    expect(() => {
      (config.slack as { botToken: string }).botToken = 'xoxb-other';
    }).toThrow(TypeError);
    expect(() => (config.approvers as string[]).push('U0INTRUDER')).toThrow(TypeError);
    expect(config.port).toBe(8080);
    expect(config.slack.botToken).toBe('xoxb-1111-2222-abcdefghijkl');
  });

  it('accepts the secret as 64 hex digits', () => {
    const hex = randomBytes(32).toString('hex');
    expect(parse({ ...minimalEnv(), KEYWARDEN_SECRET: hex }).secret.toString('hex')).toBe(hex);
    expect(parse({ ...minimalEnv(), KEYWARDEN_SECRET: hex.toUpperCase() }).secret.toString('hex')).toBe(hex);
  });

  it('runs in Socket Mode when SLACK_APP_TOKEN is set, without a signing secret', () => {
    const { SLACK_SIGNING_SECRET: _unused, ...env } = minimalEnv();
    const config = parse({ ...env, SLACK_APP_TOKEN: 'xapp-1-A0APP-123-abcdef' });
    expect(config.slack.mode).toBe('socket');
    expect(config.slack.appToken).toBe('xapp-1-A0APP-123-abcdef');
    expect(config.slack.signingSecret).toBeNull();
  });

  it('requires the signing secret in HTTP mode', () => {
    const { SLACK_SIGNING_SECRET: _unused, ...env } = minimalEnv();
    const problems = problemsOf(env);
    expect(problems).toHaveLength(1);
    expect(problemFor(problems, 'SLACK_SIGNING_SECRET')).toMatch(/required.*HTTP mode.*SLACK_APP_TOKEN/);
  });
});

describe('readConfig with a broken environment', () => {
  const shortBase64 = randomBytes(16).toString('base64');
  const shortHex = randomBytes(31).toString('hex');
  const broken: Record<string, string> = {
    // SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET missing
    SLACK_APP_TOKEN: 'xoxb-not-an-app-token',
    OPENAI_ADMIN_KEY: 'sk-proj-notanadminkey1234567890',
    KEYWARDEN_SECRET: shortBase64,
    KEYWARDEN_REQUEST_TTL: '72',
    KEYWARDEN_REVEAL_TTL: '3 fortnights',
    KEYWARDEN_APPROVERS: 'U0APPROVER1,bob,#approvers',
    KEYWARDEN_ADMINS: 'admin@example.com',
    KEYWARDEN_KEY_DAYS: '90,30',
    PORT: '70000',
    KEYWARDEN_APPROVAL_CHANNEL: '#approvals',
    // valid: the one variable here without a problem
    KEYWARDEN_ALERT_CHANNEL: 'C0SPENDALERTS',
    REDIS_URL: 'http://127.0.0.1:6379',
    SLACK_API_URL: 'not a url',
    KEYWARDEN_NAMESPACE: 'has spaces',
  };

  /** one problem each, and nothing else */
  const BROKEN_VARIABLES = [...Object.keys(broken).filter((v) => v !== 'KEYWARDEN_ALERT_CHANNEL'), 'SLACK_BOT_TOKEN'].sort();

  it('returns every problem at once, each naming its variable and what it expects', () => {
    const problems = problemsOf(broken);
    expect(problemFor(problems, 'SLACK_BOT_TOKEN')).toMatch(/^required: .*xoxb-/);
    expect(problemFor(problems, 'SLACK_APP_TOKEN')).toMatch(/xapp-/);
    expect(problemFor(problems, 'OPENAI_ADMIN_KEY')).toMatch(/sk-admin-/);
    expect(problemFor(problems, 'KEYWARDEN_SECRET')).toMatch(/32 bytes as base64 or hex.*decodes to 16 bytes/);
    expect(problemFor(problems, 'KEYWARDEN_REQUEST_TTL')).toMatch(/a duration such as 72h.*"72" needs a unit/);
    expect(problemFor(problems, 'KEYWARDEN_REVEAL_TTL')).toMatch(/a duration such as 72h.*"fortnights" is not a unit/);
    const approvers = problemFor(problems, 'KEYWARDEN_APPROVERS');
    expect(approvers).toMatch(/U… user ids or S… user-group ids/);
    expect(approvers).toContain('bob, #approvers');
    expect(approvers).not.toContain('U0APPROVER1');
    expect(problemFor(problems, 'KEYWARDEN_ADMINS')).toContain('admin@example.com');
    expect(problemFor(problems, 'KEYWARDEN_KEY_DAYS')).toMatch(/default,maximum.*default <= maximum/);
    expect(problemFor(problems, 'PORT')).toMatch(/port/i);
    expect(problemFor(problems, 'KEYWARDEN_APPROVAL_CHANNEL')).toMatch(/channel id such as C0123456789/);
    expect(problemFor(problems, 'REDIS_URL')).toMatch(/redis:\/\//);
    expect(problemFor(problems, 'SLACK_API_URL')).toMatch(/http\(s\) URL/);
    expect(problemFor(problems, 'KEYWARDEN_NAMESPACE')).toMatch(/letters, digits/);
    // an app token was given (though malformed), so the signing secret is not demanded on top
    expect(problems.map((p) => p.variable).sort()).toEqual(BROKEN_VARIABLES);
  });

  it('reports a missing signing secret alongside the other problems in HTTP mode', () => {
    const { SLACK_APP_TOKEN: _unused, ...env } = broken;
    const problems = problemsOf(env);
    expect(problemFor(problems, 'SLACK_SIGNING_SECRET')).toMatch(/^required in HTTP mode/);
    expect(problems.map((p) => p.variable).sort()).toEqual(
      [...BROKEN_VARIABLES.filter((v) => v !== 'SLACK_APP_TOKEN'), 'SLACK_SIGNING_SECRET'].sort(),
    );
  });

  it('measures a hex secret of the wrong length as hex', () => {
    expect(problemFor(problemsOf({ ...minimalEnv(), KEYWARDEN_SECRET: shortHex }), 'KEYWARDEN_SECRET')).toMatch(/decodes to 31 bytes/);
    const longHex = randomBytes(33).toString('hex');
    expect(problemFor(problemsOf({ ...minimalEnv(), KEYWARDEN_SECRET: longHex }), 'KEYWARDEN_SECRET')).toMatch(/decodes to 33 bytes/);
  });

  it.each([
    ['0,30', 'a default of zero'],
    ['30,0', 'a maximum of zero'],
    ['30,4000', 'a maximum above ten years'],
    ['30', 'one number'],
    ['30,90,120', 'three numbers'],
    ['thirty,ninety', 'words'],
  ])('rejects KEYWARDEN_KEY_DAYS=%s (%s)', (value) => {
    expect(problemFor(problemsOf({ ...minimalEnv(), KEYWARDEN_KEY_DAYS: value }), 'KEYWARDEN_KEY_DAYS')).toMatch(/default,maximum/);
  });

  it.each(['-1', '65536', 'http', '80.5'])('rejects PORT=%s', (value) => {
    expect(problemFor(problemsOf({ ...minimalEnv(), PORT: value }), 'PORT')).toMatch(/port/i);
  });

  it('says which required variables are missing from an empty environment', () => {
    const problems = problemsOf({});
    expect(problems.map((p) => p.variable).sort()).toEqual(
      ['KEYWARDEN_ALERT_CHANNEL', 'KEYWARDEN_APPROVAL_CHANNEL', 'KEYWARDEN_APPROVERS', 'KEYWARDEN_SECRET', 'OPENAI_ADMIN_KEY', 'SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET'].sort(),
    );
    for (const p of problems) expect(p.problem, p.variable).toMatch(/^(required|at least one)/);
  });

  it('formats every problem on its own line', () => {
    const problems = problemsOf(broken);
    const text = formatConfigProblems(problems);
    const lines = text.split('\n');
    expect(lines[0]).toBe(`keywarden cannot start: ${problems.length} configuration problems`);
    for (const p of problems) expect(lines).toContain(`  - ${p.variable}: ${p.problem}`);
    expect(lines.filter((l) => l.startsWith('  - '))).toHaveLength(problems.length);
    expect(formatConfigProblems([{ variable: 'PORT', problem: 'a TCP port number' }])).toMatch(/^keywarden cannot start: 1 configuration problem\n/);
  });
});
