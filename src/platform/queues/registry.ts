/**
 * The queues, the job ids, and the payload type of every job as producers see it. The payloads are declared by the
 * features: each feature's jobs.ts adds its jobs to `JobPayloads` (TypeScript declaration merging, from the jobs'
 * zod schemas), so `JobQueues.add` is typed without the platform importing a feature. Payloads carry ids only:
 * never a key value.
 */

export const QUEUE = {
  /** work that talks to OpenAI: keys, limits */
  openai: 'openai',
  /** every post, update and DM to Slack, paced per channel */
  slack: 'slack',
  /** the spend poll */
  spend: 'spend',
} as const;
export type QueueName = (typeof QUEUE)[keyof typeof QUEUE];

/**
 * Every job's payload (what its producer passes), keyed `queue.name`, or `queue.name.kind` for jobs that share a
 * BullMQ name and are told apart by their payload's `kind` (the slack queue's `post`). Filled in by the features:
 * `declare module '../platform/queues/registry.js' { interface JobPayloads extends PayloadsOf<…> {} }`.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled in by declaration merging
export interface JobPayloads {}

type PayloadKey<Q extends QueueName, N extends string> = Extract<keyof JobPayloads, `${Q}.${N}` | `${Q}.${N}.${string}`>;

/** The BullMQ job names of queue `Q`. */
export type JobName<Q extends QueueName> = keyof JobPayloads extends infer K
  ? K extends `${Q}.${infer N}`
    ? N extends `${infer Name}.${string}`
      ? Name
      : N
    : never
  : never;

/** What a producer passes for job `N` of queue `Q`: for jobs told apart by kind, the union of their payloads. */
export type JobData<Q extends QueueName, N extends JobName<Q>> = JobPayloads[PayloadKey<Q, N>];

/** BullMQ job ids may not contain ':'; ours are dot-separated and derived from what makes the job unique. */
export const jobId = (...parts: (string | number)[]): string => parts.map((p) => String(p).replaceAll(':', '_')).join('.');
