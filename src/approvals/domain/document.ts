/**
 * What the approvals engine keeps on every request it decides, whatever its kind. A kind's document (a key
 * request, a limit-change request, …) is this plus its own fields. Pure types and helpers: no I/O.
 */
import type { ApprovalVote, AutoApproveRule, RequestKindName } from './policy.js';

/** The engine's fields of a request document (stored as one JSON document, changed only by compare-and-set). */
export interface ApprovalFields {
  /** `req_…` for key requests, `lim_…` for limit changes (kept as they were so stored data still reads) */
  readonly id: string;
  readonly kind: RequestKindName;
  readonly requesterId: string;
  readonly projectId: string;
  readonly projectName: string;
  /** ms since epoch */
  readonly createdAt: number;
  /** when a pending request expires undecided (ms) */
  readonly decideBy: number;
  /** distinct approvers needed, fixed when the request was opened (a policy reload does not move the goal) */
  readonly approvalsNeeded?: number;
  /** the approvals so far, in order (each an eligible approver, checked when the vote was cast) */
  readonly votes?: readonly ApprovalVote[];
  /** the approver whose vote decided it (`keywarden` when an auto-approve rule did) */
  readonly decidedBy?: string;
  readonly decidedAt?: number;
  readonly denyReason?: string;
  /** where the auto-approve rule that approved it is written, e.g. `projects.research.auto_approve` */
  readonly autoApprovedBy?: string;
  /** that rule as it was when it approved (renderers put it in words: "keys of at most 7 days") */
  readonly autoApprovedRule?: AutoApproveRule;
  /** when the one reminder / escalation was posted (ms); absent: not yet */
  readonly remindedAt?: number;
  readonly escalatedAt?: number;
  /** the request message in the approval channel; its thread holds everything that follows */
  readonly channelId?: string;
  readonly messageTs?: string;
  /** Slack refused the request message for good (e.g. the bot is not in the approval channel) */
  readonly messageUnpostable?: boolean;
  /** bumped by every change */
  readonly version: number;
}

/** Any request document the engine holds: its own fields and a state (a kind's document adds its own fields). */
export type ApprovalDocument = ApprovalFields & {
  readonly state: string;
  /** who withdrew it while it was pending (the requester or an admin) */
  readonly cancelledBy?: string;
  readonly endedReason?: string;
};

/** The actor keywarden itself decides as (an auto-approve rule). Never rendered as a mention. */
export const KEYWARDEN_ACTOR = 'keywarden';

/** The distinct approvers so far (the requester never counts), in order. */
export const approversSoFar = (doc: Pick<ApprovalFields, 'votes' | 'requesterId'>): string[] => {
  const seen: string[] = [];
  for (const vote of doc.votes ?? []) if (vote.userId !== doc.requesterId && !seen.includes(vote.userId)) seen.push(vote.userId);
  return seen;
};
