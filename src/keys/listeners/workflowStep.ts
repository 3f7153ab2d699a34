/**
 * The `request_openai_key` Workflow Builder step: opens a key request as `/openai-key request` does (the same
 * validation, approval message, thread and policy) and completes with its id and state; a refusal completes the step
 * with an error in plain words for the workflow's run history. Run once per execution (platform/slack/workflowStep.ts).
 */
import type { App } from '@slack/bolt';
import type { ListenerContext } from '../../platform/slack/context.js';
import { STEP } from '../../platform/slack/ids.js';
import { runStepOnce } from '../../platform/slack/workflowStep.js';
import type { KeyRequest } from '../domain/keyRequest.js';
import { openRequest, type KeyRequestDeps, type OpenRefusal } from '../index.js';
import { renderStateInWords } from '../render/stateWords.js';

export type RequestKeyStepDeps = Pick<KeyRequestDeps, 'keyRequests' | 'audit' | 'projects' | 'queues' | 'clock' | 'settings' | 'approvals'> & ListenerContext;

/** Registers the step (Bolt acknowledges each function_executed itself: autoAcknowledge). */
export function register(app: App, deps: RequestKeyStepDeps): void {
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
}

/** `request_openai_key` outputs: request_id, state (the machine value, for branching) and state_text (in words). */
export function requestKeyOutputs(request: Pick<KeyRequest, 'id' | 'state'>): Record<string, string> {
  return { request_id: request.id, state: request.state, state_text: renderStateInWords(request.state) };
}

/** Why `request_openai_key` opened nothing, in plain words for the workflow's run history. */
export function requestKeyRefusal(refusal: OpenRefusal): string {
  if (refusal.kind === 'invalid') return `The key request was not sent: ${refusal.what}`;
  const [newest] = refusal.existing;
  const which = newest ? ` (${newest.id}, for "${newest.projectName}")` : '';
  return (
    `The key request was not sent: the requester already has a request waiting for an approver${which}. ` +
    'A workflow does not send a second one; wait for that decision, or cancel it with /openai-key cancel and run the workflow again.'
  );
}

/** The required `request_openai_key` inputs that are missing or not text, in words; null when all are there. */
export function missingRequestInputs(inputs: Readonly<Record<string, unknown>>): string | null {
  const missing = (['requester', 'project', 'purpose'] as const).filter((name) => typeof inputs[name] !== 'string' || (inputs[name] as string).trim() === '');
  if (missing.length === 0) return null;
  return `The key request was not sent: the step needs ${missing.join(', ')} (set ${missing.length === 1 ? 'it' : 'them'} in the step's settings in Workflow Builder).`;
}
