/**
 * `approve` and `deny <reason>` replies in a request's thread: decided like the buttons, each reply once (Slack may
 * deliver a message again), by the people the policy lets decide.
 */
import type { AllMiddlewareArgs, App, SlackEventMiddlewareArgs } from '@slack/bolt';
import { describeListenerFailure, type ListenerContext } from '../../platform/slack/context.js';
import { parseThreadReply } from '../domain/threadReply.js';
import type { ApprovalEngine } from '../engine.js';
import type { RequestStore } from '../requestStore.js';
import { requestOfThread } from '../threadLink.js';

type MessageArgs = SlackEventMiddlewareArgs<'message'> & AllMiddlewareArgs;

export type ThreadReplyDeps = {
  readonly approvals: Pick<ApprovalEngine, 'decide' | 'refusalInWords'>;
  readonly requests: Pick<RequestStore, 'findByThread'>;
} & ListenerContext;

/** Registers the thread-reply listener (every message event; only replies in a request's thread are decided). */
export function register(app: App, deps: ThreadReplyDeps): void {
  app.message(async (args) => decideFromThreadReply(deps, args));
}

/** Slack's thread-reply subtypes that are a person's reply: plain, or sent with "Also send to channel". */
const REPLY_SUBTYPES: ReadonlySet<string | undefined> = new Set([undefined, 'thread_broadcast']);
/** A reply is handled once per (channel, ts) for this long: well past Slack's retries and late redeliveries. */
const THREAD_REPLY_DEDUPE_S = 24 * 3600;

async function decideFromThreadReply(deps: ThreadReplyDeps, { message, client }: MessageArgs): Promise<void> {
  if (!REPLY_SUBTYPES.has(message.subtype)) return; // edits, deletions, bot posts, joins…
  const { user, text, thread_ts: threadTs, channel, ts } = message as { user?: string; text?: string; thread_ts?: string; channel: string; ts: string };
  if (!user || !threadTs || threadTs === ts || !text) return;
  const reply = parseThreadReply(text);
  if (!reply) return; // ordinary conversation in the thread
  // Slack retries an event with the same event_id, and sometimes delivers the same message again minutes later
  // under a new event_id with no retry header: the message itself (channel, ts) is what is handled once.
  if (!(await deps.firstSighting(`thread-reply:${channel}:${ts}`, THREAD_REPLY_DEDUPE_S))) return;
  try {
    const requestId = await requestOfThread(deps.requests, channel, threadTs);
    if (!requestId) return;
    if (reply.kind === 'deny' && reply.reason === '') {
      await client.chat.postEphemeral({ channel, user, thread_ts: threadTs, text: 'A denial needs a reason: reply `deny <reason>`, e.g. `deny use the shared staging key instead`.' });
      return;
    }
    const decision = reply.kind === 'approve' ? { kind: 'approve' as const } : { kind: 'deny' as const, reason: reply.reason };
    const decided = await deps.approvals.decide({ requestId, actorId: user, decision, via: 'thread' });
    if (!decided.ok) await client.chat.postEphemeral({ channel, user, thread_ts: threadTs, text: deps.approvals.refusalInWords(user, decided.error) });
  } catch (error) {
    deps.log.warn({ user, error: (error as Error).message }, 'thread decision failed');
    await client.chat.postEphemeral({ channel, user, thread_ts: threadTs, text: describeListenerFailure(error) }).catch(() => undefined);
  }
}
