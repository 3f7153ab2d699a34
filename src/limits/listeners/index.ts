/**
 * The limits feature's Slack listeners: the "Request a higher cap" button and the limit form. Its `/openai-key`
 * subcommands are parsed by the router (src/commands/listener.ts) and run in ./commands.ts.
 */
import type { App } from '@slack/bolt';
import * as actions from './actions.js';
import * as views from './views.js';

export type LimitListenerDeps = actions.HigherCapDeps & views.LimitFormDeps;

/** Registers every limits listener on the Bolt app. */
export function register(app: App, deps: LimitListenerDeps): void {
  actions.register(app, deps);
  views.register(app, deps);
}
