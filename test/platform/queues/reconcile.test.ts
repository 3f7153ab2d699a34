/** The reconcile tick's walk over the features' sweeps: in order, each one's counts by name, stopped by a failure. */
import { describe, expect, it } from 'vitest';
import { runSweeps } from '../../../src/platform/queues/reconcile.js';

describe('runSweeps', () => {
  it('runs every sweep once, in order, and returns what each counted by its name', async () => {
    const order: string[] = [];
    const reports = await runSweeps({
      requests: async () => (order.push('requests'), { checked: 3, redone: 1, settled: 1 }),
      approvals: async () => (order.push('approvals'), { pending: 2, expired: 0, reminded: 1, escalated: 0 }),
      raises: async () => (order.push('raises'), { ended: 0, failed: 0 }),
    });
    expect(order).toEqual(['requests', 'approvals', 'raises']);
    expect(reports.requests.redone).toBe(1);
    expect(reports.approvals.reminded).toBe(1);
    expect(reports.raises).toEqual({ ended: 0, failed: 0 });
  });

  it('stops at the first sweep that throws, so the next tick starts again from the first', async () => {
    const order: string[] = [];
    const walk = runSweeps({
      requests: async () => (order.push('requests'), { checked: 0 }),
      approvals: async () => {
        order.push('approvals');
        throw new Error('store unavailable');
      },
      raises: async () => (order.push('raises'), { ended: 0 }),
    });
    await expect(walk).rejects.toThrow('store unavailable');
    expect(order).toEqual(['requests', 'approvals']);
  });
});
