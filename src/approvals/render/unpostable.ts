/** The words the requester gets when their request cannot be shown to approvers. */
import { codeSpan, mentionChannel } from '../../platform/slack/render/mrkdwn.js';

/** What an admin must do about Slack's refusal, by Slack's error code (https://api.slack.com/methods/chat.postMessage#errors). */
const ADMIN_ACTION: Readonly<Record<string, string>> = {
  not_in_channel: 'An admin needs to invite keywarden to that channel (`/invite @keywarden`)',
  channel_not_found: 'Slack does not know that channel, or keywarden cannot see it: an admin needs to check `KEYWARDEN_APPROVAL_CHANNEL`',
  is_archived: 'That channel is archived: an admin needs to unarchive it or set another `KEYWARDEN_APPROVAL_CHANNEL`',
  missing_scope: 'keywarden lacks a Slack permission it needs: an admin needs to reinstall the app with the scopes in its manifest',
  invalid_auth: 'Slack refused keywarden’s token: an admin needs to give keywarden a working bot token',
  not_authed: 'Slack refused keywarden’s token: an admin needs to give keywarden a working bot token',
  account_inactive: 'Slack refused keywarden’s token: an admin needs to give keywarden a working bot token',
  token_revoked: 'Slack refused keywarden’s token: an admin needs to give keywarden a working bot token',
};

/**
 * The DM text for a request whose message Slack will never take in the approval channel (the bot is not in it, say):
 * why no approver can see it and, where Slack's error says, what an admin must do. `requestId` is keywarden's id;
 * `approvalChannel` a channel id; `slackError` Slack's error code (`slackRefusalCode`, e.g. `not_in_channel`). The
 * text goes into a `dm` job's payload as it is (mrkdwn), so it is a string, not blocks.
 */
export const unpostableRequestText = (requestId: string, approvalChannel: string, slackError: string): string =>
  `keywarden could not post your request (${requestId}) in ${mentionChannel(approvalChannel)}, so no approver can see it: Slack refused: ${codeSpan(slackError, 60)}. ` +
  `${ADMIN_ACTION[slackError] ?? 'Please tell an admin, who can find the details in keywarden’s log'}; then please ask again.`;
