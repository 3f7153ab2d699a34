/** RequestOutbox against the real Redis, in a namespace of its own. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RequestOutbox, STEPS_PER_EVENT } from '../../src/approvals/outbox.js';
import { keysOutsideLayout, openTestNamespace, type TestNamespace } from '../support/testNamespace.js';

interface Note {
  readonly kind: string;
  readonly n?: number;
}

let ns: TestNamespace;
let outbox: RequestOutbox<Note>;
let counter = 0;

beforeAll(async () => {
  ns = await openTestNamespace();
  outbox = new RequestOutbox<Note>(ns.redis, ns.keys);
});
afterAll(async () => {
  await ns?.close();
});

const requestId = () => `req_${ns.namespace}_${++counter}`;

describe('append and delivery', () => {
  it('keeps events in the order they were appended', async () => {
    const id = requestId();
    expect(await outbox.append(id, { kind: 'approved' })).toBe(0);
    expect(await outbox.append(id, { kind: 'created', n: 1 })).toBe(1);
    expect(await outbox.append(id, { kind: 'revealed' })).toBe(2);
    expect(await outbox.all(id)).toEqual([{ kind: 'approved' }, { kind: 'created', n: 1 }, { kind: 'revealed' }]);
  });

  it('tells each event in the thread, then by DM, advancing one step at a time', async () => {
    const id = requestId();
    expect(STEPS_PER_EVENT).toBe(2);
    expect(await outbox.next(id)).toBeNull();
    await outbox.append(id, { kind: 'approved' });
    await outbox.append(id, { kind: 'created' });
    const delivered: string[] = [];
    for (let step = await outbox.next(id); step; step = await outbox.next(id)) {
      delivered.push(`${step.event.kind}:${step.step}`);
      await outbox.advance(id);
    }
    expect(delivered).toEqual(['approved:thread', 'approved:dm', 'created:thread', 'created:dm']);

    // an event appended after everything was delivered is next, starting with its thread step
    await outbox.append(id, { kind: 'revoked' });
    expect(await outbox.next(id)).toMatchObject({ event: { kind: 'revoked' }, step: 'thread' });
  });

  it('does not move the cursor on next alone', async () => {
    const id = requestId();
    await outbox.append(id, { kind: 'approved' });
    expect(await outbox.next(id)).toMatchObject({ event: { kind: 'approved' }, step: 'thread' });
    expect(await outbox.next(id)).toMatchObject({ event: { kind: 'approved' }, step: 'thread' });
  });

  it('keeps requests apart', async () => {
    const a = requestId();
    const b = requestId();
    await outbox.append(a, { kind: 'a' });
    await outbox.append(b, { kind: 'b' });
    await outbox.advance(a);
    expect(await outbox.next(a)).toMatchObject({ event: { kind: 'a' }, step: 'dm' });
    expect(await outbox.next(b)).toMatchObject({ event: { kind: 'b' }, step: 'thread' });
  });
});

describe('appendOnce', () => {
  it('appends a tag once and answers null for repeats', async () => {
    const id = requestId();
    await outbox.append(id, { kind: 'approved' });
    expect(await outbox.appendOnce(id, { kind: 'retrying', n: 1 }, 'retry:openai')).toBe(1);
    expect(await outbox.appendOnce(id, { kind: 'retrying', n: 2 }, 'retry:openai')).toBeNull();
    expect(await outbox.appendOnce(id, { kind: 'retrying', n: 3 }, 'retry:slack')).toBe(2);
    expect(await outbox.append(id, { kind: 'created' })).toBe(3);
    expect(await outbox.all(id)).toEqual([{ kind: 'approved' }, { kind: 'retrying', n: 1 }, { kind: 'retrying', n: 3 }, { kind: 'created' }]);
  });

  it('keeps tags per request', async () => {
    const a = requestId();
    const b = requestId();
    expect(await outbox.appendOnce(a, { kind: 'x' }, 'same')).toBe(0);
    expect(await outbox.appendOnce(b, { kind: 'x' }, 'same')).toBe(0);
  });

  it('lets exactly one of 20 concurrent appends of a tag through', async () => {
    const id = requestId();
    const clients = Array.from({ length: 4 }, () => new RequestOutbox<Note>(ns.connect(), ns.keys));
    const positions = await Promise.all(Array.from({ length: 20 }, (_, n) => clients[n % 4]!.appendOnce(id, { kind: 'retrying', n }, 'retry')));
    expect(positions.filter((p) => p !== null)).toEqual([0]);
    expect(await outbox.all(id)).toHaveLength(1);
  });
});

describe('the flush lock', () => {
  it('has one owner at a time, and only the owner can release it', async () => {
    const id = requestId();
    expect(await outbox.lock(id, 'worker-a', 10_000)).toBe(true);
    expect(await outbox.lock(id, 'worker-b', 10_000)).toBe(false);
    // owners are job ids: the same job, retried after its worker crashed, takes its own lock again (and renews it)
    expect(await outbox.lock(id, 'worker-a', 30_000)).toBe(true);
    expect(await ns.redis.pttl(`${ns.keys.prefix}:outbox:${id}:lock`)).toBeGreaterThan(10_000);

    await outbox.unlock(id, 'worker-b');
    expect(await outbox.lock(id, 'worker-b', 10_000)).toBe(false);

    await outbox.unlock(id, 'worker-a');
    expect(await outbox.lock(id, 'worker-b', 10_000)).toBe(true);
    await outbox.unlock(id, 'worker-b');
  });

  it('gives exactly one of many concurrent lockers the lock', async () => {
    const id = requestId();
    const clients = Array.from({ length: 4 }, () => new RequestOutbox<Note>(ns.connect(), ns.keys));
    const won = await Promise.all(Array.from({ length: 20 }, (_, n) => clients[n % 4]!.lock(id, `worker-${n}`, 10_000)));
    expect(won.filter(Boolean)).toHaveLength(1);
  });

  it('expires, so a crashed owner does not block the outbox forever', async () => {
    const id = requestId();
    expect(await outbox.lock(id, 'crashed', 40)).toBe(true);
    await new Promise((r) => setTimeout(r, 90));
    expect(await outbox.lock(id, 'worker-b', 10_000)).toBe(true);
    // the crashed owner coming back must not release the new owner's lock
    await outbox.unlock(id, 'crashed');
    expect(await outbox.lock(id, 'worker-c', 10_000)).toBe(false);
  });
});

describe('the key layout', () => {
  it('writes every key under the namespace and the {kw} hash tag', async () => {
    const written = await ns.scanKeys(`${ns.namespace}:*`);
    const suffixes = new Set(written.map((k) => k.split(':').slice(4).join(':')));
    for (const suffix of ['', 'cursor', 'tags', 'lock']) expect(suffixes, `an outbox ${suffix || 'list'} key`).toContain(suffix);
    expect(keysOutsideLayout(written, ns.namespace)).toEqual([]);
    expect(keysOutsideLayout(await ns.scanKeys(`*${ns.namespace}*`), ns.namespace)).toEqual([]);
  });
});
