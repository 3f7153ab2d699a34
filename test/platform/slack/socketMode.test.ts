/**
 * Socket Mode's own cases, with the real app connected to the emulator over a WebSocket: it connects where
 * SLACK_API_URL points, a reconnect asked for mid-flow loses no command, a redelivered envelope is handled once,
 * and a wrong app-level token stops start-up with a clear message naming SLACK_APP_TOKEN.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../../../src/platform/config/config.js';
import { startKeywarden } from '../../../src/main.js';
import { SlackSettingRefused } from '../../../src/platform/slack/app.js';
import { createLogger } from '../../../src/platform/log.js';
import { APPROVAL_CHANNEL, GENERAL_CHANNEL, USERS, startHarness, type Harness } from '../../support/harness.js';
import { startEmulatedWorkspace } from '../../support/workspace.js';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ mode: 'socket' });
});
afterAll(async () => {
  await h?.stop();
});

const requestMessagesFor = (purpose: string) => h.slack.messages(APPROVAL_CHANNEL).filter((m) => JSON.stringify(m.blocks).includes(purpose));
/** keywarden's own log of the requests it handled with this trigger id (one line per handling) */
const handlingsOf = (triggerId: string) => h.logLines.filter((l) => l.includes('"msg":"slack request"') && l.includes(triggerId));
const ephemeralsMatching = (userId: string, pattern: RegExp) => h.slack.ephemerals(userId).filter((e) => pattern.test(`${e.text ?? ''} ${JSON.stringify(e.blocks ?? [])}`));

describe('connecting', () => {
  it('opens its connection through SLACK_API_URL with the app-level token', () => {
    expect(h.config.slack).toMatchObject({ mode: 'socket', apiUrl: h.slack.apiUrl });
    const opens = h.slack.callsTo('apps.connections.open');
    expect(opens).toHaveLength(1);
    expect(opens[0]?.ok).toBe(true);
    expect(h.slack.socketMode.connections()).toHaveLength(1);
    expect(h.slack.socketMode.openConnectionCount()).toBe(1);
    // the app-level token never reaches the log
    expect(h.logLines.join('')).not.toContain(h.slack.appToken);
  });
});

describe('a reconnect asked for mid-flow', () => {
  it('loses no command: those sent before, around and after refresh_requested are each handled once', async () => {
    const purposes = Array.from({ length: 6 }, (_, i) => `reconnect check number ${i} ${randomBytes(3).toString('hex')}`);
    // six people, each with a first request, so no command is answered with a duplicate warning instead
    const people = purposes.map((_, i) => `U0RECONN${i}${randomBytes(2).toString('hex').toUpperCase()}`);
    for (const [i, id] of people.entries()) h.slack.addUser({ id, name: `reconnect${i}` });
    const send = (purpose: string) =>
      h.driver.slashCommand({ userId: people[purposes.indexOf(purpose)]!, text: `request Support Bot ${purpose}`, channelId: GENERAL_CHANNEL });
    const opensBefore = h.slack.callsTo('apps.connections.open').length;

    const before = await send(purposes[0]!);
    expect(before.status).toBe(200);
    const inFlight = [send(purposes[1]!), send(purposes[2]!)];
    expect(h.slack.socketMode.disconnect('refresh_requested')).toBe(1);
    const around = [send(purposes[3]!), send(purposes[4]!)];
    const answers = await Promise.all([...inFlight, ...around]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    const after = await send(purposes[5]!);
    expect(after.status).toBe(200);

    for (const purpose of purposes) await h.waitFor(() => requestMessagesFor(purpose).length > 0, 20_000);
    await new Promise((r) => setTimeout(r, 1_000));
    for (const purpose of purposes) expect(requestMessagesFor(purpose), purpose).toHaveLength(1);
    for (const answer of [before, ...answers, after]) expect(handlingsOf(answer.triggerId)).toHaveLength(1);
    // a fresh URL from apps.connections.open, on a second connection
    expect(h.slack.callsTo('apps.connections.open').length).toBe(opensBefore + 1);
    const connections = h.slack.socketMode.connections();
    expect(connections).toHaveLength(2);
    expect(connections[0]).toMatchObject({ disconnects: ['refresh_requested'], closedAt: expect.any(Number) });
    expect(connections[1]?.closedAt).toBeUndefined();
  });
});

describe('an envelope redelivered after a missed ack', () => {
  it('is handled once: one request, one reply, and the redelivery acknowledged', async () => {
    const purpose = `redelivery check ${randomBytes(3).toString('hex')}`;
    const person = `U0REDELIV${randomBytes(2).toString('hex').toUpperCase()}`;
    h.slack.addUser({ id: person, name: 'redelivery' });
    const repliesBefore = ephemeralsMatching(person, /waiting for an approver/).length;
    const envelopesBefore = h.slack.socketMode.envelopes().length;
    h.slack.socketMode.loseNextAcks(1);
    const res = await h.driver.slashCommand({ userId: person, text: `request Support Bot ${purpose}`, channelId: GENERAL_CHANNEL });
    expect(res.status).toBe(200);
    const sent = h.slack.socketMode.envelopes().slice(envelopesBefore);
    expect(sent.map((e) => [e.retryAttempt, e.retryReason])).toEqual([
      [0, ''],
      [1, 'timeout'],
    ]);
    await h.waitFor(() => requestMessagesFor(purpose).length > 0);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(requestMessagesFor(purpose)).toHaveLength(1);
    expect(ephemeralsMatching(person, /waiting for an approver/).length - repliesBefore).toBe(1);
    expect(handlingsOf(res.triggerId)).toHaveLength(1);
    expect(h.logLines.some((l) => l.includes('acknowledged it without handling it twice'))).toBe(true);
  });

  it('replays the first answer when the answer was the ack itself (a command error), shown once', async () => {
    const word = `frobnicate${randomBytes(2).toString('hex')}`;
    h.slack.socketMode.loseNextAcks(1);
    const res = await h.driver.slashCommand({ userId: USERS.outsider, text: word, channelId: GENERAL_CHANNEL });
    expect(res.status).toBe(200);
    // the redelivery's ack carries the same error notice the lost ack did
    const acks = h.slack.socketMode.acks().filter((a) => JSON.stringify(a.payload ?? {}).includes(word));
    expect(acks.map((a) => a.lost)).toEqual([true, false]);
    expect(acks[1]?.payload).toEqual(acks[0]?.payload);
    expect(ephemeralsMatching(USERS.outsider, new RegExp(word))).toHaveLength(1);
    expect(handlingsOf(res.triggerId)).toHaveLength(1);
  });
});

describe('acknowledgements kept for redelivery', () => {
  it('never keep a whole key someone pasted: the stored answer has only its masked form', async () => {
    const whole = `sk-svcacct-${randomBytes(24).toString('base64url')}`;
    const res = await h.driver.slashCommand({ userId: USERS.requester, text: `revoke ${whole}`, channelId: GENERAL_CHANNEL });
    expect(res.status).toBe(200);
    const stored: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await h.redis.scan(cursor, 'MATCH', `${h.namespace}:*`, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) if ((await h.redis.type(key)) === 'string') stored.push((await h.redis.get(key)) ?? '');
    } while (cursor !== '0');
    expect(stored.some((v) => v.includes('masked form'))).toBe(true);
    expect(stored.filter((v) => v.includes(whole.slice(11)))).toEqual([]);
  });
});

describe('a wrong app-level token', () => {
  it('makes startKeywarden throw a setting problem naming SLACK_APP_TOKEN, and leaves nothing running', async () => {
    const ws = await startEmulatedWorkspace({ namespace: `t${randomBytes(5).toString('hex')}` });
    try {
      const parsed = readConfig({ ...ws.env, SLACK_APP_TOKEN: 'xapp-1-not-the-right-one', PORT: '0' });
      if (!parsed.ok) throw new Error('config');
      const log = createLogger({ level: 'silent' });
      const started = startKeywarden(parsed.value, { log, host: '127.0.0.1' });
      await expect(started).rejects.toBeInstanceOf(SlackSettingRefused);
      await expect(started).rejects.toMatchObject({ variable: 'SLACK_APP_TOKEN', problem: expect.stringMatching(/invalid_auth/) });
      expect(ws.slack.callsTo('apps.connections.open').map((c) => c.error)).toEqual(['invalid_auth']);
    } finally {
      await Promise.all([ws.slack.close(), ws.openai.close()]);
    }
  });

  it('stops the process with exit code 2 and a one-line reason, no stack trace, no token', async () => {
    const ws = await startEmulatedWorkspace({ namespace: `t${randomBytes(5).toString('hex')}` });
    const wrongToken = `xapp-1-${randomBytes(12).toString('hex')}`;
    try {
      const env = { ...ws.env, SLACK_APP_TOKEN: wrongToken, PORT: '0', LOG_LEVEL: 'warn', PATH: process.env.PATH ?? '' };
      const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
        child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
        const timer = setTimeout(() => child.kill('SIGKILL'), 25_000);
        child.on('error', reject);
        child.on('close', (c) => {
          clearTimeout(timer);
          resolve({ code: c, stdout: out, stderr: err });
        });
      });
      expect(code, stderr).toBe(2);
      expect(stderr).toContain('keywarden cannot start: 1 configuration problem');
      expect(stderr).toMatch(/^ {2}- SLACK_APP_TOKEN: Slack refused the app-level token \(apps\.connections\.open answered invalid_auth\)/m);
      expect(stderr).not.toMatch(/^\s+at /m);
      expect(stdout + stderr).not.toContain(wrongToken);
    } finally {
      await Promise.all([ws.slack.close(), ws.openai.close()]);
    }
  });
});
