/**
 * The engine's side of a kind's own life after the decision, against the real Redis in a namespace of its own: a
 * kind moves its request only through `advance` / `amend` (its declared states, never the decision's), and every
 * event read back from the outbox is parsed with its schema before a renderer sees it; one that does not fit is
 * logged and skipped, never a crash.
 */
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import { createApprovalEngine, RequestMoveRefused, type ApprovalEngine } from '../../src/approvals/engine.js';
import { RequestStore } from '../../src/approvals/requestStore.js';
import { RequestOutbox } from '../../src/approvals/outbox.js';
import { AuditLog } from '../../src/platform/redis/auditLog.js';
import { loadPolicySource } from '../../src/approvals/policyFile.js';
import { approvalNotices } from '../../src/approvals/render/thread.js';
import type { ApprovalDocument } from '../../src/approvals/domain/document.js';
import type { LimitChangeEvent } from '../../src/limits/domain/limitChangeEvents.js';
import type { ThreadEvent } from '../../src/keys/domain/threadEvents.js';
import { openKeyRequest, type KeyRequest } from '../../src/keys/domain/keyRequest.js';
import { threadEventSchema } from '../../src/keys/domain/threadEvents.js';
import { keyRequestKind } from '../../src/keys/requestKind.js';
import { KeyRequestStore } from '../../src/keys/keyRequestStore.js';
import { openLimitChangeRequest, type LimitChangeRequest } from '../../src/limits/domain/limitRequest.js';
import { limitChangeEventSchema } from '../../src/limits/domain/limitChangeEvents.js';
import { limitChangeKind } from '../../src/limits/requestKind.js';
import { cents } from '../../src/platform/domain/money.js';
import { openTestNamespace, type TestNamespace } from '../support/testNamespace.js';

const NOW = 1_767_225_600_000;
const HOUR = 3_600_000;
const ENV = { approvers: ['U0APPROVER'], admins: ['U0ADMIN'], requestTtlMs: 72 * HOUR };

let ns: TestNamespace;
let store: RequestStore;
let keyRequests: KeyRequestStore;
let engine: ApprovalEngine;
/** what the engine logged as a warning: the fields object and the message */
const warnings: [Record<string, unknown>, string][] = [];
let counter = 0;

beforeAll(async () => {
  ns = await openTestNamespace();
  store = new RequestStore(ns.redis, ns.keys);
  keyRequests = new KeyRequestStore(ns.redis, ns.keys);
  const policy = await loadPolicySource(undefined, ENV);
  if (!policy.ok) throw new Error('the environment policy was refused');
  const queues = { add: () => Promise.resolve() };
  engine = createApprovalEngine({
    requests: store,
    outbox: new RequestOutbox(ns.redis, ns.keys),
    audit: new AuditLog(ns.redis, ns.keys),
    queues,
    groupsOf: () => Promise.resolve([]),
    clock: () => NOW,
    policy: policy.value,
    environment: ENV,
    kinds: [keyRequestKind({ queues, keyRequests }), limitChangeKind({ queues })],
    notices: approvalNotices,
    policyFile: null,
    log: { warn: (fields: Record<string, unknown>, message: string) => void warnings.push([fields, message]) } as never,
  });
});
afterAll(async () => {
  await ns?.close();
});

const uniqueId = (prefix: string) => `${prefix}_${ns.namespace}_${++counter}`;

async function keyRequestIn(state: KeyRequest['state'], overrides: Partial<KeyRequest> = {}): Promise<KeyRequest> {
  const opened = openKeyRequest(
    { id: uniqueId('req'), requesterId: 'U0REQUESTER', projectId: 'proj_support', projectName: 'Support Bot', purpose: 'answer support tickets faster', lifetimeDays: 30 },
    NOW,
    ENV.requestTtlMs,
  );
  const request: KeyRequest = { ...opened, state, ...overrides };
  expect(await store.create(request, keyRequests.indexesOnOpen(request))).toBe(true);
  return request;
}

async function limitRequestIn(state: LimitChangeRequest['state']): Promise<LimitChangeRequest> {
  const opened = openLimitChangeRequest(
    { id: uniqueId('lim'), requesterId: 'U0REQUESTER', projectId: 'proj_support', projectName: 'Support Bot', change: { hard: cents(120_000) }, before: null },
    NOW,
    ENV.requestTtlMs,
  );
  const request: LimitChangeRequest = { ...opened, state };
  expect(await store.create(request)).toBe(true);
  return request;
}

const limits = { projectId: 'proj_support', softCents: null, hardCents: 120_000, thresholds: [50, 80, 100], channelId: 'C0ALERTS', version: 2, updatedAt: NOW, updatedBy: 'U0REQUESTER' };

describe('advance: a kind moves its own request after the decision', () => {
  it('is the store’s compare-and-set: from, expect and the sealed secret in one step', async () => {
    const request = await keyRequestIn('provisioning', { provisionToken: 'tok1' });
    const superseded = await engine.advance<KeyRequest>(request.id, 'awaiting_reveal', { keyId: 'key_1' }, { from: ['provisioning'], expect: { provisionToken: 'other' } });
    expect(superseded).toMatchObject({ kind: 'conflict', request: { state: 'provisioning', version: request.version } });

    const stored = await engine.advance<KeyRequest>(
      request.id,
      'awaiting_reveal',
      { keyId: 'key_1' },
      { from: ['provisioning'], expect: { provisionToken: 'tok1' }, secret: { kind: 'set', sealed: 'v1.sealed', ttlMs: 60_000 } },
    );
    expect(stored).toMatchObject({ kind: 'ok', request: { state: 'awaiting_reveal', keyId: 'key_1', version: request.version + 1 } });

    const taken = await engine.advance<KeyRequest>(request.id, 'active', { revealedAt: NOW }, { from: ['awaiting_reveal'], secret: { kind: 'take' } });
    expect(taken).toMatchObject({ kind: 'ok', request: { state: 'active', revealedAt: NOW }, sealedSecret: 'v1.sealed' });
    // a second take finds the request moved on
    expect(await engine.advance<KeyRequest>(request.id, 'active', {}, { from: ['awaiting_reveal'], secret: { kind: 'take' } })).toMatchObject({ kind: 'conflict', request: { state: 'active' } });
  });

  it('moves a limit change to applied, and answers missing for an unknown request', async () => {
    const request = await limitRequestIn('approved');
    const applied = await engine.advance<LimitChangeRequest>(request.id, 'applied', { appliedVersion: 2, appliedAt: NOW }, { from: ['approved'] });
    expect(applied).toMatchObject({ kind: 'ok', request: { state: 'applied', appliedVersion: 2, appliedAt: NOW, version: request.version + 1 } });
    expect(await engine.advance<LimitChangeRequest>(request.id, 'failed', { failure: 'late' }, { from: ['approved'] })).toMatchObject({ kind: 'conflict', request: { state: 'applied' } });
    expect(await engine.advance<KeyRequest>(uniqueId('req'), 'revoked', {}, { from: ['active'] })).toEqual({ kind: 'missing' });
  });

  it('refuses a state the request’s kind does not declare, changing nothing', async () => {
    const limit = await limitRequestIn('approved');
    // `provisioning` is a key request's state, not a limit change's
    await expect(engine.advance(limit.id, 'provisioning', {}, { from: ['approved'] })).rejects.toMatchObject({ name: 'RequestMoveRefused', reason: 'undeclared_state', state: 'provisioning', requestKind: 'limit' });
    const key = await keyRequestIn('active');
    await expect(engine.advance<KeyRequest>(key.id, 'revoked', {}, { from: ['applied' as KeyRequest['state']] })).rejects.toBeInstanceOf(RequestMoveRefused);
    expect(await store.document(limit.id)).toMatchObject({ state: 'approved', version: limit.version });
    expect(await store.document(key.id)).toMatchObject({ state: 'active', version: key.version });
  });

  it('refuses the decision’s moves: out of pending, or into approved, denied, cancelled or pending', async () => {
    const pending = await keyRequestIn('pending');
    await expect(engine.advance<KeyRequest>(pending.id, 'revoked', {}, { from: ['pending', 'approved'] })).rejects.toMatchObject({ reason: 'decided_by_the_engine', state: 'pending' });
    for (const to of ['approved', 'denied', 'cancelled', 'pending'] as const) {
      await expect(engine.advance<KeyRequest>(pending.id, to, {}, { from: ['active'] })).rejects.toMatchObject({ reason: 'decided_by_the_engine', state: to });
    }
    expect(await store.document(pending.id)).toMatchObject({ state: 'pending', version: pending.version });
  });
});

describe('amend: a kind changes its own fields while its request is in one of its states', () => {
  it('changes fields only in those states, and refuses an undeclared one', async () => {
    const request = await keyRequestIn('revoked');
    expect(await engine.amend<KeyRequest>(request.id, ['revoked', 'expired', 'failed'], { serviceAccountDeletedAt: NOW })).toMatchObject({
      kind: 'ok',
      request: { state: 'revoked', serviceAccountDeletedAt: NOW, version: request.version + 1 },
    });
    expect(await engine.amend<KeyRequest>(request.id, ['active'], { serviceAccountDeletedAt: NOW + 1 })).toMatchObject({ kind: 'conflict' });
    await expect(engine.amend<KeyRequest>(request.id, ['gone' as KeyRequest['state']], {})).rejects.toMatchObject({ reason: 'undeclared_state', state: 'gone' });
  });
});

describe('events read back from the outbox are parsed before a renderer sees them', () => {
  const doc = (kind: 'key' | 'limit'): ApprovalDocument =>
    ({ id: `${kind === 'key' ? 'req' : 'lim'}_parse`, kind, state: 'approved', requesterId: 'U0REQUESTER', projectId: 'proj_support', projectName: 'Support Bot', createdAt: NOW, decideBy: NOW + HOUR, version: 3, change: { hard: 120_000 }, before: null, lifetimeDays: 30, purpose: 'answer support tickets faster' }) as ApprovalDocument;
  const logged = () => warnings.splice(0);

  it('renders events that fit, dropping fields their schema does not name', () => {
    logged();
    expect(engine.renderThreadNote(doc('key'), { kind: 'revealed', by: 'U0REQUESTER', extra: 'ignored' })?.text).toContain('<@U0REQUESTER> revealed the key');
    expect(engine.renderThreadNote(doc('key'), { kind: 'vote', by: 'U0APPROVER', approvers: ['U0APPROVER'], needed: 2 })?.text).toContain('1 of 2');
    expect(engine.renderThreadNote(doc('limit'), { kind: 'applied', before: null, after: limits })?.text).toContain('Applied');
    expect(engine.renderDm(doc('limit'), { kind: 'failed', reason: 'quota' })?.text).toContain('OpenAI refused');
    expect(logged()).toEqual([]);
  });

  it('skips an event that does not fit, in the thread and by DM, and logs what did not fit', () => {
    logged();
    const unfit = [
      [doc('key'), { kind: 'key_created' }, 'key_created', 'redactedKey'],
      [doc('key'), { kind: 'failed', reason: 'boom', willRetry: 'yes' }, 'failed', 'willRetry'],
      [doc('key'), { kind: 'teleported', by: 'U0X' }, 'teleported', 'kind'],
      [doc('limit'), { kind: 'applied', before: null, after: { ...limits, thresholds: 'half' } }, 'applied', 'after.thresholds'],
      [doc('limit'), { kind: 'revealed', by: 'U0X' }, 'revealed', 'kind'],
      // the engine's own events have their schema too
      [doc('key'), { kind: 'vote', by: 'U0APPROVER' }, 'vote', 'approvers'],
    ] as const;
    for (const [request, event, eventKind, field] of unfit) {
      expect(engine.renderThreadNote(request, event)).toBeNull();
      expect(engine.renderDm(request, event)).toBeNull();
      const lines = logged();
      expect(lines.map(([fields]) => fields.step)).toEqual(['thread', 'dm']);
      for (const [fields, message] of lines) {
        expect(message).toBe('an outbox event does not fit its schema; skipped');
        expect(fields).toMatchObject({ requestId: request.id, requestKind: request.kind, eventKind });
        expect((fields.problems as string[]).join('\n')).toContain(field);
      }
    }
  });

  it('never crashes on what is not an event at all', () => {
    logged();
    for (const event of [null, 42, 'approved', [], { by: 'U0X' }]) {
      expect(engine.renderThreadNote(doc('key'), event as never)).toBeNull();
      expect(engine.renderDm(doc('limit'), event as never)).toBeNull();
    }
    expect(logged()).toHaveLength(10);
  });

  it('names every event of each kind', () => {
    expectTypeOf<z.infer<typeof threadEventSchema>['kind']>().toEqualTypeOf<ThreadEvent['kind']>();
    expectTypeOf<z.infer<typeof limitChangeEventSchema>['kind']>().toEqualTypeOf<LimitChangeEvent['kind']>();
  });
});
