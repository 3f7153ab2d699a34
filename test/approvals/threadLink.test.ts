/**
 * A reply in a request's thread that arrives before the worker linked the thread to its request (the link is written
 * right after Slack answers chat.postMessage) still finds its request; a thread no request started finds none.
 * Real Redis, the real RequestStore.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RequestStore } from '../../src/approvals/requestStore.js';
import { requestOfThread } from '../../src/approvals/threadLink.js';
import { openTestNamespace, type TestNamespace } from '../support/testNamespace.js';

let ns: TestNamespace;
let store: RequestStore;

beforeAll(async () => {
  ns = await openTestNamespace();
  store = new RequestStore(ns.redis, ns.keys);
});
afterAll(async () => {
  await ns?.close();
});

describe('requestOfThread', () => {
  it('finds a linked thread at once, without waiting', async () => {
    await store.bindThread('C0APPROVALS', '1700000000.000100', 'req_linked0001');
    const waits: number[] = [];
    const found = await requestOfThread(store, 'C0APPROVALS', '1700000000.000100', [50, 50], async (ms) => void waits.push(ms));
    expect(found).toBe('req_linked0001');
    expect(waits).toEqual([]);
  });

  it('waits for a link written while the reply is being handled, and finds it', async () => {
    const waits: number[] = [];
    const found = await requestOfThread(store, 'C0APPROVALS', '1700000000.000200', [10, 20, 40], async (ms) => {
      waits.push(ms);
      if (waits.length === 2) await store.bindThread('C0APPROVALS', '1700000000.000200', 'req_late000002');
    });
    expect(found).toBe('req_late000002');
    expect(waits).toEqual([10, 20]);
  });

  it('gives up with null after every wait when no request started the thread', async () => {
    const waits: number[] = [];
    const found = await requestOfThread(store, 'C0APPROVALS', '1700000000.000300', [10, 20], async (ms) => void waits.push(ms));
    expect(found).toBeNull();
    expect(waits).toEqual([10, 20]);
  });
});
