/** Notices about spend watching itself: a cap changed outside keywarden, a refused admin key, a moved alert. */
import { formatCents, type Cents } from '../../../domain/money.js';
import { SLASH_COMMAND } from '../../ids.js';
import { composeMessage, contextBlock, sectionBlock, type RenderedMessage } from '../blocks.js';
import { codeSpan, mentionChannel, slackDate } from '../mrkdwn.js';
import { projectName, type SpendProject } from './figures.js';

export interface DriftNoticeInput {
  readonly project: SpendProject;
  /** the hard cap keywarden last set; null when it set none */
  readonly keywardenCents: Cents | null;
  /** the hard cap OpenAI has now; null when it has none */
  readonly openaiCents: Cents | null;
}

const capText = (value: Cents | null): string => (value === null ? 'no hard cap' : formatCents(value));

/** The project's hard cap at OpenAI no longer matches the one keywarden set (someone changed it at OpenAI). */
export const renderDriftNotice = (input: DriftNoticeInput): RenderedMessage => {
  const name = projectName(input.project);
  const quoted = input.project.name.replace(/"/g, "'");
  const fix = codeSpan(`${SLASH_COMMAND} limit "${quoted}" hard <amount>`, 200);
  const text =
    `:warning: *${name}*'s hard cap was changed outside keywarden: OpenAI has ${capText(input.openaiCents)}, ` +
    `but keywarden set ${capText(input.keywardenCents)}. OpenAI enforces its own figure, so alerts follow it from now on.`;
  return composeMessage(text, [
    sectionBlock(text),
    contextBlock(`To put the cap back through keywarden, with an approver's say, use ${fix}.`),
  ]);
};

export interface OpenAIAuthNoticeInput {
  /** when spend was last read successfully, if ever */
  readonly lastReadAt?: number;
}

/** OpenAI refused the admin key: spend cannot be read, so no spend alert can fire. Posted at most once an hour. */
export const renderOpenAIAuthNotice = (input: OpenAIAuthNoticeInput = {}): RenderedMessage => {
  const text =
    ":lock: OpenAI refused keywarden's admin key, so keywarden can't read spend and *no spend alerts can be sent*. " +
    'An OpenAI organization owner needs to check the admin key (it may have been revoked or have expired) and give ' +
    'keywarden a working one.';
  const lastRead = input.lastReadAt === undefined ? 'Spend has not been read yet.' : `Spend was last read ${slackDate(input.lastReadAt)}.`;
  return composeMessage(text, [
    sectionBlock(text),
    contextBlock(`${lastRead} keywarden keeps trying and repeats this notice at most once an hour.`),
  ]);
};

const FALLBACK_REASONS: Readonly<Record<string, string>> = {
  not_in_channel: "keywarden isn't a member of it",
  channel_not_found: "it doesn't exist, or keywarden can't see it",
  is_archived: 'it is archived',
  restricted_action: "the channel's settings don't let keywarden post",
  restricted_action_read_only_channel: 'it is read-only',
  restricted_action_thread_only_channel: 'it only allows replies in threads',
  ekm_access_denied: 'its messages are locked by the workspace admins',
};

/** Put above an alert posted in a fallback channel because its own channel refused it. */
export const renderChannelFallbackNote = (originalChannel: string, reason: string): RenderedMessage => {
  const why = FALLBACK_REASONS[reason] ?? `Slack said ${codeSpan(reason, 100)}`;
  const text =
    `:information_source: This alert belongs in ${mentionChannel(originalChannel)}, but keywarden couldn't post there: ` +
    `${why}. Invite keywarden to it, or pick another channel with ${codeSpan(`${SLASH_COMMAND} limit <project> channel #channel`, 120)}.`;
  return composeMessage(text, [contextBlock(text)]);
};
