/** keywarden's HTTP server: Slack's requests at POST /slack/events, plus the operational routes. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Route = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/**
 * Routes by key:
 * - `GET /healthz`: that method on exactly that path (a HEAD request is answered by the GET route);
 * - `* /path`: any method on exactly that path;
 * - `* /admin/queues/*` (or `GET /x/*`): that path and everything under it, e.g. /admin/queues/api/queues.
 *   The longest matching prefix wins.
 */
export type Routes = Readonly<Record<string, Route>>;

export interface HttpServer {
  readonly server: Server;
  listen(port: number, host?: string): Promise<number>;
  close(): Promise<void>;
}

interface PrefixRoute {
  readonly method: string;
  readonly base: string;
  readonly route: Route;
}

export function createHttpServer(routes: Routes, slackListener: Route | null): HttpServer {
  const exact = new Map<string, Route>();
  const prefixes: PrefixRoute[] = [];
  for (const [key, route] of Object.entries(routes)) {
    const { method, path } = parseRouteKey(key);
    if (path.endsWith('/*')) prefixes.push({ method, base: path.slice(0, -2), route });
    else exact.set(`${method} ${path}`, route);
  }
  prefixes.sort((a, b) => b.base.length - a.base.length);

  const findRoute = (method: string, path: string): Route | undefined => {
    const methods = method === 'HEAD' ? ['HEAD', 'GET', '*'] : [method, '*'];
    for (const m of methods) {
      const route = exact.get(`${m} ${path}`);
      if (route) return route;
    }
    return prefixes.find((p) => methods.includes(p.method) && (path === p.base || path.startsWith(`${p.base}/`)))?.route;
  };

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path === '/slack/events' && slackListener) {
      void slackListener(req, res);
      return;
    }
    const route = findRoute(req.method ?? 'GET', path);
    if (!route) {
      sendJson(res, 404, { error: 'not_found' });
      return;
    }
    Promise.resolve()
      .then(() => route(req, res))
      .catch(() => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'internal' }));
      });
  });
  server.keepAliveTimeout = 5_000;
  return {
    server,
    listen: (port, host = '0.0.0.0') =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
      }),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function parseRouteKey(key: string): { method: string; path: string } {
  const match = /^(\*|[A-Z]+) (\/\S*)$/.exec(key);
  if (!match) throw new Error(`route key "${key}" is not "METHOD /path", "* /path" or "METHOD /path/*"`);
  return { method: match[1] as string, path: match[2] as string };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}
