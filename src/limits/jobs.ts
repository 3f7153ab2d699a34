/**
 * The limits feature's jobs: applying an approved limit change and ending a temporary cap raise (openai queue, one
 * writer of a cap at a time: a busy cap lock is waited out), and the notices of the project's alert channel (a
 * change applied, a cap found changed at OpenAI, a raise ended), each posted once. Each parses its payload, calls
 * the feature and renders.
 */
import { z } from 'zod';
import type { Logger } from 'pino';
import { defineJob, jobRunner, type JobRunner, type PayloadsOf, type RetryPolicy } from '../platform/queues/catalog.js';
import { judgeOpenAIFailure, openAIRetry, slackRetry } from '../platform/queues/retry.js';
import { onePostRunner, type JobSlackCalls } from '../platform/queues/slackCalls.js';
import { capRaiseSchema as capRaise, centsSchema as centsAmount, projectLimitsSchema as projectLimits } from './domain/projectLimitsSchema.js';
import {
  applyApprovedLimitChange,
  CapLockBusy,
  endRaise,
  failLimitChange,
  renderCapRaiseEnded,
  renderCapSighting,
  renderLimitChangeApplied,
  type LimitDeps,
} from './index.js';

const id = z.string().min(1);
/** EndedRaise (src/limits/limitStore.ts) */
const endedRaise = capRaise.extend({
  outcome: z.enum(['restored', 'changed']),
  foundCents: centsAmount.nullable().optional(),
  endedAt: z.number(),
  limitsVersion: z.int(),
});

/** OpenAI failures by kind; another step holding the project's cap lock is waited out (retried, not logged). */
const capRetry: RetryPolicy = {
  ...openAIRetry(),
  judge: (error) => (error instanceof CapLockBusy ? { permanent: false, message: error.message, quiet: true } : judgeOpenAIFailure(error)),
};

/** Sets an approved change at OpenAI and records it (job id per request); a change OpenAI refuses for good fails the request. */
export const applyLimitChangeJob = defineJob({ queue: 'openai', name: 'apply-limit-change', payload: z.object({ requestId: id }), retry: capRetry });
/** a temporary cap raise's end, delayed until then (job id: project + the limits version that made the raise) */
export const endCapRaiseJob = defineJob({ queue: 'openai', name: 'end-cap-raise', payload: z.object({ projectId: id, raiseVersion: z.int() }), retry: capRetry });

/** a limits change, announced in the project's alert channel with before and after */
export const limitsAppliedJob = defineJob({
  queue: 'slack',
  name: 'post',
  kind: 'limits-applied',
  payload: z.object({
    kind: z.literal('limits-applied'),
    projectId: id,
    projectName: z.string(),
    before: projectLimits.nullable(),
    after: projectLimits,
    actorId: id,
    approvedBy: id.optional(),
  }),
  retry: slackRetry(),
});
/** OpenAI's spend limit differs from what keywarden last set, or (`adopted`) is a cap keywarden had never set nor seen */
export const driftJob = defineJob({
  queue: 'slack',
  name: 'post',
  kind: 'drift',
  payload: z.object({
    kind: z.literal('drift'),
    projectId: id,
    projectName: z.string(),
    channel: id,
    keywardenCents: centsAmount.nullable(),
    openaiCents: centsAmount.nullable(),
    adopted: z.boolean().optional(),
  }),
  retry: slackRetry(),
});
/** a temporary cap raise ended: its cap set back, or left because it was changed since (job id: the raise) */
export const capRaiseEndedJob = defineJob({
  queue: 'slack',
  name: 'post',
  kind: 'cap-raise-ended',
  payload: z.object({ kind: z.literal('cap-raise-ended'), projectId: id, projectName: z.string(), channel: id, ended: endedRaise }),
  retry: slackRetry(),
});

export const LIMIT_JOBS = [applyLimitChangeJob, endCapRaiseJob, limitsAppliedJob, driftJob, capRaiseEndedJob] as const;

declare module '../platform/queues/registry.js' {
  interface JobPayloads extends PayloadsOf<(typeof LIMIT_JOBS)[number]> {}
}

export type LimitJobDeps = LimitDeps & {
  readonly slack: JobSlackCalls;
  /** where a change is announced when its limits name no channel */
  readonly approvalChannel: string;
  readonly log: Logger;
};

/** What runs the limits jobs. */
export function limitJobRunners(deps: LimitJobDeps): JobRunner[] {
  return [
    jobRunner(applyLimitChangeJob, {
      run: ({ requestId }) => applyApprovedLimitChange(deps, requestId),
      // No attempt follows: the request fails and its requester is told (a busy cap lock is not OpenAI's refusal).
      onFailure: async ({ requestId }, { error, verdict, final }) => {
        if (final && !(error instanceof CapLockBusy)) await failLimitChange(deps, requestId, verdict.message);
      },
    }),
    // not-due (BullMQ's clock ran ahead of keywarden's): the reconcile sweep ends it when it is due.
    jobRunner(endCapRaiseJob, { run: ({ projectId, raiseVersion }) => endRaise(deps, projectId, raiseVersion) }),
    onePostRunner(limitsAppliedJob, deps.slack, {
      channel: (note) => note.after.channelId ?? deps.approvalChannel,
      message: (note) =>
        renderLimitChangeApplied({
          project: { id: note.projectId, name: note.projectName },
          before: note.before,
          after: note.after,
          actorId: note.actorId,
          ...(note.approvedBy ? { approvedBy: note.approvedBy } : {}),
          now: deps.clock(),
        }),
      outcome: 'announced',
    }),
    onePostRunner(driftJob, deps.slack, {
      channel: (note) => note.channel,
      message: (note) =>
        renderCapSighting({
          project: { id: note.projectId, name: note.projectName },
          keywardenCents: note.keywardenCents,
          openaiCents: note.openaiCents,
          ...(note.adopted ? { adopted: true } : {}),
        }),
      outcome: 'drift',
    }),
    onePostRunner(capRaiseEndedJob, deps.slack, {
      channel: (note) => note.channel,
      message: (note) => renderCapRaiseEnded({ project: { id: note.projectId, name: note.projectName }, ended: note.ended }),
      outcome: 'raise-ended',
    }),
  ];
}
