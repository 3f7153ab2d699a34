/**
 * keywarden's Workflow Builder steps (custom functions, declared in manifest.yml under `functions`). Slack sends a
 * `function_executed` event when a workflow reaches a step; Bolt acknowledges it and hands the listener the inputs
 * and `complete` / `fail`, which call `functions.completeSuccess` / `functions.completeError` with the execution's
 * own bot token (the event's `bot_access_token`). https://docs.slack.dev/tools/bolt-js/concepts/custom-steps
 *
 * - `request_openai_key`: opens a key request as `/openai-key request` does (the same validation, approval message,
 *   thread and policy) and completes with its id and state.
 * - `get_project_spend`: the project's month so far as the last spend poll saved it (never OpenAI on each run).
 *
 * Each execution runs once: Slack may deliver `function_executed` again (a retry, or under a new event id), so the
 * function execution id is claimed in Redis (24 h) before anything is done; a delivery that finds it claimed does
 * nothing. Every failure completes the step with an error in plain words, never a stack trace or silence.
 */
import type { AllMiddlewareArgs, App, SlackEventMiddlewareArgs } from '@slack/bolt';
import { openRequest } from '../../keys/index.js';
import { readProjectSpendReport } from '../../spend/projectSpendReport.js';
import { describeListenerFailure, type SlackListenerDeps } from '../../platform/slack/context.js';
import {
  STEP,
  missingRequestInputs,
  projectInput,
  projectSpendOutputs,
  projectSpendRefusal,
  requestKeyOutputs,
  requestKeyRefusal,
} from './outputs.js';

export { STEP } from './outputs.js';

type StepArgs = SlackEventMiddlewareArgs<'function_executed'> & AllMiddlewareArgs;
type StepOutcome = { readonly ok: true; readonly outputs: Record<string, unknown> } | { readonly ok: false; readonly error: string };

/** How long an execution id stays claimed: far longer than Slack redelivers an event. */
const EXECUTION_CLAIM_S = 86_400;

/** Registers both steps on the Bolt app (Bolt acknowledges each function_executed itself: autoAcknowledge). */
export function register(app: App, deps: SlackListenerDeps): void {
  app.function(STEP.requestKey, (args) =>
    runStepOnce(deps, args, 'The key request was not sent', async (inputs) => {
      const missing = missingRequestInputs(inputs);
      if (missing !== null) return { ok: false, error: missing };
      const lifetime = inputs.lifetime_days;
      const opened = await openRequest(deps, {
        requesterId: String(inputs.requester),
        project: String(inputs.project),
        purpose: String(inputs.purpose),
        lifetimeDays: typeof lifetime === 'number' || typeof lifetime === 'string' ? lifetime : null,
      });
      return opened.ok ? { ok: true, outputs: requestKeyOutputs(opened.value) } : { ok: false, error: requestKeyRefusal(opened.error) };
    }),
  );

  app.function(STEP.projectSpend, (args) =>
    runStepOnce(deps, args, 'No spend figures', async (inputs) => {
      const project = projectInput(inputs);
      if (!project.ok) return { ok: false, error: project.error };
      const report = await readProjectSpendReport(deps, project.value);
      return report.ok ? { ok: true, outputs: projectSpendOutputs(report.value) } : { ok: false, error: projectSpendRefusal(report.error) };
    }),
  );
}

/**
 * Claims the execution, runs the step and completes it: `complete(outputs)` or `fail(error)`. A thrown error (the
 * store down, OpenAI unreachable while resolving a project) is completed as `<failurePrefix>: <plain words>`.
 */
async function runStepOnce(
  deps: SlackListenerDeps,
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
