/**
 * Workflow Builder custom steps ("functions") as Slack runs them for an app
 * (https://docs.slack.dev/tools/bolt-js/concepts/custom-steps):
 * - the app declares each step in its manifest (`functions.<callback_id>`: title, description, input_parameters,
 *   output_parameters, each parameter `{ type, title?, description?, is_required? }`);
 * - when a workflow reaches the step, Slack sends a `function_executed` event carrying the inputs, a function
 *   execution id (`Fx…`) and a bot token for that execution (`bot_access_token`,
 *   https://docs.slack.dev/reference/events/function_executed/), which Bolt uses for the execution's Web API calls;
 * - the app ends the step once with `functions.completeSuccess` (outputs that must conform to the declared output
 *   parameters) or `functions.completeError` (a human-readable `error`). Slack's documented errors:
 *   `function_execution_not_found`, `execution_not_in_running_state`, `parameter_validation_failed`.
 *
 * The emulator keeps the definitions and the executions, accepts an execution's token for any Web API method while
 * the execution runs (and for `functions.*` after it ended, so a second completion is answered
 * `execution_not_in_running_state` rather than `invalid_auth`), and validates outputs against the declared types.
 */
import { randomToken, slackId } from './ids.js';
import type { ApiAnswer } from './workspace/apiAnswer.js';

/** One parameter as the event carries it (Slack's array form, with the parameter's name inside). */
export interface SlackFunctionParameter {
  readonly name: string;
  /** `string`, `integer`, `number`, `boolean`, `slack#/types/user_id`, `slack#/types/channel_id`, `slack#/types/date`, … */
  readonly type: string;
  readonly title?: string;
  readonly description?: string;
  readonly is_required?: boolean;
}

export interface SlackFunctionDefinition {
  readonly callback_id: string;
  readonly title: string;
  readonly description?: string;
  readonly input_parameters: readonly SlackFunctionParameter[];
  readonly output_parameters: readonly SlackFunctionParameter[];
}

/** A manifest's `functions` section: callback_id → definition whose parameters are keyed by name. */
export type ManifestFunctions = Readonly<
  Record<
    string,
    {
      readonly title: string;
      readonly description?: string;
      readonly input_parameters?: Readonly<Record<string, Omit<SlackFunctionParameter, 'name'> & { readonly name?: string }>>;
      readonly output_parameters?: Readonly<Record<string, Omit<SlackFunctionParameter, 'name'> & { readonly name?: string }>>;
    }
  >
>;

export type FunctionExecutionState = 'running' | 'completed' | 'failed';

export interface SlackFunctionExecution {
  /** `Fx…`, the `function_execution_id` */
  readonly id: string;
  readonly workflowExecutionId: string;
  readonly callbackId: string;
  /** the function's id (`Fn…`) */
  readonly functionId: string;
  readonly inputs: Readonly<Record<string, unknown>>;
  /** the execution's `bot_access_token` (`xwfp-…`) */
  readonly botToken: string;
  state: FunctionExecutionState;
  /** `functions.completeSuccess` outputs, once completed */
  outputs?: Record<string, unknown>;
  /** `functions.completeError` error text, once failed */
  error?: string;
  readonly startedAt: number;
  endedAt?: number;
  /** every completion call, accepted or refused, in order */
  readonly completions: { readonly method: string; readonly ok: boolean; readonly error?: string; readonly at: number }[];
}

/** The manifest's map form as Slack's array form (the parameter's key is its name). */
export function functionDefinitionsOf(manifest: ManifestFunctions): SlackFunctionDefinition[] {
  const params = (map: ManifestFunctions[string]['input_parameters']): SlackFunctionParameter[] =>
    Object.entries(map ?? {}).map(([name, p]) => ({ ...p, name }));
  return Object.entries(manifest).map(([callbackId, f]) => ({
    callback_id: callbackId,
    title: f.title,
    ...(f.description !== undefined ? { description: f.description } : {}),
    input_parameters: params(f.input_parameters),
    output_parameters: params(f.output_parameters),
  }));
}

const USER_ID = /^[UW][A-Z0-9]{2,}$/;
const CHANNEL_ID = /^[CGD][A-Z0-9]{2,}$/;
const USERGROUP_ID = /^S[A-Z0-9]{2,}$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function isCalendarDate(value: string): boolean {
  const m = DATE.exec(value);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

/**
 * What is wrong with `value` for a parameter of `type` (null when it conforms). Types Slack documents at
 * https://tools.slack.dev/deno-slack-sdk/reference/slack-types; types the emulator does not model pass.
 */
export function parameterProblem(type: string, value: unknown): string | null {
  switch (type) {
    case 'string':
      return typeof value === 'string' ? null : 'expected a string';
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value) ? null : 'expected an integer';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? null : 'expected a number';
    case 'boolean':
      return typeof value === 'boolean' ? null : 'expected a boolean';
    case 'slack#/types/user_id':
      return typeof value === 'string' && USER_ID.test(value) ? null : 'expected a user id like U0123ABCD';
    case 'slack#/types/channel_id':
      return typeof value === 'string' && CHANNEL_ID.test(value) ? null : 'expected a channel id like C0123ABCD';
    case 'slack#/types/usergroup_id':
      return typeof value === 'string' && USERGROUP_ID.test(value) ? null : 'expected a user group id like S0123ABCD';
    case 'slack#/types/date':
      return typeof value === 'string' && isCalendarDate(value) ? null : 'expected a date as YYYY-MM-DD';
    case 'slack#/types/timestamp':
      return typeof value === 'number' && Number.isInteger(value) ? null : 'expected Unix seconds (an integer)';
    default:
      return null;
  }
}

/** Problems of `values` against `parameters`: missing required ones, undeclared ones, wrong types. */
export function parametersProblems(parameters: readonly SlackFunctionParameter[], values: Readonly<Record<string, unknown>>): string[] {
  const problems: string[] = [];
  const declared = new Map(parameters.map((p) => [p.name, p]));
  for (const p of parameters) {
    const value = values[p.name];
    if (value === undefined || value === null) {
      if (p.is_required) problems.push(`${p.name}: required`);
      continue;
    }
    const problem = parameterProblem(p.type, value);
    if (problem) problems.push(`${p.name}: ${problem} (${p.type}), got ${JSON.stringify(value)}`);
  }
  for (const name of Object.keys(values)) if (!declared.has(name)) problems.push(`${name}: not a declared parameter`);
  return problems;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The app's custom steps and their executions, in the emulated workspace. */
export class SlackFunctions {
  private readonly definitions = new Map<string, SlackFunctionDefinition & { id: string; createdAt: number }>();
  private readonly executions = new Map<string, SlackFunctionExecution>();
  private readonly byToken = new Map<string, string>();

  constructor(
    private readonly appId: string,
    private readonly now: () => number,
  ) {}

  /** Declares (or redeclares) steps, as installing a manifest with a `functions` section does. */
  define(definitions: readonly SlackFunctionDefinition[]): void {
    for (const d of definitions) {
      const existing = this.definitions.get(d.callback_id);
      this.definitions.set(d.callback_id, { ...structuredClone(d), id: existing?.id ?? slackId('Fn'), createdAt: existing?.createdAt ?? this.now() });
    }
  }

  definition(callbackId: string): SlackFunctionDefinition | undefined {
    const d = this.definitions.get(callbackId);
    if (!d) return undefined;
    const { id: _id, createdAt: _c, ...rest } = d;
    return structuredClone(rest);
  }

  /**
   * A workflow reaching the step: a new execution with its own id and token. Throws when the step is not declared or
   * the inputs do not conform (Workflow Builder would not let such a workflow run).
   */
  start(callbackId: string, inputs: Readonly<Record<string, unknown>>): { execution: SlackFunctionExecution; event: Record<string, unknown> } {
    const d = this.definitions.get(callbackId);
    if (!d) throw new Error(`Slack emulator: no function ${callbackId} is declared; define it first (emulator.functions.define)`);
    const problems = parametersProblems(d.input_parameters, inputs);
    if (problems.length > 0) throw new Error(`Slack emulator: inputs of ${callbackId} do not conform: ${problems.join('; ')}`);
    const at = this.now();
    const execution: SlackFunctionExecution = {
      id: slackId('Fx'),
      workflowExecutionId: slackId('Wx'),
      callbackId,
      functionId: d.id,
      inputs: structuredClone(inputs),
      botToken: `xwfp-${randomToken(12)}-${randomToken(24)}`,
      state: 'running',
      startedAt: at,
      completions: [],
    };
    this.executions.set(execution.id, execution);
    this.byToken.set(execution.botToken, execution.id);
    const seconds = Math.floor(d.createdAt / 1000);
    const event = {
      type: 'function_executed',
      function: {
        id: d.id,
        callback_id: d.callback_id,
        title: d.title,
        description: d.description ?? '',
        type: 'app',
        input_parameters: structuredClone(d.input_parameters),
        output_parameters: structuredClone(d.output_parameters),
        app_id: this.appId,
        date_created: seconds,
        date_updated: seconds,
        date_deleted: 0,
      },
      inputs: structuredClone(inputs),
      function_execution_id: execution.id,
      workflow_execution_id: execution.workflowExecutionId,
      event_ts: (at / 1000).toFixed(6),
      bot_access_token: execution.botToken,
    };
    return { execution: structuredClone(execution), event };
  }

  /**
   * Whether a Web API call may use `token` as an execution's bot token: any method while the execution runs, and
   * `functions.*` after it ended (to be told it is no longer running).
   */
  acceptsToken(token: string, method: string): boolean {
    const id = this.byToken.get(token);
    const execution = id === undefined ? undefined : this.executions.get(id);
    if (!execution) return false;
    return execution.state === 'running' || method.startsWith('functions.');
  }

  execution(id: string): SlackFunctionExecution | undefined {
    const e = this.executions.get(id);
    return e ? structuredClone(e) : undefined;
  }

  /** Every execution, oldest first (copies). */
  list(): SlackFunctionExecution[] {
    return [...this.executions.values()].map((e) => structuredClone(e));
  }

  /** `functions.completeSuccess`: ends a running execution with outputs that conform to its declared outputs. */
  completeSuccess(args: Record<string, unknown>): ApiAnswer {
    const found = this.runningExecution(args.function_execution_id, 'functions.completeSuccess');
    if ('ok' in found) return found;
    let outputs = args.outputs;
    if (typeof outputs === 'string') {
      try {
        outputs = JSON.parse(outputs);
      } catch {
        return this.refuse(found, 'functions.completeSuccess', 'invalid_arguments', { response_metadata: { messages: ['[ERROR] outputs must be a JSON object'] } });
      }
    }
    if (outputs === undefined) outputs = {};
    if (!isRecord(outputs)) {
      return this.refuse(found, 'functions.completeSuccess', 'invalid_arguments', { response_metadata: { messages: ['[ERROR] outputs must be a JSON object'] } });
    }
    const d = this.definitions.get(found.callbackId);
    const problems = parametersProblems(d?.output_parameters ?? [], outputs);
    if (problems.length > 0) {
      return this.refuse(found, 'functions.completeSuccess', 'parameter_validation_failed', {
        response_metadata: { messages: problems.map((p) => `[ERROR] ${p}`) },
      });
    }
    found.state = 'completed';
    found.outputs = structuredClone(outputs);
    found.endedAt = this.now();
    found.completions.push({ method: 'functions.completeSuccess', ok: true, at: found.endedAt });
    return { ok: true };
  }

  /** `functions.completeError`: ends a running execution with a human-readable error. */
  completeError(args: Record<string, unknown>): ApiAnswer {
    const found = this.runningExecution(args.function_execution_id, 'functions.completeError');
    if ('ok' in found) return found;
    const error = args.error;
    if (typeof error !== 'string' || error.trim() === '') {
      return this.refuse(found, 'functions.completeError', 'invalid_arguments', { response_metadata: { messages: ['[ERROR] missing required field: error'] } });
    }
    found.state = 'failed';
    found.error = error;
    found.endedAt = this.now();
    found.completions.push({ method: 'functions.completeError', ok: true, at: found.endedAt });
    return { ok: true };
  }

  private runningExecution(id: unknown, method: string): SlackFunctionExecution | ApiAnswer {
    if (typeof id !== 'string' || id === '') {
      return { ok: false, error: 'invalid_arguments', response_metadata: { messages: ['[ERROR] missing required field: function_execution_id'] } };
    }
    const execution = this.executions.get(id);
    if (!execution) return { ok: false, error: 'function_execution_not_found' };
    if (execution.state !== 'running') return this.refuse(execution, method, 'execution_not_in_running_state');
    return execution;
  }

  private refuse(execution: SlackFunctionExecution, method: string, error: string, extra: Record<string, unknown> = {}): ApiAnswer {
    execution.completions.push({ method, ok: false, error, at: this.now() });
    return { ok: false, error, ...extra };
  }
}
