/**
 * Two sandboxes on one Redis, as two `npm run sandbox` in two terminals: each takes its own namespace (named after
 * its page's port) and so its own queues; starting or stopping one leaves the other's data alone.
 */
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { DEMO_CHANNELS } from '../../src/sandbox/demoWorkspace.js';
import { sandboxTestClock } from './now.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ADRIAN = 'U0ADRIAN';
const quiet = () => new Writable({ write: (_c, _e, done) => done() });
const redis = new Redis(REDIS_URL, { protocol: 2 });
const running: RunningSandbox[] = [];

afterAll(async () => {
  await Promise.all(running.map((s) => s.stop()));
  redis.disconnect();
});

async function keysOf(namespace: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${namespace}:*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...found);
  } while (cursor !== '0');
  return keys;
}

async function until<T>(probe: () => Promise<T | undefined | null | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Sets Support Bot's limits as the admin and waits until keywarden announced them in #openai-spend. */
async function setLimits(sandbox: RunningSandbox, soft: number): Promise<void> {
  const response = await fetch(`http://127.0.0.1:${sandbox.port}/api/command`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ user: ADRIAN, channel: DEMO_CHANNELS.spend.id, text: `/openai-key limit "Support Bot" soft ${soft}` }),
  });
  expect(await response.json()).toMatchObject({ ok: true });
  await until(async () => sandbox.slack.messages(DEMO_CHANNELS.spend.id).find((m) => m.text.includes('Spend limits of Support Bot changed')));
}

describe('two sandboxes at once', () => {
  it('each keeps its own namespace; stopping one leaves the other working with its data', async () => {
    const first = await startSandbox({ port: 0, redisUrl: REDIS_URL, now: sandboxTestClock(), logDestination: quiet() });
    running.push(first);
    await setLimits(first, 5_000);
    // the stored limits (jobs' locks and queue bookkeeping come and go; these stay)
    const supportId = first.openai.projects().find((p) => p.name === 'Support Bot')!.id;
    const firstKeys = [`${first.namespace}:{kw}:limits:index`, `${first.namespace}:{kw}:limits:${supportId}`];
    expect(await keysOf(first.namespace)).toEqual(expect.arrayContaining(firstKeys));

    const second = await startSandbox({ port: 0, redisUrl: REDIS_URL, now: sandboxTestClock(), logDestination: quiet() });
    running.push(second);
    expect(first.namespace).toBe(`sandbox-${first.port}`);
    expect(second.namespace).toBe(`sandbox-${second.port}`);
    expect(second.namespace).not.toBe(first.namespace);
    // the second's start cleared only its own namespace
    expect(await keysOf(first.namespace)).toEqual(expect.arrayContaining(firstKeys));

    await setLimits(second, 7_000);
    expect((await keysOf(second.namespace)).length).toBeGreaterThan(0);

    await second.stop();
    running.splice(running.indexOf(second), 1);
    expect(await keysOf(second.namespace)).toEqual([]);
    expect(await keysOf(first.namespace)).toEqual(expect.arrayContaining(firstKeys));
    // the first still works: its limits are where it stored them, and it takes another change
    const projects = (await (await fetch(`http://127.0.0.1:${first.port}/api/projects`)).json()) as { projects: { name: string; tryLimits: { kind: string; text: string } }[] };
    expect(projects.projects.find((p) => p.name === 'Support Bot')!.tryLimits.text).toContain('soft $5,000.00');
    await setLimits(first, 6_000);
  }, 120_000);
});
