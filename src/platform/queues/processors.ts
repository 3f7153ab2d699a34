/**
 * Queue processors: read the job, call the flow, render for Slack. Retry decisions follow the failure's kind:
 * rate limits, 5xx and network errors back off and retry; refusals (401/403/404/400) do not (UnrecoverableError).
 */
import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import type { RedisClient as Redis } from '../redis/connection.js';
import type { Logger } from 'pino';
import type { WebClient } from '@slack/web-api';
import { describeOpenAIFailure } from '../openai/failures.js';
import {
  deleteServiceAccount,
  deleteServiceAccountsByName,
  reconcileRequests,
  expireKey,
  expireRequest,
  expireReveal,
  failProvisioning,
  provisionKey,
  reportProvisioningRetry,
  type KeyRequestDeps,
} from '../../keys/index.js';
import { applyApprovedLimitChange, failLimitChange, type LimitDeps } from '../../limits/index.js';
import { endRaise, sweepCapRaises } from '../../limits/capRaises.js';
import { CapLockBusy } from '../../limits/capLock.js';
import type { Cents } from '../domain/money.js';
import { renderCapRaiseEnded, renderCapSighting, renderLimitChangeApplied } from '../../limits/render/index.js';
import type { ApprovalDocument } from '../../approvals/domain/document.js';
import type { ApprovalEngine, RequestEventLike } from '../../approvals/engine.js';
import { renderOpenAIAuthNotice } from '../../spend/render/index.js';
import { deliverAlert, deliverEnforced, type AlertDeliveryDeps } from '../../spend/alertDelivery.js';
import { pollSpend, reportPollFailure, type SpendDeps } from '../../spend/index.js';
import { REQUEST_STATES, type KeyRequest } from '../../keys/domain/keyRequest.js';
import type { PostMarkers } from '../slack/postMarkers.js';
import type { JobQueues } from './queues.js';
import { jobId } from './registry.js';
import { postOnce } from '../slack/postOnce.js';
import { renderKeyDmAfterReveal, type RenderedMessage } from '../../keys/render/index.js';
import type { RedisKeys } from '../redis/redis.js';
import type { RequestOutbox } from '../../approvals/outbox.js';
import type { OpenAIJobs, SlackNote } from './registry.js';
import { createChannelPacer } from '../slack/channelPace.js';

/** The request message is not in Slack yet; the job retries with backoff until it is. */
export class NotPostedYet extends Error {}

const isFinalAttempt = (job: Job): boolean => job.attemptsMade + 1 >= (job.opts.attempts ?? 1);

export function createOpenAIProcessor(deps: KeyRequestDeps & LimitDeps & { log: Logger }) {
  return async function processOpenAIJob(job: Job): Promise<string> {
    const name = job.name as keyof OpenAIJobs;
    try {
      switch (name) {
        case 'provision':
          return await provisionKey(deps, (job.data as OpenAIJobs['provision']).requestId);
        case 'revoke':
          await deleteServiceAccount(deps, job.data as OpenAIJobs['revoke']);
          return 'deleted';
        case 'delete-by-name':
          return `deleted ${await deleteServiceAccountsByName(deps, job.data as OpenAIJobs['delete-by-name'])}`;
        case 'reconcile': {
          const report = await reconcileRequests(deps);
          if (report.redone > 0) deps.log.info({ jobId: job.id, ...report }, 'reconciled requests');
          const swept = await deps.approvals.sweep();
          if (swept.expired + swept.reminded + swept.escalated > 0) deps.log.info({ jobId: job.id, ...swept }, 'swept pending requests');
          const raises = await sweepCapRaises(deps);
          if (raises.ended > 0 || raises.failed > 0) deps.log.info({ jobId: job.id, ...raises }, 'swept temporary cap raises');
          return `redone ${report.redone}, settled ${report.settled} of ${report.checked}; reminded ${swept.reminded}, escalated ${swept.escalated}`;
        }
        case 'expire-request':
        // queued by releases before limit changes joined the engine; the engine expires any kind
        case 'expire-limit-request':
          return (await expireRequest(deps, (job.data as OpenAIJobs['expire-request']).requestId)) ? 'expired' : 'unchanged';
        case 'approval-nudge':
          return `nudged: ${(await deps.approvals.nudge((job.data as OpenAIJobs['approval-nudge']).requestId)).join(', ') || 'none due'}`;
        case 'expire-reveal':
          return (await expireReveal(deps, (job.data as OpenAIJobs['expire-reveal']).requestId)) ? 'revoked' : 'unchanged';
        case 'expire-key':
          return (await expireKey(deps, (job.data as OpenAIJobs['expire-key']).requestId)) ? 'expired' : 'unchanged';
        case 'apply-limit-change':
          return await applyApprovedLimitChange(deps, (job.data as OpenAIJobs['apply-limit-change']).requestId);
        case 'end-cap-raise': {
          const data = job.data as OpenAIJobs['end-cap-raise'];
          // not-due (BullMQ's clock ran ahead of keywarden's): the reconcile sweep ends it when it is due.
          return await endRaise(deps, data.projectId, data.raiseVersion);
        }
        default:
          throw new UnrecoverableError(`unknown openai job ${String(name)}`);
      }
    } catch (error) {
      if (error instanceof UnrecoverableError) throw error;
      if (error instanceof CapLockBusy) throw error; // another step is changing the cap: retried with backoff
      const failure = describeOpenAIFailure(error);
      deps.log.warn({ jobId: job.id, job: job.name, attempt: job.attemptsMade + 1, failure: failure.kind, status: failure.status }, 'openai job failed');
      const final = !failure.retryable || isFinalAttempt(job);
      if (name === 'provision') {
        const requestId = (job.data as OpenAIJobs['provision']).requestId;
        if (final) await failProvisioning(deps, requestId, error);
        else await reportProvisioningRetry(deps, requestId, error);
      }
      if (name === 'apply-limit-change' && final) await failLimitChange(deps, (job.data as OpenAIJobs['apply-limit-change']).requestId, failure.message);
      if (final) throw new UnrecoverableError(failure.message);
      throw Object.assign(new Error(failure.message), { retryAfterMs: failure.retryAfterMs });
    }
  };
}

export interface SlackPostDeps {
  readonly web: WebClient;
  readonly redis: Redis;
  readonly keys: Pick<RedisKeys, 'pace'>;
  readonly requests: KeyRequestDeps['requests'];
  /** renders and records every kind of request; the processor never asks which kind it holds */
  readonly approvals: ApprovalEngine;
  readonly alerts: Omit<AlertDeliveryDeps, 'paced' | 'web' | 'clock' | 'markers'>;
  readonly markers: PostMarkers;
  readonly approvalChannel: string;
  readonly clock: () => number;
  readonly log: Logger;
  /** minimum gap between two posts to one channel */
  readonly paceMs: number;
  readonly outbox: RequestOutbox<RequestEventLike>;
  readonly queues: Pick<JobQueues, 'add'>;
  /** every failed Slack call, for the error metrics */
  readonly onSlackError?: (error: unknown) => void;
}

/**
 * Posts to Slack at most about once a second per channel. A 429 is honoured with its Retry-After: the job is
 * delayed (not failed) and the channel is held for that long, so retries do not stack.
 */
export function createSlackProcessor(deps: SlackPostDeps) {
  // Each waiting post gets its own turn (src/platform/slack/channelPace.ts), so a backlog does not wake all at once.
  const pacer = createChannelPacer(deps.redis, (channel) => `${deps.keys.pace(channel)}:turns`, deps.paceMs);
  const hold = async (job: Job, token: string | undefined, channel: string, ms: number): Promise<never> => {
    await pacer.hold(channel, ms);
    await job.moveToDelayed(Date.now() + Math.ceil(ms), token);
    throw new DelayedError();
  };

  const paced = async (job: Job, token: string | undefined, channel: string): Promise<void> => {
    const wait = await pacer.turn(channel, job.id ?? '');
    if (wait === 0) return;
    await job.moveToDelayed(Date.now() + wait, token);
    throw new DelayedError();
  };

  /** `post`: a new message, which Slack limits to about one a second per channel; updates and ephemerals are not. */
  const call = async <T>(job: Job, token: string | undefined, channel: string, run: () => Promise<T>, post = true): Promise<T> => {
    if (post) await paced(job, token, channel);
    try {
      return await run();
    } catch (error) {
      deps.onSlackError?.(error);
      const e = error as { code?: string; retryAfter?: number; data?: { error?: string } };
      if (e.code === 'slack_webapi_rate_limited_error') return hold(job, token, channel, (e.retryAfter ?? 1) * 1000);
      const platform = e.data?.error;
      if (platform && PERMANENT_SLACK_ERRORS.has(platform)) throw new UnrecoverableError(`Slack refused: ${platform}`);
      throw error;
    }
  };

  const requestOf = (id: string): Promise<ApprovalDocument | null> => deps.approvals.document(id);
  const renderParent = (r: ApprovalDocument, now: number) => deps.approvals.renderMessage(r, now);

  /** Slack, as postOnce and alert delivery use it: paced per channel, 429s honoured, posts made once by name. */
  const slackFor = (job: Job, token: string | undefined) => ({
    web: deps.web,
    markers: deps.markers,
    paced: <T>(channel: string, run: () => Promise<T>, post?: boolean) => call(job, token, channel, run, post),
  });

  /**
   * Brings the requester's "Reveal key" DM up to date once the key was revealed or ended (chat.update, same ts), so
   * it no longer offers a button to a key that is gone. Slack refusing the update for good is logged, not retried.
   */
  const updateKeyDm = async (job: Job, token: string | undefined, request: KeyRequest): Promise<void> => {
    if (!request.keyDmChannel || !request.keyDmTs) return;
    const after = renderKeyDmAfterReveal(request);
    if (!after) return;
    const channel = request.keyDmChannel;
    const ts = request.keyDmTs;
    try {
      await call(job, token, channel, () => deps.web.chat.update({ channel, ts, text: after.text, blocks: after.blocks }), false);
    } catch (error) {
      if (!(error instanceof UnrecoverableError)) throw error;
      deps.log.error({ requestId: request.id, reason: error.message }, 'the reveal DM could not be updated; skipped');
    }
  };

  /** A job whose whole work is one post: the post is named after the job, so a retried job does not post twice. */
  const postForJob = (job: Job, token: string | undefined, channel: string, message: RenderedMessage) =>
    postOnce(slackFor(job, token), `job.${job.id ?? ''}`, { channel }, message);

  /**
   * Slack will never take the request message (the bot is not in the approval channel, say): the request cannot be
   * decided, so it ends now, and the requester is told why and what an admin must do, instead of waiting unseen.
   */
  const reportUnpostable = async (job: Job, token: string | undefined, request: ApprovalDocument, reason: string) => {
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

  return async function processSlackJob(job: Job<SlackNote>, token?: string): Promise<string> {
    const note = job.data;
    const now = deps.clock();
    switch (note.kind) {
      case 'limits-applied': {
        const message = renderLimitChangeApplied({ project: { id: note.projectId, name: note.projectName }, before: note.before, after: note.after, actorId: note.actorId, ...(note.approvedBy ? { approvedBy: note.approvedBy } : {}), now });
        await postForJob(job, token, note.after.channelId ?? deps.approvalChannel, message);
        return 'announced';
      }
      case 'drift': {
        const message = renderCapSighting({
          project: { id: note.projectId, name: note.projectName },
          keywardenCents: note.keywardenCents as Cents | null,
          openaiCents: note.openaiCents as Cents | null,
          ...(note.adopted ? { adopted: true } : {}),
        });
        await postForJob(job, token, note.channel, message);
        return 'drift';
      }
      case 'request-message': {
        const request = await requestOf(note.requestId);
        if (!request) return 'request-gone';
        const message = renderParent(request, now);
        if (note.mode === 'update') {
          // A key request's "Reveal key" DM follows its request (null for other kinds of request).
          const key = await deps.requests.get(request.id);
          if (key) await updateKeyDm(job, token, key);
        }
        if (note.mode === 'update' || request.messageTs) {
          if (!request.messageTs || !request.channelId) {
            if (request.messageUnpostable) return 'no-message';
            throw new NotPostedYet('the request message is not posted yet');
          }
          const channel = request.channelId;
          const ts = request.messageTs;
          await call(job, token, channel, () => deps.web.chat.update({ channel, ts, text: message.text, blocks: message.blocks }), false);
          return 'updated';
        }
        let posted;
        try {
          posted = await postOnce(slackFor(job, token), `request.${request.id}`, { channel: deps.approvalChannel }, message);
        } catch (error) {
          if (!(error instanceof UnrecoverableError)) throw error;
          await reportUnpostable(job, token, request, error.message);
          return 'unpostable';
        }
        const { channel, ts } = posted;
        // One thread index for every kind: a reply finds its request, and the engine decides it.
        const latest = await deps.approvals.markPosted(request.id, channel, ts);
        // A decision (or a vote) made before the message existed: bring the message up to date.
        if (latest && latest.version !== request.version + 1) {
          const again = renderParent(latest, now);
          await call(job, token, channel, () => deps.web.chat.update({ channel, ts, text: again.text, blocks: again.blocks }), false);
        }
        return 'posted';
      }
      case 'outbox':
        return deliverOutbox(job, token, note.requestId);
      case 'dm': {
        const opened = await call(job, token, note.userId, () => deps.web.conversations.open({ users: note.userId }), false);
        const channel = opened.channel?.id ?? note.userId;
        await postForJob(job, token, channel, { text: note.text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: note.text } }] });
        return 'dm';
      }
      case 'alert': {
        const delivered = await deliverAlert({ ...deps.alerts, ...slackFor(job, token), clock: deps.clock }, note.identity, job.id ?? note.identity);
        if (delivered === 'busy') {
          await job.moveToDelayed(Date.now() + 300, token);
          throw new DelayedError();
        }
        return delivered;
      }
      case 'alert-enforced': {
        const updated = await deliverEnforced({ ...deps.alerts, ...slackFor(job, token), clock: deps.clock }, note.identity, job.id ?? note.identity);
        if (updated === 'busy') {
          await job.moveToDelayed(Date.now() + 300, token);
          throw new DelayedError();
        }
        return updated;
      }
      case 'cap-raise-ended': {
        await postForJob(job, token, note.channel, renderCapRaiseEnded({ project: { id: note.projectId, name: note.projectName }, ended: note.ended }));
        return 'raise-ended';
      }
      case 'openai-auth-notice': {
        await postForJob(job, token, note.channel, renderOpenAIAuthNotice());
        return 'auth-notice';
      }
    }
  };

  /** Posts the request's waiting thread notes and DMs in order, one flush per request at a time. */
  async function deliverOutbox(job: Job, token: string | undefined, requestId: string): Promise<string> {
    const owner = job.id ?? 'flush';
    const outbox = deps.outbox;
    if (!(await outbox.lock(requestId, owner, 60_000))) {
      await job.moveToDelayed(Date.now() + 250, token);
      throw new DelayedError();
    }
    let delivered = 0;
    try {
      for (let next = await outbox.next(requestId); next; next = await outbox.next(requestId)) {
        const request = await requestOf(requestId);
        if (!request) return 'request-gone';
        const name = `outbox.${requestId}.${next.cursor}`;
        try {
          if (next.step === 'thread') {
            if (!request.messageTs || !request.channelId) {
              if (!request.messageUnpostable) throw new NotPostedYet('the request message is not posted yet');
            } else {
              const note = deps.approvals.renderThreadNote(request, next.event);
              if (note) await postOnce(slackFor(job, token), name, { channel: request.channelId, threadTs: request.messageTs }, note);
            }
          } else {
            const dm = deps.approvals.renderDm(request, next.event);
            if (dm) {
              const opened = await call(job, token, request.requesterId, () => deps.web.conversations.open({ users: request.requesterId }), false);
              const channel = opened.channel?.id ?? request.requesterId;
              const posted = await postOnce(slackFor(job, token), name, { channel }, dm);
              if (next.event.kind === 'key_created') {
                // Kept so the DM can be updated when the key is revealed or ends; if that happened meanwhile, now.
                const kept = await deps.requests.amend(requestId, REQUEST_STATES, { keyDmChannel: posted.channel, keyDmTs: posted.ts });
                if (kept.kind === 'ok' && kept.request.state !== request.state) await updateKeyDm(job, token, kept.request);
                await deps.outbox.appendOnce(requestId, { kind: 'delivered', to: request.requesterId }, 'delivered');
              }
            }
          }
        } catch (error) {
          // Slack will never take this step (the user or channel is gone): say so in the log and go on with the rest.
          if (!(error instanceof UnrecoverableError)) throw error;
          deps.log.error({ requestId, step: next.step, cursor: next.cursor, reason: error.message }, 'a request notice could not be posted; skipped');
        }
        await outbox.advance(requestId);
        delivered += 1;
      }
    } finally {
      await outbox.unlock(requestId, owner);
    }
    return `delivered ${delivered}`;
  }
}

const PERMANENT_SLACK_ERRORS = new Set([
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'missing_scope',
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'invalid_blocks',
  'msg_too_long',
  'no_text',
  'user_not_found',
  'cant_update_message',
  'message_not_found',
]);

/** The spend queue: one poll per tick. A refused admin key is reported (once an hour) and not retried. */
export function createSpendProcessor(deps: SpendDeps & { log: Logger }) {
  return async function processSpendJob(job: Job): Promise<string> {
    try {
      const report = await pollSpend(deps);
      deps.log.info({ jobId: job.id, ...report }, 'spend polled');
      return `claimed ${report.alertsClaimed}`;
    } catch (error) {
      const failure = describeOpenAIFailure(error);
      deps.log.warn({ jobId: job.id, failure: failure.kind, status: failure.status }, 'spend poll failed');
      if ((await reportPollFailure(deps, error)) !== 'other' || !failure.retryable) throw new UnrecoverableError(failure.message);
      throw new Error(failure.message);
    }
  };
}
