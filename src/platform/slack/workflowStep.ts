/**
 * Running a Workflow Builder step (a custom function, declared in manifest.yml under `functions`) once. Slack sends a
 * `function_executed` event when a workflow reaches a step; Bolt acknowledges it and hands the listener the inputs
 * and `complete` / `fail`, which call `functions.completeSuccess` / `functions.completeError` with the execution's
 * own bot token (the event's `bot_access_token`). https://docs.slack.dev/tools/bolt-js/concepts/custom-steps
 *
 * Each execution runs once: Slack may deliver `function_executed` again (a retry, or under a new event id), so the
 * function execution id is claimed in Redis (24 h) before anything is done; a delivery that finds it claimed does
 * nothing. Every failure completes the step with an error in plain words, never a stack trace or silence.
 */
import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { describeListenerFailure, type ListenerContext } from './context.js';

export type StepArgs = SlackEventMiddlewareArgs<'function_executed'> & AllMiddlewareArgs;
/** What a step ends with: its outputs (named and typed as manifest.yml declares them), or an error in words. */
export type StepOutcome = { readonly ok: true; readonly outputs: Record<string, unknown> } | { readonly ok: false; readonly error: string };

/** How long an execution id stays claimed: far longer than Slack redelivers an event. */
const EXECUTION_CLAIM_S = 86_400;

/**
 * Claims the execution, runs the step and completes it: `complete(outputs)` or `fail(error)`. A thrown error (the
 * store down, OpenAI unreachable while resolving a project) is completed as `<failurePrefix>: <plain words>`.
 */
export async function runStepOnce(
  deps: ListenerContext,
  { inputs, complete, fail, event }: StepArgs,
  failurePrefix: string,
  run: (inputs: Readonly<Record<string, unknown>>) => Promise<StepOutcome>,
): Promise<void> {
  const executionId = event.function_execution_id;
  const step = event.function.callback_id;
  let outcome: StepOutcome;
  try {
    if (!(await deps.firstSighting(`function-execution:${executionId}`, EXECUTION_CLAIM_S))) {
      deps.log.info({ step, executionId }, 'Slack delivered a workflow step again; it already ran once');
      return;
    }
    outcome = await run((inputs ?? {}) as Readonly<Record<string, unknown>>);
  } catch (error) {
    deps.log.warn({ step, executionId, error: (error as Error).message }, 'workflow step failed');
    outcome = { ok: false, error: `${failurePrefix}: ${describeListenerFailure(error)}` };
  }
  try {
    if (outcome.ok) await complete({ outputs: outcome.outputs });
    else await fail({ error: outcome.error });
    deps.log.info({ step, executionId, completed: outcome.ok ? 'success' : 'error' }, 'workflow step completed');
  } catch (error) {
    const e = error as { data?: { error?: string }; message?: string };
    deps.log.warn({ step, executionId, slackError: e.data?.error, error: e.message }, 'Slack refused the workflow step completion');
  }
}
