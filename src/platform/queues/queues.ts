/** Typed producers for the queues in the registry. */
import { Queue, type JobsOptions } from 'bullmq';
import type { RedisClient } from '../redis/connection.js';
import { QUEUE, type JobData, type JobName, type QueueName } from './registry.js';

const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 8,
  // 'custom': the workers' retryDelay, exponential from 1 s and never shorter than a Retry-After the failure carried
  backoff: { type: 'custom' },
  // Completed jobs are kept for a week so that a job id added again in that time is recognised and not redone.
  removeOnComplete: { age: 7 * 24 * 3600, count: 50_000 },
  removeOnFail: { age: 30 * 24 * 3600 },
};

export interface JobQueues {
  add<Q extends QueueName, N extends JobName<Q>>(
    queue: Q,
    name: N,
    data: JobData<Q, N>,
    opts: { jobId: string; delayMs?: number; attempts?: number },
  ): Promise<void>;
  /** many jobs of one name in one round trip; ids already present are skipped as with `add` */
  addBulk<Q extends QueueName, N extends JobName<Q>>(queue: Q, name: N, jobs: readonly { data: JobData<Q, N>; jobId: string }[]): Promise<void>;
  readonly queues: Readonly<Record<QueueName, Queue>>;
  close(): Promise<void>;
}

export function createJobQueues(connection: RedisClient, prefix: string): JobQueues {
  const queues = Object.fromEntries(
    Object.values(QUEUE).map((name) => [name, new Queue(name, { connection, prefix, defaultJobOptions: DEFAULT_JOB_OPTIONS })]),
  ) as Record<QueueName, Queue>;
  // Without a listener BullMQ prints every failed reconnect to stderr; the Redis health report says it once.
  for (const queue of Object.values(queues)) queue.on('error', () => undefined);
  return {
    queues,
    async add(queue, name, data, opts) {
      await queues[queue].add(name, data, {
        jobId: opts.jobId,
        ...(opts.delayMs !== undefined ? { delay: Math.max(0, Math.round(opts.delayMs)) } : {}),
        ...(opts.attempts !== undefined ? { attempts: opts.attempts } : {}),
      });
    },
    async addBulk(queue, name, jobs) {
      await queues[queue].addBulk(jobs.map((j) => ({ name, data: j.data, opts: { jobId: j.jobId } })));
    },
    async close() {
      await Promise.all(Object.values(queues).map((q) => q.close()));
    },
  };
}
