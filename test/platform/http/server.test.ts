import { afterEach, describe, expect, it } from 'vitest';
import { createHttpServer, sendJson, type HttpServer, type Routes } from '../../../src/platform/http/server.js';

let running: HttpServer | null = null;

afterEach(async () => {
  await running?.close();
  running = null;
});

async function serve(routes: Routes, slack: Parameters<typeof createHttpServer>[1] = null): Promise<string> {
  running = createHttpServer(routes, slack);
  const port = await running.listen(0, '127.0.0.1');
  return `http://127.0.0.1:${port}`;
}

const echo =
  (name: string): Routes[string] =>
  (req, res) =>
    sendJson(res, 200, { route: name, method: req.method, url: req.url });

describe('createHttpServer', () => {
  it('answers exact routes by method and path, and 404 for anything else', async () => {
    const base = await serve({ 'GET /healthz': echo('healthz') });
    const hit = await fetch(`${base}/healthz?probe=1`);
    expect(hit.status).toBe(200);
    expect(await hit.json()).toMatchObject({ route: 'healthz', method: 'GET' });

    expect((await fetch(`${base}/healthz`, { method: 'POST' })).status).toBe(404);
    const miss = await fetch(`${base}/healthz/extra`);
    expect(miss.status).toBe(404);
    expect(await miss.json()).toEqual({ error: 'not_found' });
  });

  it('answers HEAD with the GET route, without a body', async () => {
    const base = await serve({ 'GET /healthz': echo('healthz') });
    const res = await fetch(`${base}/healthz`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
  });

  it('sends every method on a prefix and everything under it to a prefix route, longest prefix first', async () => {
    const base = await serve({
      '* /admin/queues/*': echo('queues'),
      '* /admin/queues/api/*': echo('queues-api'),
      'GET /admin': echo('admin'),
    });
    const routeOf = async (path: string, method = 'GET') => {
      const res = await fetch(`${base}${path}`, { method });
      return res.status === 200 ? ((await res.json()) as { route: string; url: string }) : res.status;
    };
    expect(await routeOf('/admin/queues')).toMatchObject({ route: 'queues', url: '/admin/queues' });
    expect(await routeOf('/admin/queues/queue/keys?status=failed')).toMatchObject({ route: 'queues', url: '/admin/queues/queue/keys?status=failed' });
    expect(await routeOf('/admin/queues/api/queues', 'PUT')).toMatchObject({ route: 'queues-api' });
    expect(await routeOf('/admin')).toMatchObject({ route: 'admin' });
    // a prefix matches whole path segments only
    expect(await routeOf('/admin/queuesX')).toBe(404);
  });

  it('sends /slack/events to the Slack listener when there is one', async () => {
    const base = await serve({}, (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('slack');
    });
    const res = await fetch(`${base}/slack/events`, { method: 'POST', body: '{}' });
    expect(await res.text()).toBe('slack');
  });

  it('answers 404 at /slack/events without a Slack listener (Socket Mode)', async () => {
    const base = await serve({});
    expect((await fetch(`${base}/slack/events`, { method: 'POST', body: '{}' })).status).toBe(404);
  });

  it('answers 500 when a route throws or rejects, and keeps serving', async () => {
    const base = await serve({
      'GET /throws': () => {
        throw new Error('boom');
      },
      'GET /rejects': async () => {
        throw new Error('boom');
      },
      'GET /healthz': echo('healthz'),
    });
    for (const path of ['/throws', '/rejects']) {
      const res = await fetch(`${base}${path}`);
      expect(res.status).toBe(500);
      expect(await res.json()).toEqual({ error: 'internal' });
    }
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('refuses a route key it cannot read', () => {
    expect(() => createHttpServer({ 'healthz': echo('x') }, null)).toThrow(/METHOD \/path/);
  });
});
