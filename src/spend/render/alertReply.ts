/**
 * One alert, told in the thread of the project's status message. Hard-cap notices are broadcast to the channel and
 * mention the people who can act: the project's owners (requesters of its keys) and the approvers.
 */
import type { KnownBlock } from '@slack/types';
import { formatCents } from '../../platform/domain/money.js';
import type { Alert, Enforcement, ForecastAlert, HardAlert, SoftAlert } from '../domain/alerts.js';
import { ACTION } from '../../platform/slack/ids.js';
import { actionsBlock, buttonElement, composeMessage, contextBlock, sectionBlock, type RenderedMessage } from '../../platform/slack/render/blocks.js';
import { mentionUserOrGroup } from '../../platform/slack/render/mrkdwn.js';
import { dayMonthText, projectName, type SpendProject } from './figures.js';

export interface AlertReplyContext {
  readonly project: SpendProject;
  /** Slack user ids of the people who requested the project's keys */
  readonly ownerIds: readonly string[];
  /** user ids and user-group ids (S…) */
  readonly approverIds: readonly string[];
  /** lower thresholds the same poll crossed, told in this alert rather than each in a reply of its own */
  readonly alsoPassed?: readonly Alert[];
}

/** A reply in the status message's thread; `broadcast` asks for it to be shown in the channel too. */
export interface AlertReply extends RenderedMessage {
  readonly broadcast: boolean;
}

export const REFUSING_SENTENCE = "OpenAI is now refusing this project's requests";
/** Said while OpenAI reports a reached cap as not enforced yet (OpenAI enforces spend limits with a lag). */
export const ENFORCEMENT_PENDING_SENTENCE = 'OpenAI does not report the cap as enforced yet';
export const MENTIONS_SHOWN = 20;

const estimateNote = (alert: Alert): string => {
  if (alert.estimateMissing) return ' Usage could not be read, so spend not billed yet is missing from this figure.';
  if (alert.estimateCents > 0) return ` (${formatCents(alert.estimateCents)} of that is estimated from usage OpenAI has not billed yet.)`;
  return '';
};

const softText = (alert: SoftAlert, name: string, alsoPassed: string): string =>
  `:warning: *${name}* has reached *${alert.threshold}%* of its soft limit: ` +
  `${formatCents(alert.spendCents)} spent of ${formatCents(alert.limitCents)} this month.${alsoPassed}${estimateNote(alert)}`;

/**
 * What OpenAI reports about the cap, in its words: refusing only once it reports `enforcing`. A reached cap OpenAI
 * reports as `inactive` is pending: OpenAI enforces spend limits with a lag behind its billing, so requests may
 * still go through. The notice is updated in place when OpenAI reports it enforcing.
 */
const enforcementText = (enforcement: Enforcement | undefined): string => {
  if (enforcement === 'enforcing') return ` *${REFUSING_SENTENCE}* until the cap is raised or the month ends.`;
  if (enforcement === 'inactive') {
    return ` ${ENFORCEMENT_PENDING_SENTENCE}: it enforces with a lag, so requests may still go through (and cost) for a while. This notice will say when OpenAI starts refusing them.`;
  }
  return " keywarden could not read whether OpenAI enforces the cap yet (it enforces with a lag), so requests may still go through for a while.";
};

const hardText = (alert: HardAlert, name: string, alsoPassed: string): string => {
  const cap = alert.limitCents === null ? 'its hard cap' : `its hard cap of ${formatCents(alert.limitCents)}`;
  return alert.reason === 'reached'
    ? `:no_entry: *${name}* has reached ${cap} (${formatCents(alert.spendCents)} spent this month).${alsoPassed}${enforcementText(alert.enforcement)}`
    : `:no_entry: OpenAI reports it is enforcing ${cap} for *${name}*.${enforcementText('enforcing')} ` +
        `keywarden counts ${formatCents(alert.spendCents)} spent this month so far.${alsoPassed}`;
};

const listed = (items: readonly string[]): string =>
  items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1) ?? ''}`;

/** ` Since the last check it also passed 50% and 80% of its soft limit.`, or '' when nothing else was passed. */
const alsoPassedText = (lead: Alert, others: readonly Alert[] | undefined): string => {
  const soft = [...new Set((others ?? []).filter((a) => a.kind === 'soft' && a.identity !== lead.identity).map((a) => a.threshold))].sort((a, b) => a - b);
  if (soft.length === 0) return '';
  return ` Since the last check it also passed ${listed(soft.map((t) => `${t}%`))} of its soft limit.`;
};

const forecastText = (alert: ForecastAlert, name: string): string => {
  const basis = Number.isInteger(alert.basisDays)
    ? alert.basisDays === 1
      ? 'yesterday'
      : `the last ${alert.basisDays} days`
    : 'today so far';
  return (
    `:chart_with_upwards_trend: At its pace of ${formatCents(alert.dailyAverageCents)} a day (${basis}), *${name}* is expected to ` +
    `pass its hard cap of ${formatCents(alert.limitCents)} on *${dayMonthText(alert.expectedAt)}*, ` +
    `with about ${formatCents(alert.projectedCents)} by month end. ${formatCents(alert.spendCents)} is spent so far.${estimateNote(alert)}`
  );
};

const mentionList = (ids: readonly string[]): string => {
  const shown = ids.slice(0, MENTIONS_SHOWN).map(mentionUserOrGroup).join(', ');
  return ids.length > MENTIONS_SHOWN ? `${shown} and ${ids.length - MENTIONS_SHOWN} more` : shown;
};

/** Owners, then approvers who are not also owners; each person once. */
const whoToTell = (context: AlertReplyContext): string | null => {
  const owners = [...new Set(context.ownerIds)];
  const approvers = [...new Set(context.approverIds)].filter((id) => !owners.includes(id));
  const parts: string[] = [];
  if (owners.length > 0) parts.push(`Owners: ${mentionList(owners)}`);
  if (approvers.length > 0) parts.push(`Approvers: ${mentionList(approvers)}`);
  return parts.length === 0 ? null : parts.join(' · ');
};

/**
 * The reply that tells `alert`, naming the lower thresholds in `context.alsoPassed`. A hard-cap notice says what
 * OpenAI reports about enforcement (see `enforcementText`); render it again with `enforcement: 'enforcing'` to
 * update it once OpenAI enforces. Throws if the alert is not the context's project's.
 */
export const renderAlertReply = (alert: Alert, context: AlertReplyContext): AlertReply => {
  if (alert.projectId !== context.project.id) {
    throw new Error(`an alert for ${alert.projectId} cannot be told as one for ${context.project.id}`);
  }
  const name = projectName(context.project);
  const alsoPassed = alsoPassedText(alert, context.alsoPassed);
  if (alert.kind === 'soft') {
    const text = softText(alert, name, alsoPassed);
    return { ...composeMessage(text, [sectionBlock(text)]), broadcast: false };
  }
  if (alert.kind === 'forecast') {
    const text = forecastText(alert, name);
    return { ...composeMessage(text, [sectionBlock(text)]), broadcast: false };
  }
  const text = hardText(alert, name, alsoPassed);
  const people = whoToTell(context);
  const blocks: KnownBlock[] = [sectionBlock(text)];
  if (people !== null) blocks.push(sectionBlock(people));
  blocks.push(
    actionsBlock([
      buttonElement({ text: 'Request a higher cap', actionId: ACTION.requestHigherCap, value: alert.projectId, style: 'primary' }),
    ]),
  );
  blocks.push(contextBlock('Raising the cap takes an approver, or an admin with `/openai-key limit`.'));
  return { ...composeMessage(people === null ? text : `${text}\n${people}`, blocks), broadcast: true };
};
