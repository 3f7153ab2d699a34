/**
 * Typed producers for the queues: a job is queued only if the catalog declares it and its payload fits the job's
 * schema (what is stored is the payload as parsed, so nothing the schema does not name, never a key value, reaches
 * Redis). Attempts come from the job's retry policy; the wait between them from the workers (workers.ts).
 */
import { Queue, type JobsOptions } from 'bullmq';
import type { RedisClient } from '../redis/connection.js';
import { createJobCatalog, JobPayloadRefused, type JobDefinition } from './catalog.js';
import { QUEUE, type JobData, type JobName, type QueueName } from './registry.js';

const DEFAULT_JOB_OPTIONS: JobsOptions = {
  // 'custom': the workers' backoff strategy, the job's own (its retry policy) and never shorter than a Retry-After
  backoff: { type: 'custom' },
  // Completed jobs are kept for a week so that a job id added again in that time is recognised and not redone.
  removeOnComplete: { age: 7 * 24 * 3600, count: 50_000 },
  removeOnFail: { age: 30 * 24 * 3600 },
};

export interface JobQueues {
  /**
   * Queues job `name` once per `jobId` (an id already present is skipped), after `delayMs` when given.
   * Errors: JobPayloadRefused when no job `name` is declared on `queue` or `data` does not fit its schema.
   */
  add<Q extends QueueName, N extends JobName<Q>>(queue: Q, name: N, data: JobData<Q, N>, opts: { jobId: string; delayMs?: number }): Promise<void>;
  /** many jobs of one name in one round trip; ids already present are skipped as with `add`; refused as `add` is, all or none */
  addBulk<Q extends QueueName, N extends JobName<Q>>(queue: Q, name: N, jobs: readonly { data: JobData<Q, N>; jobId: string }[]): Promise<void>;
  readonly queues: Readonly<Record<QueueName, Queue>>;
  close(): Promise<void>;
}

/** The queues under `prefix`, taking the jobs of `definitions` (every feature's, assembled by the composition root). */
export function createJobQueues(connection: RedisClient, prefix: string, definitions: readonly JobDefinition[]): JobQueues {
  const catalog = createJobCatalog(definitions.map((definition) => ({ definition })));
  const queues = Object.fromEntries(
    Object.values(QUEUE).map((name) => [name, new Queue(name, { connection, prefix, defaultJobOptions: DEFAULT_JOB_OPTIONS })]),
  ) as Record<QueueName, Queue>;
  // Without a listener BullMQ prints every failed reconnect to stderr; the Redis health report says it once.
  for (const queue of Object.values(queues)) queue.on('error', () => undefined);

  /** The payload as its schema parsed it, and the job's attempts; refused when it does not fit. */
  const prepare = (queue: QueueName, name: string, data: unknown) => {
    const checked = catalog.check(queue, name, data);
    if (!checked.ok) throw new JobPayloadRefused(`${queue} job ${name}`, checked.problems);
    return { payload: checked.payload, attempts: checked.entry.definition.retry.attempts };
  };

  return {
    queues,
    async add(queue, name, data, opts) {
      const { payload, attempts } = prepare(queue, name, data);
      await queues[queue].add(name, payload, {
        jobId: opts.jobId,
        attempts,
        ...(opts.delayMs !== undefined ? { delay: Math.max(0, Math.round(opts.delayMs)) } : {}),
      });
    },
    async addBulk(queue, name, jobs) {
      const prepared = jobs.map((j) => ({ ...prepare(queue, name, j.data), jobId: j.jobId }));
      await queues[queue].addBulk(prepared.map((j) => ({ name, data: j.payload, opts: { jobId: j.jobId, attempts: j.attempts } })));
    },
    async close() {
      await Promise.all(Object.values(queues).map((q) => q.close()));
    },
  };
}
