/**
 * The clock: node-cron fires in every running process (UTC); each tick adds the jobs the features ask for (the
 * spend poll, the reconciler), each with an id that comes from the tick's scheduled time, so however many replicas
 * tick, each runs once.
 *
 * A tick node-cron skips because the event loop was late (it emits `execution:missed` instead of running) is
 * still polled: the missed ticks of one late beat are folded into one catch-up poll for the latest of them (a poll
 * reads month-to-date totals, so one poll covers every tick it stands for), unless a later tick ran meanwhile.
 * Source: node-cron 4 `missedExecutionTolerance` (1 s) and the `execution:missed` task event.
 */
import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';
import type { JobQueues } from './queues.js';
import { jobId } from './registry.js';

export interface RunningClock {
  stop(): Promise<void>;
}

export interface ClockOptions {
  /** how late (ms) a tick may run before node-cron calls it missed; node-cron's default is 1000 */
  readonly missedToleranceMs?: number;
}

/**
 * What a tick adds: one job for the tick scheduled at `tickAt` (ms), with an id from `tickJobId`, so that every
 * replica's clock adds the same job. Given by the features (e.g. the spend poll, the reconciler).
 */
export type TickJob = (queues: Pick<JobQueues, 'add'>, tickAt: number) => Promise<void>;

/** The id of job `name` for the tick at `tickAt` (ms): `name.<the tick's whole second, ISO, ':' and '.' as '-'>`. */
export const tickJobId = (name: string, tickAt: number): string => jobId(name, new Date(Math.floor(tickAt / 1_000) * 1_000).toISOString().replace(/[:.]/g, '-'));

/** Queues the work of the tick scheduled at `tickAt` (ms): each of `jobs`, in order, once per tick. */
async function queueTick(queues: Pick<JobQueues, 'add'>, jobs: readonly TickJob[], tickAt: number): Promise<void> {
  for (const add of jobs) await add(queues, tickAt);
}

/** Starts the clock on `expression` (cron, UTC): every tick adds each of `jobs` (see TickJob). */
export function startClock(expression: string, queues: Pick<JobQueues, 'add'>, jobs: readonly TickJob[], log: Logger, options: ClockOptions = {}): RunningClock {
  let lastQueuedTick = 0;
  let latestMissed = 0;
  let catchUpScheduled = false;

  const tick = async (tickAt: number, catchUp: boolean): Promise<void> => {
    lastQueuedTick = Math.max(lastQueuedTick, tickAt);
    try {
      await queueTick(queues, jobs, tickAt);
      if (catchUp) log.info({ tickAt: new Date(tickAt).toISOString() }, 'a clock tick was missed (the event loop was late); its jobs were queued now');
    } catch (error) {
      log.warn({ tickAt, error: (error as Error).message }, 'could not queue this tick\'s jobs; the next tick queues its own (the poll reads month-to-date totals, the reconciler walks everything unsettled)');
    }
  };

  const task: ScheduledTask = cron.schedule(expression, async ({ date }) => tick(date.getTime(), false), {
    timezone: 'Etc/UTC',
    name: 'keywarden-clock',
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
