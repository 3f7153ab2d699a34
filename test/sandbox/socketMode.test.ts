/** `npm run sandbox -- --socket`: the same sandbox with keywarden on Socket Mode, as the README describes. */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { DEMO_CHANNELS } from '../../src/sandbox/demoWorkspace.js';
import { sandboxTestClock } from './now.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSX = `${ROOT}node_modules/.bin/tsx`;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const RILEY = 'U0RILEY';

describe('the sandbox in Socket Mode', () => {
  let sandbox: RunningSandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({
      port: 0,
      redisUrl: REDIS_URL,
      namespace: `sbs${randomBytes(4).toString('hex')}`,
      now: sandboxTestClock(),
      slackMode: 'socket',
      logDestination: new Writable({ write: (_c, _e, done) => done() }),
    });
  });
  afterAll(async () => {
    await sandbox?.stop();
  });

  it('connects keywarden over a WebSocket and takes the page’s commands as envelopes', async () => {
    expect(sandbox.keywarden.config.slack.mode).toBe('socket');
    expect(sandbox.slack.socketMode.openConnectionCount()).toBe(1);
    const before = sandbox.slack.socketMode.envelopes().length;
    const response = await fetch(`http://127.0.0.1:${sandbox.port}/api/command`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ user: RILEY, channel: DEMO_CHANNELS.general.id, text: '/openai-key request Support Bot summarise support tickets each morning' }),
    });
    expect(((await response.json()) as { ok: boolean }).ok).toBe(true);
    const sent = sandbox.slack.socketMode.envelopes().slice(before);
    expect(sent.map((e) => e.type)).toContain('slash_commands');
    const deadline = Date.now() + 15_000;
    while (!sandbox.slack.messages(DEMO_CHANNELS.approvals.id).some((m) => JSON.stringify(m.blocks ?? []).includes('summarise support tickets'))) {
      if (Date.now() > deadline) throw new Error('the request never reached the approval channel');
      await new Promise((r) => setTimeout(r, 100));
    }
    // no signed HTTP request reached keywarden: the command came over the socket
    expect(sandbox.slack.callsTo('apps.connections.open').length).toBeGreaterThanOrEqual(1);
  }, 30_000);
});

describe('npm run sandbox -- <arguments>', () => {
  it('says Socket Mode when started with --socket, and refuses an unknown argument', async () => {
    const run = (args: string[]) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(TSX, ['src/sandbox/main.ts', ...args], { cwd: ROOT, env: { ...process.env, REDIS_URL, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        let stopping = false;
        child.stdout.on('data', (c: Buffer) => {
          stdout += c.toString('utf8');
          const url = /ready in \d+\.\d\d s: (http:\/\/localhost:\d+\/)/.exec(stdout)?.[1];
          if (url && !stopping) {
            stopping = true;
            // as a person would: the page answers, then Ctrl-C
            void fetch(url.replace('localhost', '127.0.0.1'))
              .catch(() => undefined)
              .finally(() => child.kill('SIGTERM'));
          }
        });
        child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
        child.once('exit', (code) => resolve({ code, stdout, stderr }));
      });
    const socket = await run(['--socket']);
    expect(socket.code).toBe(0);
    expect(socket.stdout).toContain('Socket Mode: keywarden holds a WebSocket to the emulated Slack');
    const wrong = await run(['--sockets']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('unknown argument “--sockets”');
  }, 60_000);
});
