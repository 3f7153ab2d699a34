/**
 * The spend feature's jobs: the poll every clock tick queues (spend queue), and its Slack posts: a claimed alert
 * (status message posted or updated, a reply in its thread), a hard-cap notice updated once OpenAI enforces the cap,
 * and the hourly notice that OpenAI refused the admin key. Each parses its payload, calls the feature and renders.
 */
import { z } from 'zod';
import type { Logger } from 'pino';
import { defineJob, jobRunner, type JobRunner, type PayloadsOf } from '../platform/queues/catalog.js';
import { EXPONENTIAL_BACKOFF, judgeOpenAIFailure, slackRetry } from '../platform/queues/retry.js';
import { onePostRunner, type JobSlackCalls } from '../platform/queues/slackCalls.js';
import type { TickJob } from '../platform/queues/clock.js';
import type { PostOnceDeps } from '../platform/slack/postOnce.js';
import { deliverAlert, deliverEnforced, pollJobId, pollSpend, renderOpenAIAuthNotice, reportPollFailure, type AlertDeliveryDeps, type SpendDeps } from './index.js';

const id = z.string().min(1);

/**
 * One poll per clock tick (job id from the tick), three attempts. A failure OpenAI will not get over (the admin key
 * refused: told once an hour) is not retried; the next tick polls month-to-date totals anyway.
 */
export const pollSpendJob = defineJob({
  queue: 'spend',
  name: 'poll-spend',
  payload: z.object({ tickAt: z.number() }),
  retry: {
    attempts: 3,
    backoff: EXPONENTIAL_BACKOFF,
    // Retry-After is not waited for: the next tick comes soon and polls the same totals.
    judge: (error) => ({ ...judgeOpenAIFailure(error), retryAfterMs: null }),
    logAs: 'spend poll failed',
  },
});

const alertPayload = { identity: id, projectId: id };
/** a claimed spend alert: status message posted or updated, and a reply in its thread (job id = identity) */
export const alertJob = defineJob({ queue: 'slack', name: 'post', kind: 'alert', payload: z.object({ kind: z.literal('alert'), ...alertPayload }), retry: slackRetry() });
/** OpenAI now enforces a cap whose notice said enforcement was pending: that notice is updated in place, once */
export const alertEnforcedJob = defineJob({
  queue: 'slack',
  name: 'post',
  kind: 'alert-enforced',
  payload: z.object({ kind: z.literal('alert-enforced'), ...alertPayload }),
  retry: slackRetry(),
});
/** OpenAI refused the admin key during a poll (at most one an hour) */
export const openAIAuthNoticeJob = defineJob({
  queue: 'slack',
  name: 'post',
  kind: 'openai-auth-notice',
  payload: z.object({ kind: z.literal('openai-auth-notice'), channel: id, hour: id }),
  retry: slackRetry(),
});

export const SPEND_JOBS = [pollSpendJob, alertJob, alertEnforcedJob, openAIAuthNoticeJob] as const;

declare module '../platform/queues/registry.js' {
  interface JobPayloads extends PayloadsOf<(typeof SPEND_JOBS)[number]> {}
}

/** The spend poll, once per clock tick (job id from the tick). */
export const queueSpendPoll: TickJob = (queues, tickAt) => queues.add('spend', 'poll-spend', { tickAt }, { jobId: pollJobId(tickAt) });

export type SpendJobDeps = SpendDeps & {
  readonly slack: JobSlackCalls;
  /** what alert delivery reads besides Slack */
  readonly alerts: Omit<AlertDeliveryDeps, keyof PostOnceDeps | 'clock'>;
  readonly log: Logger;
};

/** Another job is delivering to the same project and month: this one waits its turn. */
const DELIVERY_BUSY_WAIT_MS = 300;

/** What runs the spend jobs. */
export function spendJobRunners(deps: SpendJobDeps): JobRunner[] {
  const alertDeps = (slack: PostOnceDeps): AlertDeliveryDeps => ({ ...deps.alerts, ...slack, clock: deps.clock });
  return [
    jobRunner(pollSpendJob, {
      run: async (_tick, job) => {
        const report = await pollSpend(deps);
        deps.log.info({ jobId: job.id, ...report }, 'spend polled');
        return `claimed ${report.alertsClaimed}`;
      },
      // The refused admin key is told (once an hour); anything else is left to the retries.
      onFailure: async (_tick, { error }) => void (await reportPollFailure(deps, error)),
    }),
    jobRunner(alertJob, {
      run: async (note, job) => {
        const delivered = await deliverAlert(alertDeps(deps.slack.forJob(job)), note.identity, job.id || note.identity);
        return delivered === 'busy' ? job.later(DELIVERY_BUSY_WAIT_MS) : delivered;
      },
    }),
    jobRunner(alertEnforcedJob, {
      run: async (note, job) => {
        const updated = await deliverEnforced(alertDeps(deps.slack.forJob(job)), note.identity, job.id || note.identity);
        return updated === 'busy' ? job.later(DELIVERY_BUSY_WAIT_MS) : updated;
      },
    }),
    onePostRunner(openAIAuthNoticeJob, deps.slack, { channel: (note) => note.channel, message: () => renderOpenAIAuthNotice(), outcome: 'auth-notice' }),
  ];
}
