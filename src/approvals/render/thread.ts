import type { ApprovalEvent, ApprovedEvent } from '../domain/requestEvents.js';
import { approversSoFar, KEYWARDEN_ACTOR, type ApprovalFields } from '../domain/document.js';
import type { ApprovalNoticeRenderer } from '../engine.js';
import { describeAutoApproveRule } from '../domain/policy.js';
import type { KnownBlock } from '@slack/types';
import { actionsBlock, buttonElement, composeMessage, contextBlock, plainText, sectionBlock } from '../../platform/slack/render/blocks.js';
import { BLOCK_KIT_LIMITS } from '../../platform/slack/render/blockKitLimits.js';
import { decisionRefusalInWords, listInWords } from './decisionRefusal.js';
import { codeSpan, fitUserText, mentionUser, mentionUserOrGroup, slackDate } from '../../platform/slack/render/mrkdwn.js';

/**
 * The approvals engine's words, for every kind of request: who approved, a quorum's progress, votes, auto-approval,
 * reminders and escalations. A kind's own thread notes (a key created, a limit applied) are its feature's.
 */

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

/**
 * A pending request's decision area, the same for every kind: the quorum's progress (see approvalProgressLines), then
 * the Approve button (behind a confirm dialog, whose words the kind gives) and the Deny button, both carrying the
 * request id under the kind's action ids, and the hint that approvers may reply in the thread instead.
 */
export const pendingDecisionBlocks = (
  doc: Pick<ApprovalFields, 'approvalsNeeded' | 'votes' | 'requesterId'> & { readonly id: string },
  opts: { readonly approveActionId: string; readonly denyActionId: string; readonly confirmTitle: string; readonly confirmText: string },
): KnownBlock[] => {
  const progress = approvalProgressLines(doc);
  return [
    ...(progress.length > 0 ? [sectionBlock(progress.join('\n'))] : []),
    actionsBlock([
      buttonElement({
        text: 'Approve',
        actionId: opts.approveActionId,
        value: doc.id,
        style: 'primary',
        confirm: {
          title: plainText(opts.confirmTitle, BLOCK_KIT_LIMITS.confirmTitle),
          text: plainText(opts.confirmText, BLOCK_KIT_LIMITS.confirmText),
          confirm: plainText('Approve', BLOCK_KIT_LIMITS.confirmButton),
          deny: plainText('Cancel', BLOCK_KIT_LIMITS.confirmButton),
        },
      }),
      buttonElement({ text: 'Deny', actionId: opts.denyActionId, value: doc.id, style: 'danger' }),
    ]),
    contextBlock('Approvers: click a button, or reply in this thread with `approve` or `deny &lt;reason&gt;`'),
  ];
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
