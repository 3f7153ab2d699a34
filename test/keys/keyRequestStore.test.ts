/**
 * KeyRequestStore against the real Redis, in a namespace of its own: what only key requests keep (each requester's
 * list, the reconciler's unsettled set, keys and masked keys to their request, project key holders, the sealed key's
 * return, drafts). Requests are stored and moved by the approvals engine's RequestStore over the same connection and
 * key layout, as the engine does: stored with the key kind's indexes (`indexesOnOpen`) in the same step.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyRequestStore } from '../../src/keys/keyRequestStore.js';
import { RequestStore } from '../../src/approvals/requestStore.js';
import { openLimitChangeRequest } from '../../src/limits/domain/limitRequest.js';
import { cents } from '../../src/platform/domain/money.js';
import { HOUR, NOW, storedKeyRequests } from '../support/storedKeyRequests.js';
import { keysOutsideLayout, openTestNamespace, type TestNamespace } from '../support/testNamespace.js';

/** how long a settled request (and a masked key's index) stays readable: half a year */
const SETTLED_RETENTION_S = 180 * 86_400;

let ns: TestNamespace;
let requests: RequestStore;
let store: KeyRequestStore;
/** key requests stored as the engine's `open` stores them (with the key kind's indexes), and moved along their table */
let given: ReturnType<typeof storedKeyRequests>;

beforeAll(async () => {
  ns = await openTestNamespace();
  requests = new RequestStore(ns.redis, ns.keys);
  store = new KeyRequestStore(ns.redis, ns.keys);
  given = storedKeyRequests(ns.namespace, requests, (request) => store.indexesOnOpen(request));
});
afterAll(async () => {
  await ns?.close();
});

describe('create with the key’s indexes, and get', () => {
  it('stores a new request and reads it back unchanged', async () => {
    const request = given.newRequest({ purpose: 'résumé triage — naïve “quotes” 🚀 / slashes' });
    expect(await given.create(request)).toBe(true);
    expect(await store.get(request.id)).toEqual(request);
  });

  it('refuses an id that is taken and keeps the first request', async () => {
    const first = await given.created();
    const second = { ...given.newRequest(), id: first.id, purpose: 'a different purpose entirely' };
    expect(await given.create(second)).toBe(false);
    expect(await store.get(first.id)).toEqual(first);
    // the refused one joined nothing: its requester lists nothing
    expect(await store.listByUser(second.requesterId)).toEqual([]);
  });

  it('returns null for an unknown id', async () => {
    expect(await store.get(given.uniqueId('req'))).toBeNull();
  });

  it('returns null for another kind’s document', async () => {
    const limit = openLimitChangeRequest(
      { id: given.uniqueId('lim'), requesterId: given.uniqueId('U'), projectId: 'proj_support', projectName: 'Support Bot', change: { hard: cents(120_000) }, before: null },
      NOW,
      72 * HOUR,
    );
    expect(await requests.create(limit)).toBe(true);
    expect(await store.get(limit.id)).toBeNull();
  });

  it('puts the new request in its requester’s list and the reconciler’s set', async () => {
    const request = await given.created();
    expect((await store.listByUser(request.requesterId)).map((r) => r.id)).toEqual([request.id]);
    expect(await store.unsettled()).toContain(request.id);
    expect(await ns.redis.zscore(ns.keys.userRequests(request.requesterId), request.id)).toBe(String(NOW));
  });
});

describe('the reconciler’s set', () => {
  it('lets a settled request go, keeping its document half a year', async () => {
    const request = await given.created();
    expect(await ns.redis.ttl(ns.keys.request(request.id))).toBe(-1);
    await store.settle(request.id);
    expect(await store.unsettled()).not.toContain(request.id);
    const ttl = await ns.redis.ttl(ns.keys.request(request.id));
    expect(ttl).toBeGreaterThan(SETTLED_RETENTION_S - 60);
    expect(ttl).toBeLessThanOrEqual(SETTLED_RETENTION_S);
    expect(await store.get(request.id)).toEqual(request);
  });
});

describe('the sealed secret', () => {
  it('can be restored after a take, keeping the remaining deadline, without overwriting a newer one', async () => {
    const request = await given.provisioning();
    await given.move(request.id, 'awaiting_reveal', {}, { secret: { kind: 'set', sealed: 'v1.blob', ttlMs: 60_000 } });
    const taken = await given.move(request.id, 'active', {}, { secret: { kind: 'take' } });
    expect(taken.kind === 'ok' && taken.sealedSecret).toBe('v1.blob');

    await store.restoreSecret(request.id, 'v1.blob', 10_000);
    expect(await ns.redis.exists(ns.keys.secret(request.id))).toBe(1);
    const ttl = await ns.redis.pttl(ns.keys.secret(request.id));
    expect(ttl).toBeGreaterThan(5_000);
    expect(ttl).toBeLessThanOrEqual(10_000);

    await store.restoreSecret(request.id, 'v1.other', 10_000);
    expect(await ns.redis.get(ns.keys.secret(request.id))).toBe('v1.blob');
  });

  it('is not restored once its deadline has passed', async () => {
    const request = await given.created();
    await store.restoreSecret(request.id, 'v1.late', 0);
    await store.restoreSecret(request.id, 'v1.late', -5);
    expect(await ns.redis.exists(ns.keys.secret(request.id))).toBe(0);
  });
});

describe('indexes', () => {
  it('lists a user’s requests newest first, up to the limit, and nobody else’s', async () => {
    const userId = given.uniqueId('U');
    const older = await given.created({ requesterId: userId, createdAt: NOW - 2 * HOUR });
    const newest = await given.created({ requesterId: userId, createdAt: NOW });
    const middle = await given.created({ requesterId: userId, createdAt: NOW - HOUR });
    await given.created({ createdAt: NOW + HOUR });
    await given.move(middle.id, 'approved');

    const listed = await store.listByUser(userId);
    expect(listed.map((r) => r.id)).toEqual([newest.id, middle.id, older.id]);
    expect(listed[1]?.state).toBe('approved');
    expect((await store.listByUser(userId, 2)).map((r) => r.id)).toEqual([newest.id, middle.id]);
    expect(await store.listByUser(given.uniqueId('U'))).toEqual([]);
  });

  it('finds a request by its key', async () => {
    const request = await given.created();
    await store.bindKey(`key_${ns.namespace}`, request.id);
    expect(await store.findByKey(`key_${ns.namespace}`)).toBe(request.id);
    expect(await store.findByKey(given.uniqueId('key'))).toBeNull();
  });

  it('finds every request whose key has a masked value, for as long as a settled request is kept', async () => {
    const masked = `sk-svcacct-…${ns.namespace}`;
    const first = await given.created();
    const second = await given.created();
    await store.bindMaskedKey(masked, first.id);
    await store.bindMaskedKey(masked, second.id);
    await store.bindMaskedKey(masked, first.id);
    expect((await store.findByMaskedKey(masked)).sort()).toEqual([first.id, second.id].sort());
    expect(await store.findByMaskedKey(`sk-svcacct-…${given.uniqueId('x')}`)).toEqual([]);
    const ttl = await ns.redis.ttl(ns.keys.custom('masked', masked));
    expect(ttl).toBeGreaterThan(SETTLED_RETENTION_S - 60);
    expect(ttl).toBeLessThanOrEqual(SETTLED_RETENTION_S);
  });

  it('keeps each project’s key holders', async () => {
    const project = given.uniqueId('proj');
    await store.addProjectOwner(project, 'U0ALICE');
    await store.addProjectOwner(project, 'U0BOB');
    await store.addProjectOwner(project, 'U0ALICE');
    expect((await store.projectOwners(project)).sort()).toEqual(['U0ALICE', 'U0BOB']);
    await store.removeProjectOwner(project, 'U0ALICE');
    expect(await store.projectOwners(project)).toEqual(['U0BOB']);
    expect(await store.projectOwners(given.uniqueId('proj'))).toEqual([]);
  });
});

describe('drafts', () => {
  it('are claimed once, then tell what they became', async () => {
    const id = given.uniqueId('draft');
    const draft = { projectId: 'proj_support', purpose: 'answer support tickets faster' };
    await store.saveDraft(id, draft, 60_000);
    expect(await store.claimDraft(id)).toEqual({ kind: 'draft', draft });
    expect(await store.claimDraft(id)).toEqual({ kind: 'claimed' });
    await store.settleDraft(id, 'req_sent0001', draft);
    expect(await store.claimDraft(id)).toEqual({ kind: 'sent', requestId: 'req_sent0001' });
    const ttl = await ns.redis.pttl(ns.keys.custom('draft', id));
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('can be claimed again once freed', async () => {
    const id = given.uniqueId('draft');
    const draft = { purpose: 'retry me' };
    await store.saveDraft(id, draft, 60_000);
    expect((await store.claimDraft(id)).kind).toBe('draft');
    await store.settleDraft(id, null, draft);
    expect(await store.claimDraft(id)).toEqual({ kind: 'draft', draft });
  });

  it('are missing once expired, and not brought back by a late settle', async () => {
    const id = given.uniqueId('draft');
    await store.saveDraft(id, { purpose: 'short' }, 30);
    await new Promise((r) => setTimeout(r, 80));
    expect(await store.claimDraft(id)).toEqual({ kind: 'missing' });
    await store.settleDraft(id, 'req_late0001');
    expect(await ns.redis.exists(ns.keys.custom('draft', id))).toBe(0);
  });
});

describe('the key layout', () => {
  it('writes every key under the namespace and the {kw} hash tag', async () => {
    const written = await ns.scanKeys(`${ns.namespace}:*`);
    const kinds = new Set(written.map((k) => k.split(':')[2]));
    for (const kind of ['request', 'user', 'requests', 'key', 'masked', 'project', 'secret', 'draft']) expect(kinds, `a ${kind} key`).toContain(kind);
    expect(keysOutsideLayout(written, ns.namespace)).toEqual([]);
    // ids embed the namespace, so a key written outside it would still show up here
    expect(keysOutsideLayout(await ns.scanKeys(`*${ns.namespace}*`), ns.namespace)).toEqual([]);
  });
});
