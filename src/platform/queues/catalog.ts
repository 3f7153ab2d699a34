/**
 * The job catalog, in the style of trigger.dev's tasks: every job is declared once by the feature that owns it, with
 * the zod schema of its payload and its retry policy (`defineJob`), and bound to what runs it (`jobRunner`) where the
 * feature's dependencies exist (the composition root). Producers check a payload against its schema before it is
 * queued (src/platform/queues/queues.ts); workers check it again before running the job (workers.ts), so a payload
 * that does not fit is refused where it is made and, if one is queued anyway (by an older release, by hand), it is a
 * permanent failure, never a crash or a retry loop.
 *
 * Jobs of one queue are told apart by their BullMQ name; jobs that share a name (the slack queue's `post`, as every
 * release so far has queued them) are told apart by their payload's `kind`.
 */
import type { z } from 'zod';
import type { QueueName } from './registry.js';

/** How a failed attempt is judged. */
export interface FailureVerdict {
  /** no further attempt: the job fails now (BullMQ UnrecoverableError) */
  readonly permanent: boolean;
  /** what the job's failure says (its failed reason, logged) */
  readonly message: string;
  /** the next attempt waits at least this long (ms; a Retry-After), when the failure said so */
  readonly retryAfterMs?: number | null;
  /** the failure's kind and HTTP status, for the log */
  readonly kind?: string;
  readonly status?: number | null;
  /** an expected wait (another step holds a lock): retried without a warning in the log */
  readonly quiet?: boolean;
}

/** Exponential backoff: `firstMs` before the second attempt, doubling, never more than `maxMs`. */
export interface Backoff {
  readonly firstMs: number;
  readonly maxMs: number;
}

export interface RetryPolicy {
  /** attempts in all, the first one included */
  readonly attempts: number;
  /** the wait between attempts; a failure's `retryAfterMs` makes it longer (at most an hour), never shorter */
  readonly backoff: Backoff;
  /** which failures are permanent, and what they say; without it, every failure is retried as it is */
  readonly judge?: (error: unknown) => FailureVerdict;
  /** each failed attempt is logged at warn with this message (its verdict's kind and status); none when absent */
  readonly logAs?: string;
}

/** One job: where it is queued, what its payload must be, and how it is retried. */
export interface JobDefinition<
  Q extends QueueName = QueueName,
  N extends string = string,
  K extends string | undefined = string | undefined,
  S extends z.ZodType = z.ZodType,
> {
  readonly queue: Q;
  /** the BullMQ job name */
  readonly name: N;
  /** for jobs that share a name: the payload's `kind` this job is queued with (its schema requires it) */
  readonly kind?: K;
  readonly payload: S;
  readonly retry: RetryPolicy;
}

/** Declares a job (its owner's jobs.ts). Keep queue, name and kind as queued jobs have them, or they are lost. */
export function defineJob<const Q extends QueueName, const N extends string, S extends z.ZodType, const K extends string | undefined = undefined>(
  definition: JobDefinition<Q, N, K, S>,
): JobDefinition<Q, N, K, S> {
  return definition;
}

/** `queue.name`, or `queue.name.kind` for a job told apart by kind. */
type PayloadKey<J extends JobDefinition> = [Exclude<J['kind'], undefined>] extends [never]
  ? `${J['queue']}.${J['name']}`
  : `${J['queue']}.${J['name']}.${Exclude<J['kind'], undefined>}`;

/** The payloads of `D` (a union of definitions) by key, as `JobPayloads` takes them (see registry.ts). */
export type PayloadsOf<D extends JobDefinition> = { [J in D as PayloadKey<J>]: z.input<J['payload']> };

/** The attempt of a job being run. */
export interface JobRun {
  /** the job's id (stable across its attempts) */
  readonly id: string;
  readonly name: string;
  /** 1 for the first attempt */
  readonly attempt: number;
  /** puts the job back for `ms` without spending an attempt (a busy lock, a channel's turn, Slack's Retry-After) */
  later(ms: number): Promise<never>;
}

/** A failed attempt, as a runner's `onFailure` is told of it. */
export interface AttemptFailure {
  readonly error: unknown;
  readonly verdict: FailureVerdict;
  /** no attempt follows: the failure is permanent or this was the last attempt */
  readonly final: boolean;
}

/** What runs a job: `run` with its parsed payload; `onFailure` before a failed attempt is retried or given up. */
export interface JobSteps<P> {
  /** does the job; what it answers is kept as the job's return value */
  run(payload: P, job: JobRun): Promise<string>;
  onFailure?(payload: P, failure: AttemptFailure): Promise<void>;
}

export interface JobRunner<D extends JobDefinition = JobDefinition> extends JobSteps<z.output<D['payload']>> {
  readonly definition: D;
}

/** Binds a job's definition to what runs it. */
export function jobRunner<D extends JobDefinition>(definition: D, steps: JobSteps<z.output<D['payload']>>): JobRunner<D> {
  return { definition, run: steps.run.bind(steps), ...(steps.onFailure ? { onFailure: steps.onFailure.bind(steps) } : {}) };
}

/** A payload checked against its job's schema: the payload as parsed, or what is wrong (each problem in words). */
export type CheckedPayload<E> = { readonly ok: true; readonly entry: E; readonly payload: unknown } | { readonly ok: false; readonly problems: readonly string[] };

export interface JobCatalog<E extends { readonly definition: JobDefinition }> {
  /** the entry that runs a job of `name` on `queue` with `data` (by name, then by the payload's `kind`); null when none */
  find(queue: QueueName, name: string, data: unknown): E | null;
  /** `data` parsed with the job's schema; an unknown job or a payload that does not fit is a problem */
  check(queue: QueueName, name: string, data: unknown): CheckedPayload<E>;
}

/**
 * The catalog of `entries` (definitions, or runners). Errors: two entries for one queue, name and kind (a feature
 * declared a job another already owns) are refused at once.
 */
export function createJobCatalog<E extends { readonly definition: JobDefinition }>(entries: readonly E[]): JobCatalog<E> {
  const byKey = new Map<string, E>();
  const keyOf = (queue: string, name: string, kind?: string) => (kind === undefined ? `${queue}.${name}` : `${queue}.${name}.${kind}`);
  for (const entry of entries) {
    const { queue, name, kind } = entry.definition;
    const key = keyOf(queue, name, kind);
    if (byKey.has(key)) throw new Error(`the job ${key} is declared twice`);
    byKey.set(key, entry);
  }
  const kindOf = (data: unknown): string | undefined => {
    const kind = (data as { kind?: unknown } | null | undefined)?.kind;
    return typeof kind === 'string' ? kind : undefined;
  };
  const find = (queue: QueueName, name: string, data: unknown): E | null => {
    const kind = kindOf(data);
    return byKey.get(keyOf(queue, name)) ?? (kind === undefined ? undefined : byKey.get(keyOf(queue, name, kind))) ?? null;
  };
  return {
    find,
    check(queue, name, data) {
      const entry = find(queue, name, data);
      if (!entry) {
        const kind = kindOf(data);
        return { ok: false, problems: [`no job ${keyOf(queue, name, kind)} is declared`] };
      }
      const parsed = entry.definition.payload.safeParse(data);
      if (!parsed.success) return { ok: false, problems: parsed.error.issues.map((issue) => `${issue.path.join('.') || 'payload'}: ${issue.message}`) };
      return { ok: true, entry, payload: parsed.data };
    },
  };
}

/** A payload refused by its job's schema (or a job no feature declared), where it was to be queued. */
export class JobPayloadRefused extends Error {
  constructor(
    readonly job: string,
    readonly problems: readonly string[],
  ) {
    super(`the payload of ${job} was refused: ${problems.join('; ')}`);
    this.name = 'JobPayloadRefused';
  }
}
