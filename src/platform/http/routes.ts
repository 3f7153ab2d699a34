/**
 * The operational routes, for createHttpServer: liveness, readiness, Prometheus metrics and the queue dashboard.
 */
import type { Queue } from 'bullmq';
import type { AdminCredentials } from '../config/opsConfig.js';
import type { KeywardenMetrics } from '../ops/metrics.js';
import type { Readiness } from '../ops/readiness.js';
import { createQueueDashboard, QUEUE_DASHBOARD_PATH } from './queueDashboard.js';
import { sendJson, type Routes } from './server.js';

export interface OpsRoutesOptions {
  readonly metrics: Pick<KeywardenMetrics, 'render' | 'contentType'>;
  readonly readiness: Pick<Readiness, 'check'>;
  /** the queues the dashboard shows */
  readonly queues: Readonly<Record<string, Queue>>;
  /** null: no dashboard, so /admin/queues answers 404 */
  readonly admin: AdminCredentials | null;
}

const NO_STORE = { 'cache-control': 'no-store' } as const;

export function opsRoutes(opts: OpsRoutesOptions): Routes {
  const routes: Record<string, Routes[string]> = {
    // Liveness: answers while the event loop runs; it checks nothing else, so a Redis outage never restarts us.
    'GET /healthz': (_req, res) => sendJson(res, 200, { ok: true }, NO_STORE),
    'GET /readyz': async (_req, res) => {
      const report = await opts.readiness.check();
      sendJson(res, report.ready ? 200 : 503, report, NO_STORE);
    },
    'GET /metrics': async (_req, res) => {
      const text = await opts.metrics.render();
      res.writeHead(200, { 'content-type': opts.metrics.contentType, ...NO_STORE }).end(text);
    },
  };
  if (opts.admin) routes[`* ${QUEUE_DASHBOARD_PATH}/*`] = createQueueDashboard({ queues: opts.queues, admin: opts.admin });
  return routes;
}
