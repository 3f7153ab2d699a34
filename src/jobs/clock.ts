/**
 * The clock: node-cron fires in every running process (UTC); each tick adds one `poll-spend` job and one
 * `reconcile` job whose ids come from the tick's scheduled time, so however many replicas tick, each runs once.
 */
import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';
import { pollJobId } from '../services/spend.js';
import type { JobQueues } from './queues.js';

export interface RunningClock {
  stop(): Promise<void>;
}

export function startClock(expression: string, queues: Pick<JobQueues, 'add'>, log: Logger): RunningClock {
  const task: ScheduledTask = cron.schedule(
    expression,
    async ({ date }) => {
      const tickAt = date.getTime();
      try {
        await queues.add('spend', 'poll-spend', { tickAt }, { jobId: pollJobId(tickAt), attempts: 3 });
        await queues.add('openai', 'reconcile', { tickAt }, { jobId: pollJobId(tickAt).replace(/^poll/, 'reconcile'), attempts: 1 });
      } catch (error) {
        log.warn({ tickAt, error: (error as Error).message }, 'could not queue the spend poll for this tick; the next tick reads month-to-date totals');
      }
    },
    { timezone: 'Etc/UTC', name: 'keywarden-poll-spend', noOverlap: false },
  );
  return {
    stop: async () => {
      await task.stop();
      await task.destroy();
    },
  };
}
