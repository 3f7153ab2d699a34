/**
 * What every Slack listener shares, whichever feature owns it: the log and the once-only claim (ListenerContext),
 * plain words for a failure, an ephemeral reply, and a button listener that acknowledges first.
 */
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { Logger } from 'pino';
import type { RenderedMessage } from './render/blocks.js';
import { isStoreUnavailable } from '../redis/storeUnavailable.js';


export interface ListenerContext {
  readonly log: Logger;
  /** true the first time `key` is seen within `ttlSeconds` (default 1 hour), false after: Redis SET NX */
  readonly firstSighting: (key: string, ttlSeconds?: number) => Promise<boolean>;
}

/** What a `/openai-key` listener is handed: the command, `ack`, `respond` (its response_url) and the client. */
export type SlashCommandArgs = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

/** What a button listener is handed: the clicked button, who clicked, `ack`, `respond` and the client. */
export type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

/** A reply only the person who typed the command (or clicked) sees. */
export function ephemeral(message: RenderedMessage): { response_type: 'ephemeral'; text: string; blocks: RenderedMessage['blocks'] } {
  return { response_type: 'ephemeral', text: message.text, blocks: message.blocks };
}

/**
 * A button listener that acknowledges at once (Slack allows 3 s), then runs `run`. A failure is logged and told to
 * the clicker alone, as `failureNotice` renders it (the message that holds the button stays as it is).
 */
export function ackedButton<D extends Pick<ListenerContext, 'log'>>(
  deps: D,
  run: (deps: D, args: ButtonArgs) => Promise<void>,
  failureNotice: (failure: { what: string }) => RenderedMessage,
): (args: ButtonArgs) => Promise<void> {
  return async (args) => {
    await args.ack();
    try {
      await run(deps, args);
    } catch (error) {
      deps.log.warn({ action: args.action.action_id, user: args.body.user.id, error: (error as Error).message }, 'action failed');
      await args.respond({ ...ephemeral(failureNotice({ what: describeListenerFailure(error) })), replace_original: false }).catch(() => undefined);
    }
  };
}

/** Plain words for a failure at the edge: never a stack trace. */
export function describeListenerFailure(error: unknown): string {
  const e = error as { name?: string; message?: string; failure?: { message: string }; code?: string };
  if (e?.failure?.message) return e.failure.message;
  if (isStoreUnavailable(error)) return 'keywarden cannot reach its store right now, try again in a minute.';
  return 'Something went wrong on keywarden’s side and it has been logged. Please try again in a minute.';
}

