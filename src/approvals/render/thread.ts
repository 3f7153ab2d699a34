import { REQUEST_STATES, type DecisionRefusal, type RequestState } from '../../keys/domain/keyRequest.js';
import type { ApprovalEvent, ApprovedEvent, ThreadEvent } from '../domain/requestEvents.js';
import { approversSoFar, KEYWARDEN_ACTOR, type ApprovalFields } from '../domain/document.js';
import type { ApprovalNoticeRenderer } from '../engine.js';
import { describeAutoApproveRule } from '../domain/policy.js';
import { composeMessage, sectionBlock, type RenderedMessage } from '../../platform/slack/render/blocks.js';
import { decisionRefusalInWords, listInWords } from './decisionRefusal.js';
import { codeSpan, fitUserText, mentionUser, mentionUserOrGroup, quoteUserText, slackDate } from '../../platform/slack/render/mrkdwn.js';
import { renderStateInWords } from '../../keys/render/stateWords.js';

const REASON_MAX = 1000;

const reasonSuffix = (reason: string | undefined): string =>
  reason === undefined || reason.trim() === '' ? '' : `\n${quoteUserText(reason, REASON_MAX)}`;

const stateWords = (state: string): string =>
  (REQUEST_STATES as readonly string[]).includes(state) ? renderStateInWords(state as RequestState) : state.replaceAll('_', ' ');

/** Why a decision on a key request was refused, addressed to the person who tried. */
export const refusalInWords = (by: string, refusal: DecisionRefusal<string>): string =>
  decisionRefusalInWords(by, refusal, { stateInWords: stateWords, askAgainCommand: '`/openai-key request`' });

const threadNoteText = (event: ThreadEvent): string => {
  switch (event.kind) {
    case 'approved':
      return `:white_check_mark: Approved by ${approvedByInWords(event)}. Creating the key…`;
    case 'denied':
      return `:no_entry: Denied by ${mentionUser(event.by)}.${reasonSuffix(event.reason)}`;
    case 'expired':
      return ':hourglass: No approver decided in time, so the request expired.';
    case 'cancelled':
      return `:heavy_multiplication_x: Cancelled by ${mentionUser(event.by)}; approvers need not decide it any more.`;
    case 'key_created':
      return (
        `:key: Key ${codeSpan(event.redactedKey, 60)} created` +
        (event.keyExpiresAt === undefined ? '.' : `; it expires ${slackDate(event.keyExpiresAt)}.`)
      );
    case 'delivered':
      return `:envelope: Sent ${mentionUser(event.to)} a DM to reveal the key.`;
    case 'revealed':
      return `:unlock: ${mentionUser(event.by)} revealed the key.`;
    case 'reveal_expired':
      return ':lock: The key was not revealed in time, so it was revoked.';
    case 'revoked':
      return `:lock: Key revoked by ${mentionUser(event.by)}.${reasonSuffix(event.reason)}`;
    case 'failed':
      return event.willRetry
        ? `:warning: Creating the key failed; keywarden will retry.${reasonSuffix(event.reason)}`
        : `:x: Creating the key failed, and keywarden will not retry.${reasonSuffix(event.reason)}`;
  }
};

/** A short reply in the request's thread. */
export const renderThreadNote = (event: ThreadEvent): RenderedMessage => {
  const text = threadNoteText(event);
  return composeMessage(text, [sectionBlock(text)]);
};

/** Who approved, for an `approved` event: every approver who counted when a quorum needed more than one. */
export const approvedByInWords = (event: ApprovedEvent): string => listInWords((event.approvers ?? [event.by]).map(mentionUser));

/**
 * Who approved a decided request, for its message: the approvers in order, or the auto-approve rule
 * ("automatically, by the policy rule `projects.research.auto_approve`: keys of at most 7 days").
 */
export const approvedByOf = (doc: Pick<ApprovalFields, 'decidedBy' | 'votes' | 'requesterId' | 'autoApprovedBy' | 'autoApprovedRule'>): string => {
  if (doc.autoApprovedBy !== undefined || doc.decidedBy === KEYWARDEN_ACTOR) {
    return `keywarden automatically, by the policy rule ${codeSpan(doc.autoApprovedBy ?? 'auto_approve', 120)}${doc.autoApprovedRule ? ` (${describeAutoApproveRule(doc.autoApprovedRule, mentionUserOrGroup)})` : ''}`;
  }
  const approvers = approversSoFar(doc);
  if (approvers.length === 0) return doc.decidedBy === undefined ? 'an approver' : mentionUser(doc.decidedBy);
  return listInWords(approvers.map(mentionUser));
};

/**
 * The quorum's progress for a pending request's message, while it needs more than one approver or has votes:
 * "Approvals: 1 of 2 so far: @alice". Empty otherwise.
 */
export const approvalProgressLines = (doc: Pick<ApprovalFields, 'approvalsNeeded' | 'votes' | 'requesterId'>): string[] => {
  const needed = doc.approvalsNeeded ?? 1;
  const approvers = approversSoFar(doc);
  if (needed <= 1 && approvers.length === 0) return [];
  if (approvers.length === 0) return [`*Approvals*\n0 of ${needed} so far: it needs ${needed} different approvers.`];
  return [`*Approvals*\n${approvers.length} of ${needed} so far: ${listInWords(approvers.map(mentionUser))}.`];
};

const approvalNoteText = (doc: ApprovalFields, event: ApprovalEvent): string => {
  switch (event.kind) {
    case 'vote':
      return (
        `:ballot_box_with_check: ${event.approvers.length} of ${event.needed} approvals: ${listInWords(event.approvers.map(mentionUser))}. ` +
        `It needs ${event.needed - event.approvers.length} more.`
      );
    case 'auto_approved':
      return `:white_check_mark: Approved automatically by keywarden, by the policy rule ${codeSpan(event.source, 120)}: ${describeAutoApproveRule(event.rule, mentionUserOrGroup)}.`;
    case 'reminder':
      return event.approvers.length === 0
        ? `:bell: Reminder: this request still waits for a decision, by ${slackDate(event.decideBy)}.`
        : `:bell: Reminder for ${listInWords(event.approvers.slice(0, 20).map(mentionUserOrGroup))}: this request still waits for a decision, by ${slackDate(event.decideBy)}.`;
    case 'escalation':
      return event.admins.length === 0
        ? `:rotating_light: Nobody has decided this request yet; it expires ${slackDate(event.decideBy)}.`
        : `:rotating_light: ${listInWords(event.admins.slice(0, 20).map(mentionUserOrGroup))}: nobody has decided this request yet; it expires ${slackDate(event.decideBy)}. An admin can decide it.`;
  }
  void doc;
};

/** The engine's own notices and refusals, for every kind of request. */
export const approvalNotices: ApprovalNoticeRenderer = {
  threadNote(doc, event) {
    const text = approvalNoteText(doc, event);
    return composeMessage(text, [sectionBlock(text)]);
  },
  dm(doc, event, noun) {
    if (event.kind !== 'auto_approved') return null;
    const text =
      `:white_check_mark: Your ${noun} (${codeSpan(doc.id, 40)}) for *${fitUserText(doc.projectName, 200)}* was approved automatically, ` +
      `by the policy rule ${codeSpan(event.source, 120)}: ${describeAutoApproveRule(event.rule, mentionUserOrGroup)}.`;
    return composeMessage(text, [sectionBlock(text)]);
  },
  refusalInWords: (by, refusal, wording) => decisionRefusalInWords(by, refusal, wording),
};
