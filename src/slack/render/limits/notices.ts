import type { KnownBlock } from '@slack/types';
import { describeLimitChange, type ProjectLimits } from '../../../domain/limits.js';
import type { DecisionRefusal } from '../../../domain/request.js';
import type { LimitChangeEvent } from '../../../domain/requestEvents.js';
import { composeMessage, contextBlock, fieldsBlock, sectionBlock, type RenderedMessage } from '../blocks.js';
import { decisionRefusalInWords } from '../decisionRefusal.js';
import { codeSpan, mentionChannel, mentionUser, quoteUserText, slackDate } from '../mrkdwn.js';
import { limitChangeStateInWords } from './changeRequest.js';
import {
  channelText,
  commandCode,
  domainLine,
  formatLimit,
  formatThresholds,
  projectArgument,
  projectLabel,
  projectName,
} from './format.js';
import type { LimitChangeRequestView, LimitsProject } from './types.js';

const REASON_MAX = 1000;

const plainMessage = (text: string): RenderedMessage => composeMessage(text, [sectionBlock(text)]);

const changeLines = (before: ProjectLimits | null, after: ProjectLimits): string[] => {
  const lines = describeLimitChange(before, after).map(domainLine);
  return lines.length === 0 ? ['Nothing visible changed.'] : lines;
};

const quotedReason = (reason: string, fallback: string): string =>
  quoteUserText(reason.trim() === '' ? fallback : reason, REASON_MAX);

/** The announcement in the project's alert channel that its limits changed, with before and after. */
export const renderLimitChangeApplied = (opts: {
  readonly project: LimitsProject;
  readonly before: ProjectLimits | null;
  readonly after: ProjectLimits;
  readonly actorId: string;
  /** set when the change was a request that an approver approved; `actorId` is then the requester */
  readonly approvedBy?: string;
  readonly now: number;
}): RenderedMessage => {
  const { project, before, after } = opts;
  const who =
    opts.approvedBy === undefined
      ? `by ${mentionUser(opts.actorId)}`
      : `at the request of ${mentionUser(opts.actorId)}, approved by ${mentionUser(opts.approvedBy)}`;
  const lines = changeLines(before, after);
  const blocks: KnownBlock[] = [
    sectionBlock(`:gear: The spend limits of ${projectLabel(project)} were changed ${who}.`),
    sectionBlock(`*Before → after*\n${lines.join('\n')}`),
    fieldsBlock([
      `*Soft limit*\n${formatLimit(after.softCents)}`,
      `*Hard cap*\n${formatLimit(after.hardCents)}`,
      `*Alerts at*\n${formatThresholds(after.thresholds)}`,
      `*Alert channel*\n${channelText(after.channelId)}`,
    ]),
    contextBlock(
      `Changed ${slackDate(opts.now)} · alerts start again from the new thresholds this month · ` +
        `see them with ${commandCode(`limits ${projectArgument(project)}`)}`,
    ),
  ];
  return composeMessage(`Spend limits of ${projectName(project)} changed ${who}: ${lines.join('; ')}`, blocks);
};

/** Why a decision on a limit-change request was refused, addressed to the person who tried. */
export const limitRefusalInWords = (by: string, refusal: DecisionRefusal<string>): string =>
  decisionRefusalInWords(by, refusal, { stateInWords: limitChangeStateInWords, askAgainCommand: commandCode('limit') });

const threadNoteText = (event: LimitChangeEvent): string => {
  switch (event.kind) {
    case 'approved':
      return `:white_check_mark: Approved by ${mentionUser(event.by)}. Applying the change at OpenAI…`;
    case 'applied':
      return (
        `:white_check_mark: Applied; the new limits are in effect.\n${changeLines(event.before, event.after).join('\n')}` +
        (event.announcedIn === undefined ? '' : `\nAnnounced in ${mentionChannel(event.announcedIn)}.`)
      );
    case 'denied':
      return `:no_entry: Denied by ${mentionUser(event.by)}.\n${quotedReason(event.reason, '(no reason given)')}`;
    case 'expired':
      return ':hourglass: No approver decided in time, so the request expired.';
    case 'failed':
      return `:x: OpenAI refused the change, so the limits stay as they were. OpenAI said:\n${quotedReason(event.reason, 'OpenAI gave no reason.')}`;
  }
};

/** A short reply in the limit-change request's thread. */
export const renderLimitChangeThreadNote = (event: LimitChangeEvent): RenderedMessage => plainMessage(threadNoteText(event));

/** What the requester is told by DM about `event`. */
export const renderLimitRequesterDm = (req: LimitChangeRequestView, event: LimitChangeEvent): RenderedMessage => {
  const project = { id: req.projectId, name: req.projectName };
  const label = projectLabel(project);
  const askAgain = `You can ask again with ${commandCode(`limit ${projectArgument(project)} …`)}.`;
  switch (event.kind) {
    case 'approved':
      return plainMessage(
        `:white_check_mark: Your request to change the spend limits of ${label} was approved by ${mentionUser(event.by)}. ` +
          'keywarden is applying it at OpenAI; you will get another message when it is in effect.',
      );
    case 'applied':
      return plainMessage(
        `:white_check_mark: Your change to the spend limits of ${label} is in effect:\n` +
          changeLines(event.before, event.after).join('\n'),
      );
    case 'denied':
      return plainMessage(
        `:no_entry: Your request to change the spend limits of ${label} was denied by ${mentionUser(event.by)}.\n` +
          `${quotedReason(event.reason, '(no reason given)')}\n${askAgain}`,
      );
    case 'expired':
      return plainMessage(
        `:hourglass: No approver decided your request to change the spend limits of ${label} by ${slackDate(req.decideBy)}, ` +
          `so it expired. ${askAgain}`,
      );
    case 'failed':
      return plainMessage(
        `:x: OpenAI refused the change to the spend limits of ${label}, so they stay as they were. OpenAI said:\n` +
          `${quotedReason(event.reason, 'OpenAI gave no reason.')}\nAsk a keywarden admin, or ask again with different limits ` +
          `(request ${codeSpan(req.id, 60)}).`,
      );
  }
};

const CHANNEL_ERRORS: Readonly<Record<string, string>> = {
  not_in_channel: 'keywarden is not a member of it',
  channel_not_found: 'Slack can’t find it for keywarden: it is private and keywarden is not in it, or it was deleted',
  is_archived: 'it is archived',
  restricted_action: 'the channel’s settings don’t let keywarden post there',
};

/** Told to whoever set an alert channel that keywarden cannot post in, with how to fix it. */
export const renderChannelNotReachable = (channelId: string, error: string): RenderedMessage => {
  const channel = mentionChannel(channelId);
  const why = CHANNEL_ERRORS[error] ?? `Slack said ${codeSpan(error.trim() === '' ? 'unknown error' : error, 100)}`;
  const fix =
    error === 'is_archived'
      ? `Pick another channel: ${commandCode('limit <project> channel #channel')}.`
      : `Invite it: type ${codeSpan('/invite @keywarden', 40)} in ${channel}, then try again. ` +
        `Or pick another channel: ${commandCode('limit <project> channel #channel')}.`;
  const text = `:warning: keywarden can’t post in ${channel}: ${why}. ${fix}`;
  return composeMessage(
    error === 'is_archived'
      ? `keywarden can't post in ${channel}: it is archived. Pick another alert channel.`
      : `keywarden can't post in ${channel}. Invite it with /invite @keywarden in that channel.`,
    [sectionBlock(text)],
  );
};
