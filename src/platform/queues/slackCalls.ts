/**
 * Slack as the slack queue's jobs call it: new messages at most about once a second per channel (each waiting post
 * gets its own turn: src/platform/slack/channelPace.ts), and a 429 honoured with its Retry-After: the job is put
 * back (not failed) and the channel is held for that long, so retries do not stack. Any other error is thrown as
 * Slack gave it; the job's retry policy says whether it is permanent (retry.ts `slackRetry`).
 */
import type { WebClient } from '@slack/web-api';
import type { RedisClient } from '../redis/connection.js';
import type { RedisKeys } from '../redis/redis.js';
import type { PostMarkers } from '../slack/postMarkers.js';
import { postOnce, type Posted, type PostOnceDeps } from '../slack/postOnce.js';
import type { RenderedMessage } from '../slack/render/blocks.js';
import { createChannelPacer } from '../slack/channelPace.js';
import { jobRunner, type JobDefinition, type JobRun, type JobRunner } from './catalog.js';
import type { z } from 'zod';

export interface JobSlackDeps {
  readonly web: WebClient;
  readonly redis: RedisClient;
  readonly keys: Pick<RedisKeys, 'pace'>;
  readonly markers: PostMarkers;
  /** minimum gap between two posts to one channel (ms) */
  readonly paceMs: number;
  /** every failed Slack call, for the error metrics */
  readonly onSlackError?: (error: unknown) => void;
}

/** Slack for one job's attempt: what postOnce needs, the post of a job that is one post, and two unpaced calls. */
export interface JobSlack extends PostOnceDeps {
  readonly web: WebClient;
  /** chat.update of a posted message (updates are not limited per channel as new messages are) */
  update(channel: string, ts: string, message: RenderedMessage): Promise<void>;
  /** the DM channel with `userId` (conversations.open), or the user id itself when Slack names none */
  dmChannel(userId: string): Promise<string>;
  /** The post of a job whose whole work is one post: named after the job, so a retried job does not post twice. */
  postForJob(channel: string, message: RenderedMessage): Promise<Posted>;
}

export interface JobSlackCalls {
  forJob(job: JobRun): JobSlack;
}

/** Slack for the slack queue's jobs, paced per channel through Redis (`deps.keys.pace`), shared by every worker. */
export function createJobSlackCalls(deps: JobSlackDeps): JobSlackCalls {
  const pacer = createChannelPacer(deps.redis, (channel) => `${deps.keys.pace(channel)}:turns`, deps.paceMs);
  return {
    forJob(job) {
      /** `post`: a new message, which Slack limits to about one a second per channel; updates and ephemerals are not. */
      const paced = async <T>(channel: string, run: () => Promise<T>, post = true): Promise<T> => {
        if (post) {
          const wait = await pacer.turn(channel, job.id);
          if (wait > 0) await job.later(wait);
        }
        try {
          return await run();
        } catch (error) {
          deps.onSlackError?.(error);
          const e = error as { code?: string; retryAfter?: number };
          if (e.code === 'slack_webapi_rate_limited_error') {
            const ms = (e.retryAfter ?? 1) * 1000;
            await pacer.hold(channel, ms);
            return job.later(ms);
          }
          throw error;
        }
      };
      const slack: JobSlack = {
        web: deps.web,
        markers: deps.markers,
        paced,
        async update(channel, ts, message) {
          await paced(channel, () => deps.web.chat.update({ channel, ts, text: message.text, blocks: message.blocks }), false);
        },
        async dmChannel(userId) {
          const opened = await paced(userId, () => deps.web.conversations.open({ users: userId }), false);
          return opened.channel?.id ?? userId;
        },
        postForJob: (channel, message) => postOnce(slack, `job.${job.id}`, { channel }, message),
      };
      return slack;
    },
  };
}

/**
 * The runner of a job whose whole work is one post: its payload rendered (`message`), posted once in `channel`
 * (named after the job, so a retried job does not post twice); the job answers `outcome`.
 */
export function onePostRunner<D extends JobDefinition>(
  definition: D,
  slack: JobSlackCalls,
  post: {
    readonly channel: (payload: z.output<D['payload']>) => string;
    readonly message: (payload: z.output<D['payload']>) => RenderedMessage;
    readonly outcome: string;
  },
): JobRunner<D> {
  return jobRunner(definition, {
    run: async (payload, job) => {
      await slack.forJob(job).postForJob(post.channel(payload), post.message(payload));
      return post.outcome;
    },
  });
}
