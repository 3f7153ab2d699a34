/**
 * `/openai-key policy [project]`: the effective approval policy in plain words. Pure: the caller resolves the
 * policies (`ApprovalEngine.policyFor`) and the project names; this only renders them as Block Kit.
 */
import type { KnownBlock } from '@slack/types';
import { formatDuration } from '../../platform/domain/duration.js';
import { composeMessage, headerBlock, sectionBlock, type RenderedMessage } from '../../platform/slack/render/blocks.js';
import { listInWords } from './decisionRefusal.js';
import { codeSpan, fitUserText, mentionUserOrGroup } from '../../platform/slack/render/mrkdwn.js';
import { describeAutoApproveRule, type EffectivePolicy, type RequestKindName } from '../domain/policy.js';

/** One project's (or the defaults') policy for each kind of request. */
export interface PolicySection {
  /** the project's name, or null for the defaults (projects the policy file does not name) */
  readonly projectName: string | null;
  readonly projectId?: string;
  readonly byKind: readonly { readonly kind: RequestKindName; readonly policy: EffectivePolicy }[];
}

const KIND_TITLES: Readonly<Record<RequestKindName, string>> = { key: 'Key requests', limit: 'Spend limit changes' };

const people = (ids: readonly string[]): string => (ids.length === 0 ? 'nobody' : listInWords(ids.slice(0, 20).map(mentionUserOrGroup)) + (ids.length > 20 ? ` and ${ids.length - 20} more` : ''));

/** The lines for one kind's policy: who, how many, how long, reminders, auto-approve. */
export function policyLines(policy: EffectivePolicy): string[] {
  const lines = [
    `• Approvers: ${people(policy.approvers)}${policy.admins.length > 0 ? `; admins (${people(policy.admins)}) may always decide` : ''}.`,
    `• Approvals needed: ${policy.approvals === 1 ? 'one approver' : `${policy.approvals} different approvers`} (the requester never counts; one denial denies).`,
    `• Time to decide: ${formatDuration(policy.requestTtlMs)}, then the request expires.`,
    `• Reminder: ${policy.remindAfterMs === null ? 'none' : `after ${formatDuration(policy.remindAfterMs)}, to the approvers who have not decided`}.`,
    `• Escalation: ${policy.escalateAfterMs === null ? 'none' : `after ${formatDuration(policy.escalateAfterMs)}, to the admins`}.`,
  ];
  const rule = policy.autoApprove;
  lines.push(
    rule === null
      ? '• Auto-approve: never; every request waits for approvers.'
      : `• Auto-approve: ${describeAutoApproveRule(rule, mentionUserOrGroup)} (rule ${codeSpan(rule.source, 120)}).`,
  );
  return lines;
}

/** The `policy` answer: one section per project (or the defaults), each kind's policy in words. */
export function renderPolicy(sections: readonly PolicySection[], opts: { readonly fromFile: boolean }): RenderedMessage {
  const blocks: KnownBlock[] = [headerBlock('Approval policy')];
  for (const section of sections.slice(0, 20)) {
    const title =
      section.projectName === null
        ? '*Defaults* (every project the policy does not name)'
        : `*${fitUserText(section.projectName, 200)}*${section.projectId ? ` (${codeSpan(section.projectId, 100)})` : ''}`;
    const body = section.byKind.map(({ kind, policy }) => `_${KIND_TITLES[kind]}_\n${policyLines(policy).join('\n')}`).join('\n');
    blocks.push(sectionBlock(`${title}\n${body}`));
  }
  if (sections.length > 20) blocks.push(sectionBlock(`…and ${sections.length - 20} more projects: ask for one with \`/openai-key policy <project>\`.`));
  blocks.push(
    sectionBlock(
      opts.fromFile
        ? '_From the policy file (KEYWARDEN_POLICY_FILE); admins may always decide and count as one approver each._'
        : '_No policy file is set: approvers, admins and the time to decide come from the environment._',
    ),
  );
  const first = sections[0];
  const summary = first === undefined ? 'Approval policy' : `Approval policy for ${first.projectName ?? 'the defaults'}`;
  return composeMessage(summary, blocks);
}
