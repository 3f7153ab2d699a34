/** AuditLog against the real Redis, in a namespace of its own. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../../src/platform/domain/audit.js';
import { AuditLog } from '../../../src/platform/redis/auditLog.js';
import { keysOutsideLayout, openTestNamespace, type TestNamespace } from '../../support/testNamespace.js';

let ns: TestNamespace;
let audit: AuditLog;
const AT = 1_767_225_600_000;

const entry = (n: number, extra: Partial<AuditEntry> = {}): AuditEntry => ({
  actor: `U0ACTOR${n}`,
  action: 'request.open',
  target: `req_${n}`,
  outcome: 'ok',
  at: AT + n,
  ...extra,
});

beforeAll(async () => {
  ns = await openTestNamespace();
  audit = new AuditLog(ns.redis, ns.keys);
  // a few ms apart, so each entry's stream id has its own millisecond (the `sinceMs` test relies on it)
  for (const e of [
    entry(1, { project: 'proj_support', detail: 'purpose: answer tickets' }),
    entry(2, { project: 'proj_research', action: 'request.approve' }),
    entry(3),
    entry(4, { project: 'proj_support', action: 'key.create', outcome: 'failed', detail: 'OpenAI said 500' }),
    entry(5, { project: 'proj_research' }),
  ]) {
    await audit.append(e);
    await new Promise((r) => setTimeout(r, 3));
  }
});
afterAll(async () => {
  await ns?.close();
});

describe('AuditLog', () => {
  it('appends to a stream and returns the entry id', async () => {
    const before = await ns.redis.xlen(ns.keys.audit());
    const id = await new AuditLog(ns.redis, ns.keys).append(entry(99, { action: 'probe' }));
    expect(id).toMatch(/^\d+-\d+$/);
    const [newest] = await ns.redis.xrevrange(ns.keys.audit(), '+', '-', 'COUNT', 1);
    const [storedId, fields] = newest ?? ['', []];
    expect(storedId).toBe(id);
    expect(fields).toEqual(['actor', 'U0ACTOR99', 'action', 'probe', 'target', 'req_99', 'outcome', 'ok', 'at', String(AT + 99)]);
    expect(await ns.redis.xlen(ns.keys.audit())).toBe(before + 1);
    await ns.redis.xdel(ns.keys.audit(), id);
  });

  it('reads the newest entries first, with every field as written', async () => {
    const entries = await audit.recent({ limit: 10 });
    expect(entries.map((e) => e.target)).toEqual(['req_5', 'req_4', 'req_3', 'req_2', 'req_1']);
    const { id, ...fourth } = entries[1]!;
    expect(id).toMatch(/^\d+-\d+$/);
    expect(fourth).toEqual(entry(4, { project: 'proj_support', action: 'key.create', outcome: 'failed', detail: 'OpenAI said 500' }));
    const { id: _id, ...third } = entries[2]!;
    expect(third).toEqual(entry(3));
    expect('project' in third).toBe(false);
    expect('detail' in third).toBe(false);
  });

  it('stops at the limit', async () => {
    expect((await audit.recent({ limit: 2 })).map((e) => e.target)).toEqual(['req_5', 'req_4']);
  });

  it('filters by project, newest first, and applies the limit after the filter', async () => {
    expect((await audit.recent({ limit: 10, project: 'proj_support' })).map((e) => e.target)).toEqual(['req_4', 'req_1']);
    expect((await audit.recent({ limit: 1, project: 'proj_research' })).map((e) => e.target)).toEqual(['req_5']);
    expect(await audit.recent({ limit: 10, project: 'proj_unknown' })).toEqual([]);
  });

  it('reads no further back than `sinceMs` and `scan`', async () => {
    const all = await audit.recent({ limit: 10 });
    const idOf = (target: string) => all.find((e) => e.target === target)!.id;
    const sinceMs = Number(idOf('req_3').split('-')[0]);
    const since = await audit.recent({ limit: 10, sinceMs });
    expect(since.map((e) => e.target)).toEqual(['req_5', 'req_4', 'req_3']);
    expect((await audit.recent({ limit: 10, scan: 3 })).map((e) => e.target)).toEqual(['req_5', 'req_4', 'req_3']);
    expect((await audit.recent({ limit: 10, scan: 3, project: 'proj_support' })).map((e) => e.target)).toEqual(['req_4']);
  });

  it('writes only under the namespace and the {kw} hash tag', async () => {
    const written = await ns.scanKeys(`${ns.namespace}:*`);
    expect(written).toEqual([ns.keys.audit()]);
    expect(keysOutsideLayout(written, ns.namespace)).toEqual([]);
  });
});
