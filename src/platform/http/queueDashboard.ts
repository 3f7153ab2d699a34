/**
 * The Bull Board queue dashboard, behind HTTP basic auth, as one route for every path under its base path.
 * Read-only unless writing is switched on: Bull Board's own `readOnlyMode` on every queue, and, as a second guard,
 * only GET and HEAD pass.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import express from 'express';
import type { AdminCredentials } from '../config/opsConfig.js';
import { sendJson, type Route } from './server.js';

export const QUEUE_DASHBOARD_PATH = '/admin/queues';
const REALM = 'keywarden queues';
const READ_METHODS = new Set(['GET', 'HEAD']);

export interface QueueDashboardOptions {
  readonly queues: Readonly<Record<string, Queue>>;
  readonly admin: AdminCredentials;
  readonly basePath?: string;
}

export function createQueueDashboard(opts: QueueDashboardOptions): Route {
  const basePath = opts.basePath ?? QUEUE_DASHBOARD_PATH;
  const readOnlyMode = !opts.admin.write;
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(basePath);
  createBullBoard({
    queues: Object.values(opts.queues).map((queue) => new BullMQAdapter(queue, { readOnlyMode, allowRetries: !readOnlyMode })),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'keywarden queues' } },
  });
  const app = express();
  app.disable('x-powered-by');
  const board = serverAdapter.getRouter() as express.Express;
  board.disable('x-powered-by');
  app.use(basePath, board);

  const allowed = basicAuthChecker(opts.admin.user, opts.admin.password);
  return (req, res) => {
    if (!allowed(req)) {
      sendJson(res, 401, { error: 'unauthorized' }, { 'www-authenticate': `Basic realm="${REALM}", charset="UTF-8"`, 'cache-control': 'no-store' });
      return;
    }
    if (readOnlyMode && !READ_METHODS.has(req.method ?? 'GET')) {
      sendJson(res, 405, { error: 'read_only', detail: 'the queue dashboard is read-only (KEYWARDEN_ADMIN_WRITE is not true)' }, { allow: 'GET, HEAD' });
      return;
    }
    res.setHeader('cache-control', 'no-store');
    app(req, res);
  };
}

/**
 * Whether a request carries these basic-auth credentials. Both parts are hashed before a constant-time comparison,
 * so neither the time taken nor an early exit tells how much of a guess was right, or how long the secret is.
 */
export function basicAuthChecker(user: string, password: string): (req: IncomingMessage) => boolean {
  const expectedUser = digest(user);
  const expectedPassword = digest(password);
  return (req) => {
    const header = req.headers.authorization ?? '';
    const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
    const decoded = match ? Buffer.from(match[1] as string, 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    const givenUser = colon === -1 ? '' : decoded.slice(0, colon);
    const givenPassword = colon === -1 ? '' : decoded.slice(colon + 1);
    const userMatches = timingSafeEqual(digest(givenUser), expectedUser);
    const passwordMatches = timingSafeEqual(digest(givenPassword), expectedPassword);
    return match !== null && colon !== -1 && userMatches && passwordMatches;
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
