/** The words the requester gets when their request cannot be shown to approvers. */
import { mentionChannel } from '../../platform/slack/render/mrkdwn.js';

/**
 * The DM text for a request whose message Slack will never take in the approval channel (the bot is not in it, say):
 * why no approver can see it and what an admin must do. `requestId` is keywarden's id; `approvalChannel` a channel
 * id; `reason` Slack's refusal in keywarden's words (`slackRefusal`: "Slack refused: not_in_channel"). The text goes
 * into a `dm` job's payload as it is (mrkdwn), so it is a string, not blocks.
 */
export const unpostableRequestText = (requestId: string, approvalChannel: string, reason: string): string =>
  `keywarden could not post your request (${requestId}) in ${mentionChannel(approvalChannel)}, so no approver can see it: ${reason}. ` +
  'An admin needs to invite keywarden to that channel (`/invite @keywarden`); then please ask again.';
