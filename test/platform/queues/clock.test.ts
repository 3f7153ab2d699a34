import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { startClock, type RunningClock } from '../../../src/platform/queues/clock.js';
import { queueReconcile } from '../../../src/platform/queues/reconcile.js';
import { queueSpendPoll } from '../../../src/spend/jobs.js';

let clock: RunningClock | undefined;
afterEach(async () => {
  await clock?.stop();
  clock = undefined;
});

/** What the clock queued: the one dependency it has, recorded. */
function recordingQueues() {
  const added: { queue: string; name: string; tickAt: number; jobId: string }[] = [];
  return {
    added,
    queues: {
      add: async (queue: string, name: string, data: { tickAt: number }, opts: { jobId: string }) => {
        added.push({ queue, name, tickAt: data.tickAt, jobId: opts.jobId });
        return undefined as never;
      },
    },
  };
}

const busyFor = (ms: number) => {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // the event loop is blocked, as by a long synchronous fold
  }
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the clock', () => {
  it('queues one poll and one reconcile per tick, with ids from the tick', async () => {
    const { added, queues } = recordingQueues();
    clock = startClock('* * * * * *', queues as never, [queueSpendPoll, queueReconcile], pino({ level: 'silent' }));
    await sleep(2_300);
    const polls = added.filter((a) => a.name === 'poll-spend');
    expect(polls.length).toBeGreaterThanOrEqual(2);
    expect(new Set(polls.map((p) => p.jobId)).size).toBe(polls.length);
    expect(added.filter((a) => a.name === 'reconcile')).toHaveLength(polls.length);
    for (const p of polls) expect(p.tickAt % 1_000).toBe(0);
  });

  it('still polls a tick that node-cron skipped because the event loop was late, without waiting for the next', async () => {
    const { added, queues } = recordingQueues();
    // every 5 s: a skipped tick would otherwise wait a whole interval for the next poll
    clock = startClock('*/5 * * * * *', queues as never, [queueSpendPoll, queueReconcile], pino({ level: 'silent' }));
    const slot = Math.ceil((Date.now() + 1_000) / 5_000) * 5_000;
    await sleep(slot - Date.now() - 300);
    // The loop comes back 2.3 s after the slot. node-cron measures lateness in whole seconds (2 s), past its
    // 1 s tolerance, so it calls the tick missed.
    busyFor(slot + 2_300 - Date.now());
    await sleep(200);
    expect(Date.now()).toBeLessThan(slot + 5_000);
    const polls = added.filter((a) => a.name === 'poll-spend' && a.tickAt >= slot);
    expect(polls.map((p) => p.tickAt)).toEqual([slot]);
    expect(added.filter((a) => a.name === 'reconcile' && a.tickAt >= slot).map((p) => p.tickAt)).toEqual([slot]);
  });
});
