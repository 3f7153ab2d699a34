/**
 * The approvals engine's Slack listeners, for every kind of request: the Approve and Deny buttons, the deny-reason
 * form and `approve` / `deny <reason>` thread replies. Its `/openai-key policy` subcommand is parsed by the router
 * (src/commands/listener.ts) and run in ./commands.ts.
 */
import type { App } from '@slack/bolt';
import * as actions from './actions.js';
import * as events from './events.js';
import * as views from './views.js';

export type ApprovalListenerDeps = actions.ApprovalActionDeps & views.DenyReasonDeps & events.ThreadReplyDeps;

/** Registers every approvals listener on the Bolt app. */
export function register(app: App, deps: ApprovalListenerDeps): void {
  actions.register(app, deps);
  views.register(app, deps);
  events.register(app, deps);
}
