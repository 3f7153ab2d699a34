/** Starts the BullMQ workers for every queue in the registry. */
import { Worker, type Job } from 'bullmq';
import type { RedisClient } from '../redis/connection.js';
import type { Logger } from 'pino';
import { QUEUE, type QueueName } from './registry.js';

export interface WorkerSettings {
  readonly concurrency: number;
  /** how long a job's lock lasts; a crashed worker's job is picked up again after about this long */
  readonly lockDurationMs: number;
}

export interface RunningWorkers {
  readonly workers: readonly Worker[];
  close(): Promise<void>;
}

export type Processors = Readonly<Record<QueueName, (job: Job, token?: string) => Promise<unknown>>>;

export function startWorkers(connection: RedisClient, prefix: string, processors: Processors, settings: WorkerSettings, log: Logger): RunningWorkers {
  const workers = Object.values(QUEUE).map((name) => {
    const worker = new Worker(name, processors[name], {
      connection,
      prefix,
      concurrency: settings.concurrency,
      lockDuration: settings.lockDurationMs,
      stalledInterval: Math.max(1_000, Math.floor(settings.lockDurationMs / 2)),
      maxStalledCount: 3,
      settings: { backoffStrategy: retryDelay },
    });
    worker.on('failed', (job, error) =>
      log.warn({ queue: name, jobId: job?.id, job: job?.name, attempts: job?.attemptsMade, error: error.message }, 'job failed'),
    );
    worker.on('error', (error: Error & { code?: string }) => {
      // Lost connections are reported once by the Redis health report; these would repeat on every reconnect.
      if (isConnectionError(error)) return;
      log.error({ queue: name, error: error.message }, 'worker error');
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

export function isConnectionError(error: Error & { code?: string }): boolean {
  return /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EHOSTUNREACH|Connection is closed|connect ETIMEDOUT/i.test(`${error.code ?? ''} ${error.message}`);
}

/**
 * How long a failed job waits before its next attempt: exponential from 1 s (capped at 10 minutes), or longer when
 * the failure said how long to wait (OpenAI's Retry-After), so retries do not come back before the server allows.
 */
export function retryDelay(attemptsMade: number, _type?: string, error?: Error): number {
  const exponential = Math.min(1_000 * 2 ** Math.max(0, attemptsMade - 1), 600_000);
  const asked = (error as { retryAfterMs?: unknown } | undefined)?.retryAfterMs;
  return typeof asked === 'number' && asked > exponential ? Math.min(asked, 3_600_000) : exponential;
}
