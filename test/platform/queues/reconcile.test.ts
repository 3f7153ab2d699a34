/**
 * The reconcile tick's walk over the features' sweeps: in order, each one's counts by name, stopped by a failure;
 * and a log line only for a sweep that changed something (a quiet tick, with requests merely looked at, logs none).
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { reconcileRunner, runSweeps, type ReconcileSweeps } from '../../../src/platform/queues/reconcile.js';

const changedWhen =
  <R extends object>(test: (r: R) => boolean) =>
  (run: () => Promise<R>) => ({ run, changed: test });
const requests = changedWhen((r: { checked: number; redone: number }) => r.redone > 0);
const approvals = changedWhen((r: { pending: number; reminded: number }) => r.reminded > 0);

/** A logger whose lines land in `lines` (parsed). */
function capturedLog() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>), done()) });
  return { log: pino({ level: 'info' }, stream), lines };
}

const tick = (sweeps: ReconcileSweeps, log: pino.Logger) =>
  reconcileRunner(sweeps, log).run({ tickAt: 0 }, { id: 'reconcile.t', name: 'reconcile', attempt: 1, later: async () => Promise.reject(new Error('no')) });

describe('runSweeps', () => {
  it('runs every sweep once, in order, and returns what each counted by its name', async () => {
    const order: string[] = [];
    const reports = await runSweeps({
      requests: requests(async () => (order.push('requests'), { checked: 3, redone: 1 })),
      approvals: approvals(async () => (order.push('approvals'), { pending: 2, reminded: 1 })),
    });
    expect(order).toEqual(['requests', 'approvals']);
    expect(reports.requests.redone).toBe(1);
    expect(reports.approvals).toEqual({ pending: 2, reminded: 1 });
  });

  it('stops at the first sweep that throws, so the next tick starts again from the first', async () => {
    const order: string[] = [];
    const walk = runSweeps({
      approvals: approvals(async () => {
        order.push('approvals');
        throw new Error('store unavailable');
      }),
      requests: requests(async () => (order.push('requests'), { checked: 0, redone: 0 })),
    });
    await expect(walk).rejects.toThrow('store unavailable');
    expect(order).toEqual(['approvals']);
  });
});

describe('reconcileRunner', () => {
  it('logs nothing on a quiet tick, even with requests looked at and pending', async () => {
    const { log, lines } = capturedLog();
    const summary = await tick({ requests: requests(async () => ({ checked: 5, redone: 0 })), approvals: approvals(async () => ({ pending: 2, reminded: 0 })) }, log);
    expect(lines).toEqual([]);
    expect(summary).toBe('requests: checked 5, redone 0; approvals: pending 2, reminded 0');
  });

  it('logs once for each sweep that changed something, with its counts', async () => {
    const { log, lines } = capturedLog();
    await tick({ requests: requests(async () => ({ checked: 5, redone: 2 })), approvals: approvals(async () => ({ pending: 2, reminded: 0 })) }, log);
    expect(lines.map((l) => [l.sweep, l.redone, l.msg])).toEqual([['requests', 2, 'reconcile: a sweep changed something']]);
  });
});
