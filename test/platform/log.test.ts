import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, redactSecretText, REDACTED, type LoggerOptions } from '../../src/platform/log.js';

type Captured = { lines: string[]; text: () => string; records: () => Array<Record<string, unknown>> };

function capture(): { destination: Writable } & Captured {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      lines.push(...chunk.toString().split('\n').filter((line) => line.length > 0));
      callback();
    },
  });
  return {
    destination,
    lines,
    text: () => lines.join('\n'),
    records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

function loggerWithCapture(opts: Omit<LoggerOptions, 'destination'> = {}) {
  const out = capture();
  return { log: createLogger({ ...opts, destination: out.destination }), out };
}

const TOKENS = {
  openaiPlain: 'sk-Abc123def456ghi789',
  openaiProject: 'sk-proj-AbCdEf_123-456GhIjKlMn',
  openaiAdmin: 'sk-admin-ZyXwVuT_98765-4321',
  openaiServiceAccount: 'sk-svcacct-QwErTy_uiop-1234567',
  slackBot: 'xoxb-1234567890-0987654321-AbCdEfGhIjKl',
  slackUser: 'xoxp-1111-2222-3333-abcdef',
  slackRotated: 'xoxe.xoxp-1-Mi0yLTEyMzQ1Ng',
  slackApp: 'xapp-1-A0123456-7890-abcdef0123',
} as const;

function expectNoTokens(text: string): void {
  for (const token of Object.values(TOKENS)) expect(text).not.toContain(token);
  // No recognisable tail of a token either.
  expect(text).not.toMatch(/sk-[A-Za-z0-9]{4}|xox[a-z]-\d|xapp-\d/);
}

describe('createLogger', () => {
  it('writes one JSON line per call with msg, level and base fields', () => {
    const { log, out } = loggerWithCapture({ base: { service: 'keywarden' } });
    log.info({ requestId: 'req_1' }, 'request opened');
    log.debug('not at info level');
    expect(out.records()).toHaveLength(1);
    expect(out.records()[0]).toMatchObject({ level: 30, msg: 'request opened', requestId: 'req_1', service: 'keywarden' });
    expect(out.records()[0]?.pid).toBe(process.pid);
  });

  it('scrubs every token form from the message string', () => {
    const { log, out } = loggerWithCapture();
    for (const [name, token] of Object.entries(TOKENS)) log.info(`${name} is ${token}, done`);
    expectNoTokens(out.text());
    expect(out.records().map((r) => r.msg)).toEqual(Object.keys(TOKENS).map((name) => `${name} is ${REDACTED}, done`));
  });

  it('scrubs tokens from nested fields and arrays, and redacts sensitive field names at any depth', () => {
    const { log, out } = loggerWithCapture();
    log.info(
      {
        request: { meta: { note: `issued ${TOKENS.openaiProject}`, list: [TOKENS.slackBot, { deeper: [TOKENS.slackApp] }] } },
        config: { slack: { signingSecret: 'plain-signing-secret-value', botToken: 'not-token-shaped-bot' } },
        headers: { Authorization: 'Basic dXNlcjpwYXNzd29yZA==' },
        created: { api_key: { id: 'key_abc', value: 'emulated-key-material' } },
        key: { value: 'another-key-material' },
        'OPENAI_ADMIN_KEY': 'admin-key-material',
      },
      'nested',
    );
    const text = out.text();
    expectNoTokens(text);
    for (const plain of ['plain-signing-secret-value', 'not-token-shaped-bot', 'dXNlcjpwYXNzd29yZA', 'emulated-key-material', 'another-key-material', 'admin-key-material']) {
      expect(text).not.toContain(plain);
    }
    const [record] = out.records();
    expect(record).toMatchObject({
      request: { meta: { note: `issued ${REDACTED}`, list: [REDACTED, { deeper: [REDACTED] }] } },
      config: { slack: { signingSecret: REDACTED, botToken: REDACTED } },
      headers: { Authorization: REDACTED },
      key: { value: REDACTED },
    });
  });

  it('scrubs error messages, stacks, causes and error fields, including the msg pino derives from an error', () => {
    const { log, out } = loggerWithCapture();
    const cause = new Error(`upstream rejected ${TOKENS.openaiAdmin}`);
    const error = Object.assign(new TypeError(`cannot use ${TOKENS.openaiServiceAccount}`, { cause }), {
      code: 'E_KEY',
      detail: `bot ${TOKENS.slackBot}`,
    });
    log.error(error);
    log.error({ err: error }, 'provisioning failed');
    log.error({ err: error });
    expect(error.message).toContain(TOKENS.openaiServiceAccount); // the caller's error is untouched

    expectNoTokens(out.text());
    const records = out.records();
    expect(records).toHaveLength(3);
    expect(records.map((r) => r.msg)).toEqual([`cannot use ${REDACTED}`, 'provisioning failed', `cannot use ${REDACTED}`]);
    const err = records[0]?.err as { type: string; message: string; stack: string; code: string; detail: string };
    expect(err.type).toBe('TypeError');
    expect(err.message).toContain(`cannot use ${REDACTED}`);
    expect(err.message).toContain(`upstream rejected ${REDACTED}`);
    expect(err.stack).toContain('TypeError: cannot use [redacted]');
    expect(err.stack).toContain('log.test.ts');
    expect(err.code).toBe('E_KEY');
    expect(err.detail).toBe(`bot ${REDACTED}`);
  });

  it('scrubs a token that only forms after %s interpolation', () => {
    const { log, out } = loggerWithCapture();
    log.info('key sk-%s issued', 'proj-AbCdEf123456');
    expect(out.text()).not.toContain('AbCdEf123456');
    expect(out.records()[0]?.msg).toBe(`key ${REDACTED} issued`);
  });

  it('scrubs exact registered secrets, including ones JSON has to escape, in every logger and child', () => {
    const configured = 'configured-secret-0123456789';
    const awkward = 'quote"and\\backslash-secret';
    const { log, out } = loggerWithCapture({ secrets: [configured] });
    const child = log.child({ component: 'slack' });
    log.registerSecret(awkward);
    log.info({ note: `signing ${configured}` }, `keywarden secret is ${awkward}`);
    child.warn(`child sees ${configured} and ${awkward}`);
    child.info({ nested: [{ text: awkward }] }, 'array');
    const text = out.text();
    expect(text).not.toContain(configured);
    expect(text).not.toContain(awkward);
    expect(text).not.toContain(JSON.stringify(awkward).slice(1, -1));
    expect(out.records().map((r) => r.msg)).toEqual([`keywarden secret is ${REDACTED}`, `child sees ${REDACTED} and ${REDACTED}`, 'array']);
    expect(out.records()[0]?.note).toBe(`signing ${REDACTED}`);
    expect(out.records()[2]?.nested).toEqual([{ text: REDACTED }]);
  });

  it('scrubs child bindings and base fields', () => {
    const { log, out } = loggerWithCapture({ base: { service: 'keywarden', started: `with ${TOKENS.slackApp}` } });
    const child = log.child({ botToken: 'xoxb-not-really-but-secret', team: `T1 ${TOKENS.slackUser}` });
    child.info('hello');
    child.child({ openai: { adminApiKey: 'grandchild-admin-key', org: `org ${TOKENS.openaiAdmin}` } }).info('grandchild');
    expectNoTokens(out.text());
    expect(out.text()).not.toContain('not-really-but-secret');
    expect(out.text()).not.toContain('grandchild-admin-key');
    const [first, second] = out.records();
    expect(first).toMatchObject({ service: 'keywarden', started: `with ${REDACTED}`, botToken: REDACTED, team: `T1 ${REDACTED}` });
    expect(second).toMatchObject({ botToken: REDACTED, openai: { adminApiKey: REDACTED, org: `org ${REDACTED}` }, msg: 'grandchild' });
  });

  it('keeps ordinary text, ids and amounts as they are', () => {
    const { log, out } = loggerWithCapture();
    const ordinary = {
      summary: 'risk-assessment-matrix for task-management-board, see ask-questions-channel',
      project: 'proj_abc123',
      user: 'U012ABCDEF',
      redisKey: '{kw}:request:req_01',
      amount: { value: 12.5, currency: 'usd' },
      costs: [{ amount: { value: '3.25' } }],
      maxTokens: 4096,
    };
    log.info(ordinary, 'keywarden approved request req_01 for proj_abc123 (desk-booking-service)');
    const [record] = out.records();
    expect(record).toMatchObject({ ...ordinary, msg: 'keywarden approved request req_01 for proj_abc123 (desk-booking-service)' });
    expect(out.text()).not.toContain(REDACTED);
  });

  it('does not change the objects it is given and survives circular references', () => {
    const { log, out } = loggerWithCapture();
    const payload: Record<string, unknown> = { token: TOKENS.slackBot, inner: { text: TOKENS.openaiPlain } };
    payload.self = payload;
    log.info(payload, 'circular');
    expect(payload.token).toBe(TOKENS.slackBot);
    expect((payload.inner as { text: string }).text).toBe(TOKENS.openaiPlain);
    expectNoTokens(out.text());
    expect(out.records()[0]).toMatchObject({ token: REDACTED, inner: { text: REDACTED }, self: '[Circular]' });
  });

  it('refuses secrets too short to scrub without mangling ordinary text, and ignores empty ones', () => {
    const { log } = loggerWithCapture();
    expect(() => log.registerSecret('short')).toThrow(RangeError);
    expect(() => log.registerSecret('')).not.toThrow();
  });
});

describe('redactSecretText', () => {
  it('replaces token shapes and exact secrets, longest secret first', () => {
    expect(redactSecretText(`a ${TOKENS.openaiProject} b ${TOKENS.slackRotated} c`)).toBe(`a ${REDACTED} b ${REDACTED} c`);
    expect(redactSecretText('Authorization: Bearer abcdef.ghijkl-mnop')).toBe(`Authorization: ${REDACTED}`);
    expect(redactSecretText('x secret-one-long y', ['secret-one', 'secret-one-long'])).toBe(`x ${REDACTED} y`);
    expect(redactSecretText('the risk-assessment stays')).toBe('the risk-assessment stays');
    expect(redactSecretText('hint sk-svcacct-\u2026AbCd and sk-admin-\u2026Wxyz')).toBe('hint sk-svcacct-\u2026AbCd and sk-admin-\u2026Wxyz');
    expect(redactSecretText(`cut ${TOKENS.openaiServiceAccount.slice(0, 20)}\u2026`)).toBe(`cut ${REDACTED}\u2026`);
  });
});
