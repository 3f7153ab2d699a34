/** The spend-limit read state and the OpenAI endpoint hold in the real Redis, seen by two workers' connections. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpendStore } from '../../src/spend/spendStore.js';
import { openTestNamespace, type TestNamespace } from '../support/testNamespace.js';

let ns: TestNamespace;
let worker1: SpendStore;
let worker2: SpendStore;
const AT = Date.UTC(2026, 10, 15, 12);

beforeAll(async () => {
  ns = await openTestNamespace();
  worker1 = new SpendStore(ns.redis, ns.keys);
  worker2 = new SpendStore(ns.connect(), ns.keys);
});
afterAll(async () => {
  await ns?.close();
});

describe('the hold on an OpenAI endpoint', () => {
  it('holds for every worker until the time given on the callers’ clock, is never shortened, and lapses by that clock', async () => {
    expect(await worker2.openAIEndpointHeldUntil('spend-limit-read', AT)).toBeNull();
    await worker1.holdOpenAIEndpoint('spend-limit-read', AT + 60_000, AT);
    await worker2.holdOpenAIEndpoint('spend-limit-read', AT + 20_000, AT); // a shorter Retry-After seen later
    expect(await worker2.openAIEndpointHeldUntil('spend-limit-read', AT + 59_999)).toBe(AT + 60_000);
    expect(await worker1.openAIEndpointHeldUntil('spend-limit-read', AT + 60_000)).toBeNull();
    await worker2.holdOpenAIEndpoint('spend-limit-read', AT + 90_000, AT + 30_000);
    expect(await worker1.openAIEndpointHeldUntil('spend-limit-read', AT + 60_000)).toBe(AT + 90_000);
  });
});

describe('the spend-limit read state', () => {
  it('keeps each project’s last read and the previous poll, whichever worker polled', async () => {
    expect(await worker1.markSpendPoll(AT)).toBeNull();
    expect(await worker2.markSpendPoll(AT + 300_000)).toBe(AT);
    expect(await worker1.markSpendPoll(AT + 299_000)).toBe(AT + 300_000); // a late poll of an earlier tick
    expect(await worker2.markSpendPoll(AT + 600_000)).toBe(AT + 300_000);

    await worker1.recordSpendLimitReads(new Map([
      ['proj_a', { readAt: AT, failedAt: null, version: 3, status: 'enforcing' as const }],
      ['proj_b', { readAt: null, failedAt: AT, version: null, status: null }],
    ]));
    const states = await worker2.spendLimitReadStates(['proj_a', 'proj_b', 'proj_never']);
    expect(states.get('proj_a')).toEqual({ readAt: AT, failedAt: null, version: 3, status: 'enforcing' });
    expect(states.get('proj_b')).toEqual({ readAt: null, failedAt: AT, version: null, status: null });
    expect(states.has('proj_never')).toBe(false);
    expect(await ns.redis.ttl(ns.keys.custom('spend-limit-reads'))).toBeGreaterThan(0);
  });
});
