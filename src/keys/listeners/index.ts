/**
 * The key-request feature's Slack listeners: its buttons, its request form, the form's project picker and its
 * Workflow Builder step. Its `/openai-key` subcommands are parsed by the router (src/commands/listener.ts) and run
 * in ./commands.ts.
 */
import type { App } from '@slack/bolt';
import * as actions from './actions.js';
import * as options from './options.js';
import * as views from './views.js';
import * as workflowStep from './workflowStep.js';

export type KeyListenerDeps = actions.KeyActionDeps & views.KeyViewDeps & options.ProjectPickerDeps & workflowStep.RequestKeyStepDeps;

/** Registers every key-request listener on the Bolt app. */
export function register(app: App, deps: KeyListenerDeps): void {
  actions.register(app, deps);
  views.register(app, deps);
  options.register(app, deps);
  workflowStep.register(app, deps);
}
