/**
 * Opening a key request by command as a person does, for the worlds that drive keywarden processes (ops and
 * cluster tests): when keywarden answers that the same person already has a request waiting for that project, the
 * "Send another request" button is clicked (a deliberate duplicate). Concurrent openers share `clickedWarnings`,
 * so each warning is clicked once, whichever opener clicks it.
 */
import type { SlackDriver, SlackEmulator, SlackMessage } from '../../src/emulators/slack/index.js';
import { ACTION } from '../../src/platform/slack/ids.js';
import { APPROVAL_CHANNEL, GENERAL_CHANNEL, USERS } from './workspace.js';

export interface OpenedRequest {
  readonly message: SlackMessage;
  readonly ackMs: number;
}

/** Sends `text` (e.g. `request Support Bot <purpose>`) and resolves with the approval message that names its purpose. */
export async function openRequestAsPerson(
  slack: SlackEmulator,
  driver: SlackDriver,
  text: string,
  opts: { readonly userId?: string; readonly timeoutMs?: number; readonly clickedWarnings: Set<string> },
): Promise<OpenedRequest> {
  const userId = opts.userId ?? USERS.requester;
  const before = slack.messages(APPROVAL_CHANNEL).length;
  const seen = slack.ephemerals(userId).length;
  const res = await driver.slashCommand({ userId, text, channelId: GENERAL_CHANNEL });
  if (res.status !== 200) throw new Error(`the slash command was answered ${res.status}: ${res.body}`);
  const purpose = text.split(' ').slice(-3).join(' ');
  let confirmed = false;
  const message = await slack.waitFor(() => {
    const posted = slack.messages(APPROVAL_CHANNEL).slice(before).find((m) => JSON.stringify(m.blocks ?? []).includes(purpose));
    if (posted) return posted;
    const warning = confirmed
      ? undefined
      : slack.ephemerals(userId).slice(seen).find((e) => !opts.clickedWarnings.has(e.ts) && JSON.stringify(e.blocks ?? []).includes(ACTION.sendAnotherRequest));
    if (warning) {
      confirmed = true;
      opts.clickedWarnings.add(warning.ts);
      void driver.clickButton({ userId, actionId: ACTION.sendAnotherRequest, channel: warning.channel, messageTs: warning.ts });
    }
    return undefined;
  }, opts.timeoutMs ?? 20_000);
  return { message, ackMs: res.ms };
}
