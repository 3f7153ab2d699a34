/**
 * Queue processors: read the job, call the flow, render for Slack. Retry decisions follow the failure's kind:
 * rate limits, 5xx and network errors back off and retry; refusals (401/403/404/400) do not (UnrecoverableError).
 */
import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { WebClient } from '@slack/web-api';
import { describeOpenAIFailure } from '../openai/failures.js';
import {
  deleteServiceAccount,
  expireKey,
  expireRequest,
  expireReveal,
  failProvisioning,
  provisionKey,
  reportProvisioningRetry,
  type KeyRequestDeps,
} from '../services/keyRequests.js';
import { renderRequestMessage, renderRequesterDm, renderThreadNote } from '../slack/render/index.js';
import type { RedisKeys } from '../store/redis.js';
import type { RequestOutbox } from '../store/outbox.js';
import type { ThreadEvent } from '../slack/render/index.js';
import type { KeysJobs, SlackNote } from './registry.js';

export class RetryLater extends Error {}

const isFinalAttempt = (job: Job): boolean => job.attemptsMade + 1 >= (job.opts.attempts ?? 1);

export function createKeysProcessor(deps: KeyRequestDeps & { log: Logger }) {
  return async function processKeysJob(job: Job): Promise<string> {
    const name = job.name as keyof KeysJobs;
    try {
      switch (name) {
        case 'provision':
          return await provisionKey(deps, (job.data as KeysJobs['provision']).requestId);
        case 'revoke':
          await deleteServiceAccount(deps, job.data as KeysJobs['revoke']);
          return 'deleted';
        case 'expire-request':
          return (await expireRequest(deps, (job.data as KeysJobs['expire-request']).requestId)) ? 'expired' : 'unchanged';
        case 'expire-reveal':
          return (await expireReveal(deps, (job.data as KeysJobs['expire-reveal']).requestId)) ? 'revoked' : 'unchanged';
        case 'expire-key':
          return (await expireKey(deps, (job.data as KeysJobs['expire-key']).requestId)) ? 'expired' : 'unchanged';
        default:
          throw new UnrecoverableError(`unknown keys job ${String(name)}`);
      }
    } catch (error) {
      if (error instanceof UnrecoverableError) throw error;
      const failure = describeOpenAIFailure(error);
      deps.log.warn({ jobId: job.id, job: job.name, attempt: job.attemptsMade + 1, failure: failure.kind, status: failure.status }, 'keys job failed');
      const final = !failure.retryable || isFinalAttempt(job);
      if (name === 'provision') {
        const requestId = (job.data as KeysJobs['provision']).requestId;
        if (final) await failProvisioning(deps, requestId, error);
        else await reportProvisioningRetry(deps, requestId, error);
      }
      if (final) throw new UnrecoverableError(failure.message);
      throw new Error(failure.message);
    }
  };
}

export interface SlackPostDeps {
  readonly web: WebClient;
  readonly redis: Redis;
  readonly keys: Pick<RedisKeys, 'pace'>;
  readonly requests: KeyRequestDeps['requests'];
  readonly approvalChannel: string;
  readonly clock: () => number;
  readonly log: Logger;
  /** minimum gap between two posts to one channel */
  readonly paceMs: number;
  readonly outbox: RequestOutbox<ThreadEvent>;
}

/**
 * Posts to Slack at most about once a second per channel. A 429 is honoured with its Retry-After: the job is
 * delayed (not failed) and the channel is held for that long, so retries do not stack.
 */
export function createSlackProcessor(deps: SlackPostDeps) {
  const hold = async (job: Job, token: string | undefined, channel: string, ms: number): Promise<never> => {
    await deps.redis.set(deps.keys.pace(channel), '1', 'PX', Math.max(1, Math.ceil(ms)));
    await job.moveToDelayed(deps.clock() + Math.ceil(ms), token);
    throw new DelayedError();
  };

  const paced = async (job: Job, token: string | undefined, channel: string): Promise<void> => {
    const claimed = await deps.redis.set(deps.keys.pace(channel), '1', 'PX', deps.paceMs, 'NX');
    if (claimed === 'OK') return;
    const wait = await deps.redis.pttl(deps.keys.pace(channel));
    await job.moveToDelayed(deps.clock() + Math.max(wait, 50), token);
    throw new DelayedError();
  };

  /** `post`: a new message, which Slack limits to about one a second per channel; updates and ephemerals are not. */
  const call = async <T>(job: Job, token: string | undefined, channel: string, run: () => Promise<T>, post = true): Promise<T> => {
    if (post) await paced(job, token, channel);
    try {
      return await run();
    } catch (error) {
      const e = error as { code?: string; retryAfter?: number; data?: { error?: string } };
      if (e.code === 'slack_webapi_rate_limited_error') return hold(job, token, channel, (e.retryAfter ?? 1) * 1000);
      const platform = e.data?.error;
      if (platform && PERMANENT_SLACK_ERRORS.has(platform)) throw new UnrecoverableError(`Slack refused: ${platform}`);
      throw error;
    }
  };

  return async function processSlackJob(job: Job<SlackNote>, token?: string): Promise<string> {
    const note = job.data;
    if (note.kind === 'ephemeral') {
      await call(
        job,
        token,
        note.channel,
        () => deps.web.chat.postEphemeral({ channel: note.channel, user: note.userId, text: note.text, ...(note.threadTs ? { thread_ts: note.threadTs } : {}) }),
        false,
      );
      return 'ephemeral';
    }
    const request = await deps.requests.get(note.requestId);
    if (!request) return 'request-gone';
    const now = deps.clock();

    if (note.kind === 'request-message') {
      const message = renderRequestMessage(request, { now });
      if (note.mode === 'update' || request.messageTs) {
        if (!request.messageTs || !request.channelId) throw new RetryLater('the request message is not posted yet');
        const channel = request.channelId;
        const ts = request.messageTs;
        await call(job, token, channel, () => deps.web.chat.update({ channel, ts, text: message.text, blocks: message.blocks }), false);
        return 'updated';
      }
      const posted = await call(job, token, deps.approvalChannel, () =>
        deps.web.chat.postMessage({ channel: deps.approvalChannel, text: message.text, blocks: message.blocks, unfurl_links: false }),
      );
      const channel = posted.channel ?? deps.approvalChannel;
      await deps.requests.bindThread(channel, posted.ts as string, request.id);
      await deps.requests.amend(request.id, ['pending', 'approved', 'provisioning', 'awaiting_reveal', 'active', 'denied', 'expired', 'failed', 'revoked'], {
        channelId: channel,
        messageTs: posted.ts as string,
      });
      // A decision made before the message existed: bring the message up to date.
      const latest = await deps.requests.get(request.id);
      if (latest && latest.state !== 'pending') {
        const again = renderRequestMessage(latest, { now });
        await call(job, token, channel, () => deps.web.chat.update({ channel, ts: posted.ts as string, text: again.text, blocks: again.blocks }), false);
      }
      return 'posted';
    }

    return deliverOutbox(job, token, request.id);
  };

  /** Posts the request's waiting thread notes and DMs in order, one flush per request at a time. */
  async function deliverOutbox(job: Job, token: string | undefined, requestId: string): Promise<string> {
    const owner = job.id ?? 'flush';
    if (!(await deps.outbox.lock(requestId, owner, 60_000))) {
      await job.moveToDelayed(deps.clock() + 250, token);
      throw new DelayedError();
    }
    let delivered = 0;
    try {
      for (let next = await deps.outbox.next(requestId); next; next = await deps.outbox.next(requestId)) {
        const request = await deps.requests.get(requestId);
        if (!request) return 'request-gone';
        if (next.step === 'thread') {
          if (!request.messageTs || !request.channelId) throw new RetryLater('the request message is not posted yet');
          const channel = request.channelId;
          const thread = request.messageTs;
          const note = renderThreadNote(next.event);
          await call(job, token, channel, () => deps.web.chat.postMessage({ channel, thread_ts: thread, text: note.text, blocks: note.blocks }));
        } else {
          const dm = renderRequesterDm(request, next.event);
          if (dm) {
            const opened = await deps.web.conversations.open({ users: request.requesterId });
            const channel = opened.channel?.id ?? request.requesterId;
            await call(job, token, channel, () => deps.web.chat.postMessage({ channel, text: dm.text, blocks: dm.blocks }));
            if (next.event.kind === 'key_created') await deps.outbox.append(requestId, { kind: 'delivered', to: request.requesterId });
          }
        }
        await deps.outbox.advance(requestId);
        delivered += 1;
      }
    } finally {
      await deps.outbox.unlock(requestId, owner);
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
