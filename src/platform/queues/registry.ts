import type { ProjectLimits } from '../../limits/domain/limits.js';
import type { EndedRaise } from '../../limits/limitStore.js';

/**
 * Every queue, job name and payload, in one typed registry. Payloads carry ids only: never a key value.
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

export interface OpenAIJobs {
  provision: { requestId: string };
  revoke: { requestId: string; serviceAccountId: string; projectId: string };
  'expire-request': { requestId: string };
  'expire-reveal': { requestId: string };
  'expire-key': { requestId: string };
  /** service accounts named after a request that ended while it may have been provisioning */
  'delete-by-name': { requestId: string; projectId: string };
  /** walks unsettled requests and redoes what a crash may have cut short (queued on every clock tick) */
  reconcile: { tickAt: number };
  'apply-limit-change': { requestId: string };
  /** queued by releases before limit changes joined the approvals engine; handled as `expire-request` */
  'expire-limit-request': { requestId: string };
  /** a temporary cap raise's end, delayed until then (job id: project + the limits version that made the raise) */
  'end-cap-raise': { projectId: string; raiseVersion: number };
  /** a pending request's reminder or escalation falls due (job id per request and nudge; each posted once) */
  'approval-nudge': { requestId: string };
}

export type SlackNote =
  /** posts the request message in the approval channel, or updates it in place once posted */
  | { kind: 'request-message'; requestId: string; mode: 'post' | 'update' }
  /** a plain DM, e.g. why a request could not be shown to approvers */
  | { kind: 'dm'; userId: string; text: string }
  /** delivers what is waiting in the request's outbox: thread notes and DMs, in order */
  | { kind: 'outbox'; requestId: string }
  /** a limits change, announced in the project's alert channel with before and after */
  | {
      kind: 'limits-applied';
      projectId: string;
      projectName: string;
      before: ProjectLimits | null;
      after: ProjectLimits;
      actorId: string;
      approvedBy?: string;
    }
  /** a claimed spend alert: status message posted or updated, and a reply in its thread (job id = identity) */
  | { kind: 'alert'; identity: string; projectId: string }
  /** OpenAI now enforces a cap whose notice said enforcement was pending: that notice is updated in place, once */
  | { kind: 'alert-enforced'; identity: string; projectId: string }
  /** OpenAI refused the admin key during a poll (at most one an hour) */
  | { kind: 'openai-auth-notice'; channel: string; hour: string }
  /** OpenAI's spend limit differs from what keywarden last set */
  | {
      kind: 'drift';
      projectId: string;
      projectName: string;
      channel: string;
      keywardenCents: number | null;
      openaiCents: number | null;
      /** the first sighting of a cap keywarden had never set nor seen: adopted, not changed */
      adopted?: boolean;
    }
  /** a temporary cap raise ended: its cap set back, or left because it was changed since (job id: the raise) */
  | SlackNoteCapRaiseEnded;

export type SlackNoteCapRaiseEnded = {
  kind: 'cap-raise-ended';
  projectId: string;
  projectName: string;
  channel: string;
  ended: EndedRaise;
};

export interface SlackJobs {
  post: SlackNote;
}

export interface SpendJobs {
  /** one per clock tick (job id from the tick's time) */
  'poll-spend': { tickAt: number };
}

export interface JobsByQueue {
  openai: OpenAIJobs;
  slack: SlackJobs;
  spend: SpendJobs;
}

export type JobName<Q extends QueueName> = keyof JobsByQueue[Q] & string;
export type JobData<Q extends QueueName, N extends JobName<Q>> = JobsByQueue[Q][N];

/** BullMQ job ids may not contain ':'; ours are dot-separated and derived from what makes the job unique. */
export const jobId = (...parts: (string | number)[]): string => parts.map((p) => String(p).replaceAll(':', '_')).join('.');
