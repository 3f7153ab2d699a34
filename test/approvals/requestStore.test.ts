/**
 * RequestStore against the real Redis, in a namespace of its own: what every kind of request shares (documents and
 * their compare-and-set, the sealed secret taken or stored in the same step, the pending set, thread links). Key
 * requests serve as the documents, moved along their own state table (`statesLeadingTo`) as a kind would; their own
 * indexes are KeyRequestStore's (test/keys/keyRequestStore.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyRequest } from '../../src/keys/domain/keyRequest.js';
import { openLimitChangeRequest } from '../../src/limits/domain/limitRequest.js';
import { cents } from '../../src/platform/domain/money.js';
import { RequestStore } from '../../src/approvals/requestStore.js';
import { HOUR, NOW, storedKeyRequests } from '../support/storedKeyRequests.js';
import { keysOutsideLayout, openTestNamespace, type TestNamespace } from '../support/testNamespace.js';

let ns: TestNamespace;
let store: RequestStore;
/** key requests stored without their kind's indexes, and moved along their table */
let given: ReturnType<typeof storedKeyRequests>;

beforeAll(async () => {
  ns = await openTestNamespace();
  store = new RequestStore(ns.redis, ns.keys);
  given = storedKeyRequests(ns.namespace, store);
});
afterAll(async () => {
  await ns?.close();
});

/** The stored document, as the key request it is. */
const read = async (id: string) => (await store.document(id)) as KeyRequest | null;

describe('create and document', () => {
  it('stores a new request and reads it back unchanged', async () => {
    const request = given.newRequest({ purpose: 'résumé triage — naïve “quotes” 🚀 / slashes' });
    expect(await store.create(request)).toBe(true);
    expect(await read(request.id)).toEqual(request);
  });

  it('refuses an id that is taken and keeps the first request', async () => {
    const first = await given.created();
    const second = { ...given.newRequest(), id: first.id, purpose: 'a different purpose entirely' };
    expect(await store.create(second)).toBe(false);
    expect(await read(first.id)).toEqual(first);
  });

  it('returns null for an unknown id', async () => {
    expect(await read(given.uniqueId('req'))).toBeNull();
  });
});

describe('transition', () => {
  it('moves along an allowed edge, applies the patch and bumps the version', async () => {
    const request = await given.created();
    const outcome = await given.move(request.id, 'approved', { decidedBy: 'U0APPROVER1', decidedAt: NOW + 5 });
    expect(outcome).toEqual({ kind: 'ok', request: { ...request, state: 'approved', decidedBy: 'U0APPROVER1', decidedAt: NOW + 5, version: 2 } });
    expect(await read(request.id)).toEqual(outcome.kind === 'ok' ? outcome.request : null);
  });

  it('keeps every untouched field exactly, unicode and large numbers included', async () => {
    const request = await given.created({ purpose: 'ünïcödé purpose with "quotes", \\backslashes\\ and 🚀', createdAt: 1_799_999_999_999 });
    const outcome = await given.move(request.id, 'denied', { denyReason: 'nope — use the shared key', decidedAt: 1_800_000_000_123 });
    expect(outcome.kind).toBe('ok');
    const stored = await read(request.id);
    expect(stored).toEqual({ ...request, state: 'denied', denyReason: 'nope — use the shared key', decidedAt: 1_800_000_000_123, version: 2 });
  });

  it('answers conflict with the current request when the state has moved on', async () => {
    const request = await given.created();
    await given.move(request.id, 'denied', { denyReason: 'no' });
    const outcome = await given.move(request.id, 'approved', { decidedBy: 'U0LATE' });
    expect(outcome.kind).toBe('conflict');
    expect(outcome.kind === 'conflict' && outcome.request.state).toBe('denied');
    const stored = await read(request.id);
    expect(stored?.state).toBe('denied');
    expect(stored?.decidedBy).toBeUndefined();
    expect(stored?.version).toBe(2);
  });

  it('refuses an edge the state machine does not have', async () => {
    const request = await given.created();
    const outcome = await given.move(request.id, 'active');
    expect(outcome.kind).toBe('conflict');
    expect((await read(request.id))?.state).toBe('pending');
  });

  it('answers missing for an unknown id and writes nothing', async () => {
    const id = given.uniqueId('req');
    expect(await given.move(id, 'approved')).toEqual({ kind: 'missing' });
    expect(await read(id)).toBeNull();
  });

  it('checks against `from` instead of the table when given', async () => {
    const request = await given.created();
    // the table allows pending → expired, but the caller insists on approved
    expect((await given.move(request.id, 'expired', {}, { from: ['approved'] })).kind).toBe('conflict');
    // the table has no pending → failed edge, but the caller allows it
    const widened = await given.move(request.id, 'failed', { failure: 'project archived' }, { from: ['pending'] });
    expect(widened.kind).toBe('ok');
    expect(widened.kind === 'ok' && widened.request).toMatchObject({ state: 'failed', failure: 'project archived', version: 2 });
  });

  it('bumps the version once per transition', async () => {
    const request = await given.created();
    await given.move(request.id, 'approved');
    await given.move(request.id, 'provisioning');
    await given.move(request.id, 'failed', { failure: 'boom' });
    expect((await read(request.id))?.version).toBe(4);
  });

  it('lets exactly one of 50 concurrent approvals win', async () => {
    const request = await given.created();
    const clients = Array.from({ length: 5 }, () => new RequestStore(ns.connect(), ns.keys));
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        clients[i % clients.length]!.transition(request.id, 'approved', { decidedBy: `U0APPROVER${i}` }, { from: ['pending'] }),
      ),
    );
    const winners = outcomes.flatMap((o, i) => (o.kind === 'ok' ? [i] : []));
    expect(winners).toHaveLength(1);
    expect(outcomes.filter((o) => o.kind === 'conflict')).toHaveLength(49);
    for (const o of outcomes) if (o.kind === 'conflict') expect(o.request.decidedBy).toBe(`U0APPROVER${winners[0]}`);
    expect(await read(request.id)).toMatchObject({ state: 'approved', decidedBy: `U0APPROVER${winners[0]}`, version: 2 });
  });
});

describe('amend', () => {
  it('changes fields without a state change while in one of the states', async () => {
    const request = await given.created();
    const outcome = await store.amend(request.id, ['pending'], { channelId: 'C0APPROVALS', messageTs: '1767225600.000100' });
    expect(outcome).toEqual({ kind: 'ok', request: { ...request, channelId: 'C0APPROVALS', messageTs: '1767225600.000100', version: 2 } });
  });

  it('answers conflict and changes nothing in any other state', async () => {
    const request = await given.created();
    await given.move(request.id, 'denied', { denyReason: 'no' });
    const outcome = await store.amend(request.id, ['pending', 'approved'], { messageTs: '1.2' });
    expect(outcome.kind).toBe('conflict');
    const stored = await read(request.id);
    expect(stored?.messageTs).toBeUndefined();
    expect(stored?.version).toBe(2);
  });

  it('answers missing for an unknown id', async () => {
    expect(await store.amend(given.uniqueId('req'), ['pending'], { messageTs: '1.2' })).toEqual({ kind: 'missing' });
  });
});

describe('the sealed secret', () => {
  it('is stored with the transition and taken with the next one, exactly once', async () => {
    const request = await given.provisioning();
    const stored = await given.move(
      request.id,
      'awaiting_reveal',
      { keyId: 'key_abc', redactedKey: 'sk-svcacct-…AbCd', revealBy: NOW + 24 * HOUR },
      { secret: { kind: 'set', sealed: 'v1.sealed-blob', ttlMs: 60_000 } },
    );
    expect(stored.kind).toBe('ok');
    expect(stored.kind === 'ok' && stored.sealedSecret).toBeFalsy();
    expect(await ns.redis.exists(ns.keys.secret(request.id))).toBe(1);
    const ttl = await ns.redis.pttl(ns.keys.secret(request.id));
    expect(ttl).toBeGreaterThan(55_000);
    expect(ttl).toBeLessThanOrEqual(60_000);

    const taken = await given.move(request.id, 'active', { revealedAt: NOW + HOUR }, { secret: { kind: 'take' } });
    expect(taken).toMatchObject({ kind: 'ok', sealedSecret: 'v1.sealed-blob', request: { state: 'active', revealedAt: NOW + HOUR } });
    expect(await ns.redis.exists(ns.keys.secret(request.id))).toBe(0);

    const again = await given.move(request.id, 'active', {}, { from: ['active'], secret: { kind: 'take' } });
    expect(again.kind).toBe('no_secret');
    expect((await read(request.id))?.version).toBe(taken.kind === 'ok' ? taken.request.version : -1);
  });

  it('is not stored when the transition conflicts', async () => {
    const request = await given.created();
    const outcome = await given.move(request.id, 'awaiting_reveal', {}, { secret: { kind: 'set', sealed: 'v1.x', ttlMs: 60_000 } });
    expect(outcome.kind).toBe('conflict');
    expect(await ns.redis.exists(ns.keys.secret(request.id))).toBe(0);
  });

  it('is not taken when the transition conflicts', async () => {
    const request = await given.provisioning();
    await given.move(request.id, 'awaiting_reveal', {}, { secret: { kind: 'set', sealed: 'v1.keep', ttlMs: 60_000 } });
    const outcome = await given.move(request.id, 'active', {}, { from: ['provisioning'], secret: { kind: 'take' } });
    expect(outcome.kind).toBe('conflict');
    expect(await ns.redis.get(ns.keys.secret(request.id))).toBe('v1.keep');
  });

  it('once expired, makes the take answer no_secret and leaves the request as it was', async () => {
    const request = await given.provisioning();
    const waiting = await given.move(request.id, 'awaiting_reveal', {}, { secret: { kind: 'set', sealed: 'v1.short', ttlMs: 30 } });
    await new Promise((r) => setTimeout(r, 80));
    const outcome = await given.move(request.id, 'active', { revealedAt: NOW }, { secret: { kind: 'take' } });
    expect(outcome.kind).toBe('no_secret');
    expect(outcome.kind === 'no_secret' && outcome.request.state).toBe('awaiting_reveal');
    expect(await read(request.id)).toEqual(waiting.kind === 'ok' ? waiting.request : null);
  });
});

describe('the pending set', () => {
  it('holds a request stored pending, of any kind, until it leaves', async () => {
    const key = await given.created();
    const limit = openLimitChangeRequest(
      { id: given.uniqueId('lim'), requesterId: given.uniqueId('U'), projectId: 'proj_support', projectName: 'Support Bot', change: { hard: cents(120_000) }, before: null },
      NOW,
      72 * HOUR,
    );
    expect(await store.create(limit)).toBe(true);
    const decided = { ...given.newRequest(), state: 'approved' as const };
    expect(await store.create(decided)).toBe(true);
    const pending = await store.pendingIds();
    expect(pending).toEqual(expect.arrayContaining([key.id, limit.id]));
    expect(pending).not.toContain(decided.id);
    await store.leavePending(key.id);
    expect(await store.pendingIds()).not.toContain(key.id);
    expect(await store.document(limit.id)).toEqual(limit);
  });

  it('is the only list a request stored without its kind’s indexes joins', async () => {
    const request = await given.created();
    expect(await ns.redis.exists(ns.keys.userRequests(request.requesterId))).toBe(0);
    expect(await ns.redis.sismember(ns.keys.custom('requests', 'unsettled'), request.id)).toBe(0);
  });
});

describe('thread links', () => {
  it('finds a request by its thread', async () => {
    const request = await given.created();
    await store.bindThread('C0APPROVALS', '1767225600.000200', request.id);
    expect(await store.findByThread('C0APPROVALS', '1767225600.000200')).toBe(request.id);
    expect(await store.findByThread('C0APPROVALS', '1767225600.000201')).toBeNull();
    expect(await store.findByThread('C0OTHER', '1767225600.000200')).toBeNull();
  });
});

describe('the key layout', () => {
  it('writes every key under the namespace and the {kw} hash tag', async () => {
    const written = await ns.scanKeys(`${ns.namespace}:*`);
    const kinds = new Set(written.map((k) => k.split(':')[2]));
    for (const kind of ['request', 'thread', 'secret', 'approvals']) expect(kinds, `a ${kind} key`).toContain(kind);
    expect(keysOutsideLayout(written, ns.namespace)).toEqual([]);
    // ids embed the namespace, so a key written outside it would still show up here
    expect(keysOutsideLayout(await ns.scanKeys(`*${ns.namespace}*`), ns.namespace)).toEqual([]);
  });
});
