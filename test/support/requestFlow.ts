/**
 * Opening key requests in e2e tests the way a person does: by command, and, when keywarden warns that the same
 * person already has a request waiting for that project, by clicking "Send another request" (a deliberate duplicate).
 */
import { ACTION } from '../../src/platform/slack/ids.js';
import { APPROVAL_CHANNEL, GENERAL_CHANNEL, USERS, actionIdsIn, type Harness } from './harness.js';

/** The newest ephemeral for `userId` after `seen` that carries "Send another request". */
export const duplicateWarning = (h: Harness, userId: string, seen: number) =>
  h.slack.ephemerals(userId).slice(seen).find((e) => actionIdsIn(e).includes(ACTION.sendAnotherRequest));

/** Types `text`, confirms a duplicate if asked, and returns the new request message and id. */
export async function sendRequest(h: Harness, text: string, userId: string = USERS.requester) {
  const before = h.slack.messages(APPROVAL_CHANNEL).length;
  const seen = h.slack.ephemerals(userId).length;
  const res = await h.driver.slashCommand({ userId, text, channelId: GENERAL_CHANNEL });
  let clicked = false;
  const message = await h.waitFor(() => {
    if (h.slack.messages(APPROVAL_CHANNEL).length > before) return h.slack.messages(APPROVAL_CHANNEL).at(-1);
    const warning = clicked ? undefined : duplicateWarning(h, userId, seen);
    if (warning) {
      clicked = true;
      void h.driver.clickButton({ userId, actionId: ACTION.sendAnotherRequest, channel: warning.channel, messageTs: warning.ts });
    }
    return undefined;
  });
  return { res, message, requestId: h.requestIdOf(message) };
}
