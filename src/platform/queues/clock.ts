/**
 * The clock: node-cron fires in every running process (UTC); each tick adds one `poll-spend` job and one
 * `reconcile` job whose ids come from the tick's scheduled time, so however many replicas tick, each runs once.
 *
 * A tick node-cron skips because the event loop was late (it emits `execution:missed` instead of running) is
 * still polled: the missed ticks of one late beat are folded into one catch-up poll for the latest of them (a poll
 * reads month-to-date totals, so one poll covers every tick it stands for), unless a later tick ran meanwhile.
 * Source: node-cron 4 `missedExecutionTolerance` (1 s) and the `execution:missed` task event.
 */
import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';
import { pollJobId } from '../../spend/spendPoll.js';
import type { JobQueues } from './queues.js';

export interface RunningClock {
  stop(): Promise<void>;
}

export interface ClockOptions {
  /** how late (ms) a tick may run before node-cron calls it missed; node-cron's default is 1000 */
  readonly missedToleranceMs?: number;
}

/** Queues the work of the tick scheduled at `tickAt` (ms): the spend poll and the reconciler, once per tick. */
async function queueTick(queues: Pick<JobQueues, 'add'>, tickAt: number): Promise<void> {
  await queues.add('spend', 'poll-spend', { tickAt }, { jobId: pollJobId(tickAt), attempts: 3 });
  await queues.add('openai', 'reconcile', { tickAt }, { jobId: pollJobId(tickAt).replace(/^poll/, 'reconcile'), attempts: 1 });
}

export function startClock(expression: string, queues: Pick<JobQueues, 'add'>, log: Logger, options: ClockOptions = {}): RunningClock {
  let lastQueuedTick = 0;
  let latestMissed = 0;
  let catchUpScheduled = false;

  const tick = async (tickAt: number, catchUp: boolean): Promise<void> => {
    lastQueuedTick = Math.max(lastQueuedTick, tickAt);
    try {
      await queueTick(queues, tickAt);
      if (catchUp) log.info({ tickAt: new Date(tickAt).toISOString() }, 'a clock tick was missed (the event loop was late); polled it now');
    } catch (error) {
      log.warn({ tickAt, error: (error as Error).message }, 'could not queue the spend poll for this tick; the next tick reads month-to-date totals');
    }
  };

  const task: ScheduledTask = cron.schedule(expression, async ({ date }) => tick(date.getTime(), false), {
    timezone: 'Etc/UTC',
    name: 'keywarden-poll-spend',
    noOverlap: false,
    ...(options.missedToleranceMs !== undefined ? { missedExecutionTolerance: options.missedToleranceMs } : {}),
  });

  task.on('execution:missed', ({ date }) => {
    latestMissed = Math.max(latestMissed, date.getTime());
    if (catchUpScheduled) return;
    catchUpScheduled = true;
    // node-cron reports each missed slot of a late beat in turn: wait for the beat to end, then poll once.
    setImmediate(() => {
      catchUpScheduled = false;
      const missed = latestMissed;
      if (missed > lastQueuedTick) void tick(missed, true);
    });
  });

  return {
    stop: async () => {
      await task.stop();
      await task.destroy();
    },
  };
}
