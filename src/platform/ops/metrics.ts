/**
 * keywarden's Prometheus metrics, in one prom-client Registry per process: Node's default process metrics plus
 * Slack request latency, job outcomes, queue depth (read from Redis on each scrape), alerts and API errors.
 * Every label value comes from a bounded set, so a stray input cannot grow the number of series.
 */
import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import type { Job, JobType, Worker } from 'bullmq';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { OpenAICallObserver } from '../openai/admin.js';
import { SUBCOMMANDS } from '../domain/commandText.js';
import { ACTION, VIEW } from '../slack/ids.js';
import { withDeadline } from './deadline.js';

export type SlackRequestKind = 'command' | 'action' | 'view' | 'event';
export type JobOutcome = 'completed' | 'failed' | 'retried';
export type QueueState = 'waiting' | 'active' | 'delayed' | 'failed';
export type OpenAICallOutcome = Parameters<OpenAICallObserver>[0];

export const QUEUE_STATES: readonly QueueState[] = ['waiting', 'active', 'delayed', 'failed'];

/** The `name` label values each kind of Slack request may carry; anything else is counted as `other`. */
export const SLACK_REQUEST_NAMES: Readonly<Record<SlackRequestKind, readonly string[]>> = {
  command: SUBCOMMANDS,
  action: Object.values(ACTION),
  view: Object.values(VIEW),
  // The bot events the manifest subscribes to; message.channels/.groups/.im all arrive as type "message".
  event: ['app_home_opened', 'message'],
};
export const OTHER_LABEL = 'other';

/** Anything that can count a queue's jobs by state, as BullMQ's Queue does. */
export interface QueueJobCounts {
  getJobCounts(...types: JobType[]): Promise<Record<string, number>>;
}

export interface MetricsOptions {
  /** queues whose depth is read on each scrape, keyed by the `queue` label value */
  readonly queues?: Readonly<Record<string, QueueJobCounts>>;
  /** how long a scrape waits for a queue's counts before it leaves that queue out; 1 s by default */
  readonly queueCountTimeoutMs?: number;
  /** Node process metrics (CPU, memory, event loop, GC); on by default */
  readonly processMetrics?: boolean;
}

export interface KeywardenMetrics {
  readonly registry: Registry;
  observeSlackRequest(kind: SlackRequestKind, name: string, seconds: number): void;
  recordJob(queue: string, outcome: JobOutcome): void;
  recordAlertPosted(kind: string): void;
  /** an OpenAICallObserver: counts the failed calls by HTTP status (`none` when no response came) */
  recordOpenAICall(outcome: OpenAICallOutcome): void;
  /** counts a failed Slack Web API call by HTTP status and Slack error code, read from @slack/web-api's error */
  recordSlackError(error: unknown): void;
  /** the Prometheus text exposition of every metric; queue depths are read from Redis first */
  render(): Promise<string>;
  readonly contentType: string;
}

const SLACK_LATENCY_BUCKETS = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10];

export function createMetrics(opts: MetricsOptions = {}): KeywardenMetrics {
  const registry = new Registry();
  if (opts.processMetrics ?? true) collectDefaultMetrics({ register: registry });

  const slackRequestDuration = new Histogram({
    name: 'keywarden_slack_request_duration_seconds',
    help: 'Time keywarden spent on a Slack request (command, action, view submission or event), by kind and name.',
    labelNames: ['kind', 'name'] as const,
    buckets: SLACK_LATENCY_BUCKETS,
    registers: [registry],
  });
  const jobs = new Counter({
    name: 'keywarden_jobs_total',
    help: 'Jobs finished by a worker in this process, by queue and outcome (retried: failed with attempts left).',
    labelNames: ['queue', 'outcome'] as const,
    registers: [registry],
  });
  const queues = opts.queues ?? {};
  const countTimeoutMs = opts.queueCountTimeoutMs ?? 1_000;
  const inFlight = new Map<string, Promise<Record<string, number>>>();
  const queueDepth: Gauge<'queue' | 'state'> = new Gauge({
    name: 'keywarden_queue_depth',
    help: 'Jobs in each queue by state, read from Redis when scraped; a queue is left out when Redis does not answer in time.',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    async collect() {
      await Promise.all(
        Object.entries(queues).map(async ([name, queue]) => {
          // One count per queue at a time: while Redis is away, scrapes must not pile up commands behind it.
          let counting = inFlight.get(name);
          if (!counting) {
            counting = queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed');
            inFlight.set(name, counting);
            void counting.then(
              () => inFlight.delete(name),
              () => inFlight.delete(name),
            );
          }
          const counts = await withDeadline(counting, countTimeoutMs, `counting ${name}`).catch(() => null);
          for (const state of QUEUE_STATES) {
            if (counts === null) {
              queueDepth.remove({ queue: name, state });
              continue;
            }
            const value = state === 'waiting' ? (counts.waiting ?? 0) + (counts.prioritized ?? 0) : (counts[state] ?? 0);
            queueDepth.set({ queue: name, state }, value);
          }
        }),
      );
    },
  });
  const alertsPosted = new Counter({
    name: 'keywarden_alerts_posted_total',
    help: 'Spend alerts posted to Slack, by kind.',
    labelNames: ['kind'] as const,
    registers: [registry],
  });
  const openaiErrors = new Counter({
    name: 'keywarden_openai_errors_total',
    help: 'Failed OpenAI Admin API calls, by HTTP status (none: no response, e.g. a timeout).',
    labelNames: ['status'] as const,
    registers: [registry],
  });
  const slackErrors = new Counter({
    name: 'keywarden_slack_errors_total',
    help: 'Failed Slack Web API calls, by HTTP status (none: no response) and Slack error code.',
    labelNames: ['status', 'code'] as const,
    registers: [registry],
  });

  return {
    registry,
    contentType: registry.contentType,
    observeSlackRequest(kind, name, seconds) {
      if (!Number.isFinite(seconds) || seconds < 0) return;
      slackRequestDuration.observe({ kind, name: slackRequestName(kind, name) }, seconds);
    },
    recordJob(queue, outcome) {
      jobs.inc({ queue: labelWord(queue), outcome });
    },
    recordAlertPosted(kind) {
      alertsPosted.inc({ kind: labelWord(kind) });
    },
    recordOpenAICall(outcome) {
      if (!outcome.ok) openaiErrors.inc({ status: statusLabel(outcome.status) });
    },
    recordSlackError(error) {
      slackErrors.inc(slackErrorLabels(error));
    },
    render: () => registry.metrics(),
  };
}

/** `name` when it is one keywarden knows for this kind of request, else `other`. */
export function slackRequestName(kind: SlackRequestKind, name: string): string {
  return SLACK_REQUEST_NAMES[kind].includes(name) ? name : OTHER_LABEL;
}

/** The status and code labels for a failed Slack Web API call, from the error @slack/web-api throws. */
export function slackErrorLabels(error: unknown): { status: string; code: string } {
  const e = (typeof error === 'object' && error !== null ? error : {}) as {
    code?: unknown;
    data?: { error?: unknown };
    statusCode?: unknown;
  };
  switch (e.code) {
    // Slack answers platform errors (channel_not_found, not_in_channel, …) with HTTP 200 and ok:false.
    case 'slack_webapi_platform_error':
      return { status: '200', code: labelWord(typeof e.data?.error === 'string' ? e.data.error : '') };
    case 'slack_webapi_rate_limited_error':
      return { status: '429', code: 'ratelimited' };
    case 'slack_webapi_http_error':
      return { status: statusLabel(typeof e.statusCode === 'number' ? e.statusCode : null), code: 'http_error' };
    case 'slack_webapi_request_error':
      return { status: 'none', code: 'request_error' };
    default:
      return { status: 'none', code: OTHER_LABEL };
  }
}

/**
 * Which Slack request a Bolt body is, as the histogram's labels; null for anything else (shortcuts, options, …).
 * Pure: reads only the body Slack sent.
 */
export function classifySlackRequest(body: unknown): { kind: SlackRequestKind; name: string } | null {
  if (typeof body !== 'object' || body === null) return null;
  const b = body as {
    command?: unknown;
    text?: unknown;
    type?: unknown;
    actions?: { action_id?: unknown }[];
    view?: { callback_id?: unknown };
    event?: { type?: unknown };
  };
  if (typeof b.command === 'string') {
    const word = (typeof b.text === 'string' ? b.text : '').trim().split(/\s+/)[0]?.toLowerCase() ?? '';
    const name = word === '' || word === '?' || word === '-h' || word === '--help' ? 'help' : word;
    return { kind: 'command', name: slackRequestName('command', name) };
  }
  if (b.type === 'block_actions') {
    const actionId = Array.isArray(b.actions) ? b.actions[0]?.action_id : undefined;
    return { kind: 'action', name: slackRequestName('action', typeof actionId === 'string' ? actionId : '') };
  }
  if (b.type === 'view_submission' || b.type === 'view_closed') {
    const callbackId = b.view?.callback_id;
    return { kind: 'view', name: slackRequestName('view', typeof callbackId === 'string' ? callbackId : '') };
  }
  if (b.type === 'event_callback') {
    const eventType = b.event?.type;
    return { kind: 'event', name: slackRequestName('event', typeof eventType === 'string' ? eventType : '') };
  }
  return null;
}

/**
 * Bolt global middleware (`app.use(...)`) that times every command, action, view and event from arrival until
 * its listeners have finished, whether they succeed or throw.
 */
export function slackRequestTimer(metrics: Pick<KeywardenMetrics, 'observeSlackRequest'>, now: () => number = () => performance.now()): Middleware<AnyMiddlewareArgs> {
  return async ({ body, next }) => {
    const request = classifySlackRequest(body);
    const started = now();
    try {
      await next();
    } finally {
      if (request) metrics.observeSlackRequest(request.kind, request.name, (now() - started) / 1_000);
    }
  };
}

/**
 * Counts a worker's jobs: `completed`, `retried` (failed with attempts left, so BullMQ runs it again) or `failed`
 * (no attempts left, or an UnrecoverableError). Returns a function that stops counting.
 */
export function attachWorkerMetrics(worker: Worker, metrics: Pick<KeywardenMetrics, 'recordJob'>): () => void {
  const queue = worker.name;
  const onCompleted = () => metrics.recordJob(queue, 'completed');
  const onFailed = (job: Job | undefined, error: Error) => metrics.recordJob(queue, willRetry(job, error) ? 'retried' : 'failed');
  worker.on('completed', onCompleted);
  worker.on('failed', onFailed);
  return () => {
    worker.off('completed', onCompleted);
    worker.off('failed', onFailed);
  };
}

function willRetry(job: Job | undefined, error: Error): boolean {
  if (!job || error.name === 'UnrecoverableError') return false;
  // BullMQ has already counted this attempt in attemptsMade when it emits `failed`.
  return job.attemptsMade < (job.opts.attempts ?? 1);
}

function statusLabel(status: number | null): string {
  return status !== null && Number.isInteger(status) && status >= 100 && status <= 599 ? String(status) : 'none';
}

function labelWord(value: string): string {
  return /^[A-Za-z0-9_.-]{1,64}$/.test(value) ? value : OTHER_LABEL;
}
