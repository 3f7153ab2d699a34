/**
 * The reconciler: on every clock tick one `reconcile` job (job id from the tick, one attempt) runs each feature's
 * sweep in turn, each redoing idempotently what a crash between two steps may have cut short (key requests), or what
 * falls due with the clock (pending requests' expiry, reminders and escalation; temporary cap raises' ends). The
 * features hand their sweeps in (main.ts composes them), so the platform knows no feature.
 */
import { z } from 'zod';
import type { Logger } from 'pino';
import { defineJob, jobRunner, type JobRunner, type PayloadsOf } from './catalog.js';
import { openAIRetry } from './retry.js';
import { tickJobId, type TickJob } from './clock.js';

/**
 * One feature's sweep: `run` returns what it counted (an object of counts, e.g. `{ checked: 3, redone: 1 }`), and
 * `changed` says whether that report is worth a log line (something was redone, expired, ended: not merely looked at).
 */
export interface ReconcileSweep<R extends object = object> {
  run(): Promise<R>;
  changed(report: R): boolean;
}

/** Each feature's sweep by name (the name is what logs call it). */
export type ReconcileSweeps = Readonly<Record<string, ReconcileSweep<any>>>;

/** What each sweep of `S` counted, by the sweep's name. */
export type SweepReports<S extends ReconcileSweeps> = { [K in keyof S]: Awaited<ReturnType<S[K]['run']>> };

/** Walks every sweep on a clock tick (on the openai queue, with the jobs that may talk to OpenAI); one attempt per tick. */
export const reconcileJob = defineJob({ queue: 'openai', name: 'reconcile', payload: z.object({ tickAt: z.number() }), retry: openAIRetry({ attempts: 1 }) });

export const RECONCILE_JOBS = [reconcileJob] as const;

declare module './registry.js' {
  interface JobPayloads extends PayloadsOf<(typeof RECONCILE_JOBS)[number]> {}
}

/** The reconciler, once per clock tick (job id from the tick, so every process's clock adds it once). */
export const queueReconcile: TickJob = (queues, tickAt) => queues.add('openai', 'reconcile', { tickAt }, { jobId: tickJobId('reconcile', tickAt) });

/**
 * Runs `sweeps` one after the other, in their order, and returns each one's counts by name. Errors: the first sweep
 * that throws stops the walk (the next tick starts again from the first).
 */
export async function runSweeps<S extends ReconcileSweeps>(sweeps: S): Promise<SweepReports<S>> {
  const reports: Record<string, object> = {};
  for (const [name, sweep] of Object.entries(sweeps)) reports[name] = await sweep.run();
  return reports as SweepReports<S>;
}

/** What runs the `reconcile` job: every sweep, a log line for each that changed something, and a one-line summary. */
export function reconcileRunner(sweeps: ReconcileSweeps, log: Logger): JobRunner {
  return jobRunner(reconcileJob, {
    run: async (_tick, job) => {
      const reports = await runSweeps(sweeps);
      const summary: string[] = [];
      for (const [name, counts] of Object.entries(reports)) {
        const numbers = Object.entries(counts).filter((entry): entry is [string, number] => typeof entry[1] === 'number');
        if (sweeps[name]?.changed(counts)) log.info({ jobId: job.id, sweep: name, ...counts }, 'reconcile: a sweep changed something');
        summary.push(`${name}: ${numbers.map(([what, n]) => `${what} ${n}`).join(', ')}`);
      }
      return summary.join('; ');
    },
  });
}
