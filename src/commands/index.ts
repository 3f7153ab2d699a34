/**
 * The Slack entry points no one feature owns: the `/openai-key` slash command (a router over the features'
 * subcommands) and the App Home tab.
 */
import type { App } from '@slack/bolt';
import * as appHome from './appHome.js';
import * as listener from './listener.js';

export type CommandsListenerDeps = listener.CommandListenerDeps & appHome.AppHomeDeps;

/** Registers `/openai-key` and the Home tab on the Bolt app. */
export function register(app: App, deps: CommandsListenerDeps): void {
  listener.register(app, deps);
  appHome.register(app, deps);
}
