/**
 * The approvals engine's jobs: a request's expiry and nudges (reminder, escalation), its message in the approval
 * channel, the delivery of its outbox (thread notes and DMs, in order), and a plain DM. Each job parses its payload,
 * asks the engine and renders; only the engine changes a request.
 */
import { z } from 'zod';
import type { Logger } from 'pino';
import { defineJob, jobRunner, type JobRun, type JobRunner, type PayloadsOf } from '../platform/queues/catalog.js';
import { openAIRetry, slackRefusal, slackRetry } from '../platform/queues/retry.js';
import type { JobSlack, JobSlackCalls } from '../platform/queues/slackCalls.js';
import type { JobQueues } from '../platform/queues/queues.js';
import { jobId } from '../platform/queues/registry.js';
import { postOnce } from '../platform/slack/postOnce.js';
import type { ApprovalDocument } from './domain/document.js';
import type { ApprovalEngine, RequestEventLike } from './engine.js';
import type { RequestOutbox } from './outbox.js';

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

/** The request message is not in Slack yet; the job retries with backoff until it is. */
export class NotPostedYet extends Error {}

export interface ApprovalJobDeps {
  readonly approvals: ApprovalEngine;
  readonly outbox: RequestOutbox<RequestEventLike>;
  readonly queues: Pick<JobQueues, 'add'>;
  readonly slack: JobSlackCalls;
  readonly approvalChannel: string;
  readonly clock: () => number;
  readonly log: Logger;
}

/** What runs the approvals engine's jobs. */
export function approvalJobRunners(deps: ApprovalJobDeps): JobRunner[] {
  const expire = async ({ requestId }: { requestId: string }) => ((await deps.approvals.expire(requestId)) ? 'expired' : 'unchanged');

  /**
   * Brings the DM that follows the request (a key's "Reveal key" DM) up to date, so it no longer offers a button to
   * a key that is gone. Slack refusing the update for good is logged, not retried.
   */
  const updateFollowingDm = async (slack: JobSlack, doc: ApprovalDocument): Promise<void> => {
    const dm = deps.approvals.followingDm(doc);
    if (!dm) return;
    try {
      await slack.update(dm.channel, dm.ts, dm.message);
    } catch (error) {
      const refusal = slackRefusal(error);
      if (!refusal) throw error;
      deps.log.error({ requestId: doc.id, reason: refusal }, 'the reveal DM could not be updated; skipped');
    }
  };

  /**
   * Slack will never take the request message (the bot is not in the approval channel, say): the request cannot be
   * decided, so the engine ends it now, and the requester is told why and what an admin must do, instead of waiting unseen.
   */
  const reportUnpostable = async (request: ApprovalDocument, reason: string) => {
    deps.log.error({ requestId: request.id, channel: deps.approvalChannel, reason }, 'the request message cannot be posted in the approval channel');
    // Only an undecided request depends on its message (it expires); a decided one goes on, and its DMs still reach the requester.
    await deps.approvals.markUnpostable(request.id, reason);
    if (request.state !== 'pending') return;
    const text =
      `keywarden could not post your request (${request.id}) in <#${deps.approvalChannel}>, so no approver can see it: ${reason}. ` +
      'An admin needs to invite keywarden to that channel (`/invite @keywarden`); then please ask again.';
    // A job of its own: paced and retried like any post, and queued once.
    await deps.queues.add('slack', 'post', { kind: 'dm', userId: request.requesterId, text }, { jobId: jobId('unpostable', request.id) });
  };

  const postRequestMessage = async (note: { requestId: string; mode: 'post' | 'update' }, job: JobRun): Promise<string> => {
    const slack = deps.slack.forJob(job);
    const now = deps.clock();
    const request = await deps.approvals.document(note.requestId);
    if (!request) return 'request-gone';
    const message = deps.approvals.renderMessage(request, now);
    if (note.mode === 'update') await updateFollowingDm(slack, request);
    if (note.mode === 'update' || request.messageTs) {
      if (!request.messageTs || !request.channelId) {
        if (request.messageUnpostable) return 'no-message';
        throw new NotPostedYet('the request message is not posted yet');
      }
      await slack.update(request.channelId, request.messageTs, message);
      return 'updated';
    }
    let posted;
    try {
      posted = await postOnce(slack, `request.${request.id}`, { channel: deps.approvalChannel }, message);
    } catch (error) {
      const refusal = slackRefusal(error);
      if (!refusal) throw error;
      await reportUnpostable(request, refusal);
      return 'unpostable';
    }
    const { channel, ts } = posted;
    // One thread index for every kind: a reply finds its request, and the engine decides it.
    const latest = await deps.approvals.markPosted(request.id, channel, ts);
    // A decision (or a vote) made before the message existed: bring the message up to date.
    if (latest && latest.version !== request.version + 1) await slack.update(channel, ts, deps.approvals.renderMessage(latest, now));
    return 'posted';
  };

  /** Posts the request's waiting thread notes and DMs in order, one delivery per request at a time. */
  const deliverOutbox = async (requestId: string, job: JobRun): Promise<string> => {
    const slack = deps.slack.forJob(job);
    const owner = job.id || 'flush';
    const outbox = deps.outbox;
    if (!(await outbox.lock(requestId, owner, 60_000))) return job.later(250);
    let delivered = 0;
    try {
      for (let next = await outbox.next(requestId); next; next = await outbox.next(requestId)) {
        const request = await deps.approvals.document(requestId);
        if (!request) return 'request-gone';
        const name = `outbox.${requestId}.${next.cursor}`;
        try {
          if (next.step === 'thread') {
            if (!request.messageTs || !request.channelId) {
              if (!request.messageUnpostable) throw new NotPostedYet('the request message is not posted yet');
            } else {
              const note = deps.approvals.renderThreadNote(request, next.event);
              if (note) await postOnce(slack, name, { channel: request.channelId, threadTs: request.messageTs }, note);
            }
          } else {
            const dm = deps.approvals.renderDm(request, next.event);
            if (dm) {
              const posted = await postOnce(slack, name, { channel: await slack.dmChannel(request.requesterId) }, dm);
              // Kept so the DM can follow the request; if the request moved on meanwhile, the DM follows now.
              const kept = await deps.approvals.dmPosted(requestId, next.event, { channel: posted.channel, ts: posted.ts });
              if (kept && kept.state !== request.state) await updateFollowingDm(slack, kept);
            }
          }
        } catch (error) {
          // Slack will never take this step (the user or channel is gone): say so in the log and go on with the rest.
          const refusal = slackRefusal(error);
          if (!refusal) throw error;
          deps.log.error({ requestId, step: next.step, cursor: next.cursor, reason: refusal }, 'a request notice could not be posted; skipped');
        }
        await outbox.advance(requestId);
        delivered += 1;
      }
    } finally {
      await outbox.unlock(requestId, owner);
    }
    return `delivered ${delivered}`;
  };

  return [
    jobRunner(expireRequestJob, { run: expire }),
    jobRunner(expireLimitRequestJob, { run: expire }),
    jobRunner(approvalNudgeJob, { run: async ({ requestId }) => `nudged: ${(await deps.approvals.nudge(requestId)).join(', ') || 'none due'}` }),
    jobRunner(requestMessageJob, { run: postRequestMessage }),
    jobRunner(outboxJob, { run: ({ requestId }, job) => deliverOutbox(requestId, job) }),
    jobRunner(dmJob, {
      run: async (note, job) => {
        const slack = deps.slack.forJob(job);
        await slack.postForJob(await slack.dmChannel(note.userId), { text: note.text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: note.text } }] });
        return 'dm';
      },
    }),
  ];
}
