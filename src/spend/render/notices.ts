/** Notices about spend watching itself: a refused admin key, a moved alert. (Cap sightings are limits': render/limits/drift.ts.) */
import { SLASH_COMMAND } from '../../platform/slack/ids.js';
import { composeMessage, contextBlock, sectionBlock, type RenderedMessage } from '../../platform/slack/render/blocks.js';
import { codeSpan, mentionChannel, slackDate } from '../../platform/slack/render/mrkdwn.js';

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
