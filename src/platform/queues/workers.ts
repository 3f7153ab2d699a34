/**
 * The BullMQ workers of every queue, running the jobs of the catalog: a job's payload is parsed with its schema
 * before its runner sees it, and a failure is judged by the job's retry policy (permanent, retried, how long until
 * the next attempt).
 */
import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { RedisClient } from '../redis/connection.js';
import { meansStoreUnavailable } from '../redis/storeUnavailable.js';
import type { Logger } from 'pino';
import { createJobCatalog, type JobCatalog, type JobRun, type JobRunner } from './catalog.js';
import { QUEUE, type QueueName } from './registry.js';
import { EXPONENTIAL_BACKOFF, retryDelay } from './retry.js';

export interface WorkerSettings {
  readonly concurrency: number;
  /** how long a job's lock lasts; a crashed worker's job is picked up again after about this long */
  readonly lockDurationMs: number;
}

export interface RunningWorkers {
  readonly workers: readonly Worker[];
  close(): Promise<void>;
}

/** Starts one worker per queue, running the jobs of `runners` (every feature's, assembled by the composition root). */
export function startWorkers(connection: RedisClient, prefix: string, runners: readonly JobRunner[], settings: WorkerSettings, log: Logger): RunningWorkers {
  const catalog = createJobCatalog(runners);
  const workers = Object.values(QUEUE).map((queue) => {
    const worker = new Worker(queue, (job: Job, token?: string) => runJob(catalog, queue, job, token, log), {
      connection,
      prefix,
      concurrency: settings.concurrency,
      lockDuration: settings.lockDurationMs,
      stalledInterval: Math.max(1_000, Math.floor(settings.lockDurationMs / 2)),
      maxStalledCount: 3,
      settings: {
        backoffStrategy: (attemptsMade, _type, error, job) =>
          retryDelay(attemptsMade, (job && catalog.find(queue, job.name, job.data)?.definition.retry.backoff) || EXPONENTIAL_BACKOFF, error),
      },
    });
    worker.on('failed', (job, error) =>
      log.warn({ queue, jobId: job?.id, job: job?.name, attempts: job?.attemptsMade, error: error.message }, 'job failed'),
    );
    worker.on('error', (error: Error & { code?: string }) => {
      // Lost connections are reported once by the Redis health report; these would repeat on every reconnect.
      if (meansStoreUnavailable(error)) return;
      log.error({ queue, error: error.message }, 'worker error');
    });
    return worker;
  });
  return {
    workers,
    async close() {
      await Promise.all(workers.map((w) => w.close()));
    },
  };
}

/**
 * Runs one attempt of `job`. A job the catalog does not declare, or whose payload does not fit its schema, fails for
 * good (logged with the job's name and what was wrong). A runner's failure is judged by the job's retry policy: its
 * `onFailure` is told, then the job is retried (after any Retry-After) or, when permanent or out of attempts, failed.
 * `later` (DelayedError) and a runner's own UnrecoverableError pass through as they are.
 */
async function runJob(catalog: JobCatalog<JobRunner>, queue: QueueName, job: Job, token: string | undefined, log: Logger): Promise<string> {
  const checked = catalog.check(queue, job.name, job.data);
  if (!checked.ok) {
    log.error({ queue, jobId: job.id, job: job.name, problems: checked.problems }, 'a job was refused: its payload does not fit the job; it is not retried');
    throw new UnrecoverableError(`payload refused: ${checked.problems.join('; ')}`);
  }
  const runner = checked.entry;
  const payload = checked.payload;
  const run: JobRun = {
    id: job.id ?? '',
    name: job.name,
    attempt: job.attemptsMade + 1,
    later: async (ms) => {
      await job.moveToDelayed(Date.now() + Math.ceil(ms), token);
      throw new DelayedError();
    },
  };
  try {
    return await runner.run(payload, run);
  } catch (error) {
    if (error instanceof DelayedError || error instanceof UnrecoverableError) throw error;
    const retry = runner.definition.retry;
    const verdict = retry.judge?.(error) ?? { permanent: false, message: error instanceof Error ? error.message : String(error) };
    if (retry.logAs && !verdict.quiet) {
      log.warn({ queue, jobId: job.id, job: job.name, attempt: run.attempt, failure: verdict.kind, status: verdict.status }, retry.logAs);
    }
    const final = verdict.permanent || run.attempt >= (job.opts.attempts ?? 1);
    await runner.onFailure?.(payload, { error, verdict, final });
    if (final) throw new UnrecoverableError(verdict.message);
    throw Object.assign(new Error(verdict.message), { retryAfterMs: verdict.retryAfterMs ?? undefined });
  }
}
