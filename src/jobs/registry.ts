/**
 * Every queue, job name and payload, in one typed registry. Payloads carry ids only: never a key value.
 */

export const QUEUE = {
  /** work that talks to OpenAI about keys */
  keys: 'keys',
  /** every post, update and DM to Slack, paced per channel */
  slack: 'slack',
} as const;
export type QueueName = (typeof QUEUE)[keyof typeof QUEUE];

export interface KeysJobs {
  provision: { requestId: string };
  revoke: { requestId: string; serviceAccountId: string; projectId: string };
  'expire-request': { requestId: string };
  'expire-reveal': { requestId: string };
  'expire-key': { requestId: string };
}

export type SlackNote =
  /** posts the request message in the approval channel, or updates it in place once posted */
  | { kind: 'request-message'; requestId: string; mode: 'post' | 'update' }
  /** delivers what is waiting in the request's outbox: thread notes and DMs, in order */
  | { kind: 'outbox'; requestId: string }
  | { kind: 'ephemeral'; channel: string; userId: string; text: string; threadTs?: string };

export interface SlackJobs {
  post: SlackNote;
}

export interface JobsByQueue {
  keys: KeysJobs;
  slack: SlackJobs;
}

export type JobName<Q extends QueueName> = keyof JobsByQueue[Q] & string;
export type JobData<Q extends QueueName, N extends JobName<Q>> = JobsByQueue[Q][N];

/** BullMQ job ids may not contain ':'; ours are dot-separated and derived from what makes the job unique. */
export const jobId = (...parts: (string | number)[]): string => parts.map((p) => String(p).replaceAll(':', '_')).join('.');
