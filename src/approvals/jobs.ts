/**
 * The approvals engine's jobs: a request's expiry and nudges (reminder, escalation), its message in the approval
 * channel, the delivery of its outbox (thread notes and DMs, in order: delivery.ts), and a plain DM. Each job parses
 * its payload, asks the engine or a delivery flow and renders; only the engine changes a request.
 */
import { z } from 'zod';
import { defineJob, jobRunner, type JobRun, type JobRunner, type PayloadsOf } from '../platform/queues/catalog.js';
import { openAIRetry, slackRetry } from '../platform/queues/retry.js';
import type { JobSlackCalls } from '../platform/queues/slackCalls.js';
import { deliverOutbox, postRequestMessage, type ApprovalDeliveryDeps } from './delivery.js';
import type { ApprovalEngine, RequestEventLike } from './engine.js';
import type { RequestOutbox } from './outbox.js';
import { renderPlainDm } from './render/plainDm.js';

const requestPayload = z.object({ requestId: z.string().min(1) });

/** A pending request's deadline: it expires unless decided (job id per request, delayed until its deadline). */
export const expireRequestJob = defineJob({ queue: 'openai', name: 'expire-request', payload: requestPayload, retry: openAIRetry() });
/** queued by releases before limit changes joined the approvals engine; expired as `expire-request` is */
export const expireLimitRequestJob = defineJob({ queue: 'openai', name: 'expire-limit-request', payload: requestPayload, retry: openAIRetry() });
/** a pending request's reminder or escalation falls due (job id per request and nudge; each posted once) */
export const approvalNudgeJob = defineJob({ queue: 'openai', name: 'approval-nudge', payload: requestPayload, retry: openAIRetry() });

/** Posts the request message in the approval channel, or updates it in place once posted. Retried until it is posted. */
export const requestMessageJob = defineJob({
  queue: 'slack',
  name: 'post',
  kind: 'request-message',
  payload: z.object({ kind: z.literal('request-message'), requestId: z.string().min(1), mode: z.enum(['post', 'update']) }),
  retry: slackRetry(),
});
/** Delivers what waits in the request's outbox: thread notes and DMs, in order; retried for about an hour while the request message waits to be posted. */
export const outboxJob = defineJob({
  queue: 'slack',
  name: 'post',
  kind: 'outbox',
  payload: z.object({ kind: z.literal('outbox'), requestId: z.string().min(1) }),
  retry: slackRetry({ attempts: 13 }),
});
/** A plain DM, e.g. why a request could not be shown to approvers. */
export const dmJob = defineJob({
  queue: 'slack',
  name: 'post',
  kind: 'dm',
  payload: z.object({ kind: z.literal('dm'), userId: z.string().min(1), text: z.string().min(1) }),
  retry: slackRetry(),
});

export const APPROVAL_JOBS = [expireRequestJob, expireLimitRequestJob, approvalNudgeJob, requestMessageJob, outboxJob, dmJob] as const;

declare module '../platform/queues/registry.js' {
  interface JobPayloads extends PayloadsOf<(typeof APPROVAL_JOBS)[number]> {}
}

/** What the approvals engine's jobs need: the delivery flows' dependencies, the whole engine, and Slack per attempt. */
export interface ApprovalJobDeps extends Omit<ApprovalDeliveryDeps, 'slack'> {
  readonly approvals: ApprovalEngine;
  readonly outbox: RequestOutbox<RequestEventLike>;
  /** Slack for each job's attempt (paced per channel) */
  readonly slack: JobSlackCalls;
}

/** How long an outbox job waits when another delivery holds its request's lock (ms); it does not use an attempt. */
const OUTBOX_BUSY_WAIT_MS = 250;

/** What runs the approvals engine's jobs: each parses its payload, calls the engine or a delivery flow, and renders. */
export function approvalJobRunners(deps: ApprovalJobDeps): JobRunner[] {
  const expire = async ({ requestId }: { requestId: string }) => ((await deps.approvals.expire(requestId)) ? 'expired' : 'unchanged');
  const withSlackOf = (job: JobRun): ApprovalDeliveryDeps => ({ ...deps, slack: deps.slack.forJob(job) });

  return [
    jobRunner(expireRequestJob, { run: expire }),
    jobRunner(expireLimitRequestJob, { run: expire }),
    jobRunner(approvalNudgeJob, { run: async ({ requestId }) => `nudged: ${(await deps.approvals.nudge(requestId)).join(', ') || 'none due'}` }),
    jobRunner(requestMessageJob, { run: (note, job) => postRequestMessage(withSlackOf(job), note) }),
    jobRunner(outboxJob, {
      run: async ({ requestId }, job) => {
        const outcome = await deliverOutbox(withSlackOf(job), requestId, job.id || 'flush');
        return outcome === 'busy' ? job.later(OUTBOX_BUSY_WAIT_MS) : outcome;
      },
    }),
    jobRunner(dmJob, {
      run: async (note, job) => {
        const slack = deps.slack.forJob(job);
        await slack.postForJob(await slack.dmChannel(note.userId), renderPlainDm(note.text));
        return 'dm';
      },
    }),
  ];
}
