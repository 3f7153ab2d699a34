/**
 * The sandbox's own HTTP server: the page's static files, its JSON API, and Server-Sent Events that tell open pages
 * when the emulated workspace changed. Listens on loopback only.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PageApi, ApiAnswer } from './pageApi.js';

const PAGE_DIR = fileURLToPath(new URL('./page/', import.meta.url));

/** The only files served, so no path from a request ever reaches the file system. */
const STATIC_FILES: Readonly<Record<string, { file: string; type: string }>> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/blockkit.js': { file: 'blockkit.js', type: 'text/javascript; charset=utf-8' },
  '/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
  '/favicon.svg': { file: 'favicon.svg', type: 'image/svg+xml' },
};

const SECURITY_HEADERS = {
  'Content-Security-Policy':
    "default-src 'self'; img-src 'self' data: http: https:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

const MAX_BODY_BYTES = 256 * 1024;
const HEARTBEAT_MS = 15_000;
/** Host names the page may be reached by; anything else is refused (a guard against DNS rebinding). */
const LOOPBACK_HOST = /^(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/i;

export interface PageServer {
  readonly port: number;
  /** connects the JSON API; until then its routes answer 503 (the page's port is taken before keywarden starts) */
  attach(api: PageApi): void;
  /** sends one Server-Sent Event to every open page */
  announce(change: Record<string, unknown>): void;
  close(): Promise<void>;
}

export interface PageServerOptions {
  /** the JSON API; absent until `attach` when the port has to be known before the API can be built */
  readonly api?: PageApi;
  readonly host: string;
  /** 0 for any free port */
  readonly port: number;
  /** how many successive ports to try when `port` is taken (1: only `port`) */
  readonly portAttempts: number;
}

function sendJson(res: ServerResponse, answer: ApiAnswer): void {
  const text = JSON.stringify(answer.body);
  res.writeHead(answer.status, { ...SECURITY_HEADERS, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

type JsonBody = { readonly ok: true; readonly body: Record<string, unknown> } | { readonly ok: false; readonly answer: ApiAnswer };

async function readJsonBody(req: IncomingMessage): Promise<JsonBody> {
  const refuse = (status: number, error: string): JsonBody => ({ ok: false, answer: { status, body: { ok: false, error } } });
  // A cross-site form can only send text/plain or form encodings; requiring JSON keeps other sites' pages out.
  if (!(req.headers['content-type'] ?? '').toLowerCase().startsWith('application/json')) return refuse(415, 'send application/json');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return refuse(413, 'request too large');
    chunks.push(chunk);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  } catch {
    return refuse(400, 'invalid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return refuse(400, 'send a JSON object');
  return { ok: true, body: parsed as Record<string, unknown> };
}

export async function startPageServer(opts: PageServerOptions): Promise<PageServer> {
  let api: PageApi | null = opts.api ?? null;
  const starting: ApiAnswer = { status: 503, body: { ok: false, error: 'The sandbox is still starting; try again in a moment.' } };
  const streams = new Set<ServerResponse>();
  const posts: Readonly<Record<string, (api: PageApi, body: Record<string, unknown>) => ApiAnswer | Promise<ApiAnswer>>> = {
    '/api/command': (a, b) => a.command(b),
    '/api/message': (a, b) => a.message(b),
    '/api/click': (a, b) => a.click(b),
    '/api/submit': (a, b) => a.submit(b),
    '/api/options': (a, b) => a.options(b),
    '/api/close': (a, b) => a.closeModal(b),
    '/api/dismiss': (a, b) => a.dismissEphemeral(b),
    '/api/home': (a, b) => a.homeOpened(b),
    '/api/spend': (a, b) => a.spend(b),
    '/api/poll': (a) => a.poll(),
  };

  const openStream = (req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'text/event-stream; charset=utf-8', Connection: 'keep-alive' });
    res.write('retry: 1000\n\n');
    streams.add(res);
    const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), HEARTBEAT_MS);
    req.on('close', () => {
      clearInterval(heartbeat);
      streams.delete(res);
    });
  };

  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!LOOPBACK_HOST.test(req.headers.host ?? '')) return sendJson(res, { status: 421, body: { ok: false, error: 'the sandbox answers on localhost only' } });
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'GET') {
      const file = STATIC_FILES[url.pathname];
      if (file) {
        const content = await readFile(join(PAGE_DIR, file.file));
        res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': file.type, 'Content-Length': content.length });
        res.end(content);
        return;
      }
      if (url.pathname === '/api/state') return sendJson(res, api ? api.state(url.searchParams) : starting);
      if (url.pathname === '/api/projects') return sendJson(res, api ? await api.projects() : starting);
      if (url.pathname === '/api/events') return openStream(req, res);
    }
    const route = posts[url.pathname];
    if (req.method === 'POST' && route) {
      const read = await readJsonBody(req);
      if (!read.ok) return sendJson(res, read.answer);
      return sendJson(res, api ? await route(api, read.body) : starting);
    }
    sendJson(res, { status: 404, body: { ok: false, error: 'not found' } });
  };

  const server = createServer((req, res) => {
    serve(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, { status: 500, body: { ok: false, error: `the sandbox failed: ${(error as Error).message}` } });
      else res.destroy();
    });
  });
  const port = await listenOnFirstFreePort(server, opts.host, opts.port, opts.portAttempts);

  return {
    port,
    attach(attached) {
      api = attached;
    },
    announce(change) {
      const data = `data: ${JSON.stringify(change)}\n\n`;
      for (const stream of streams) stream.write(data);
    },
    async close() {
      for (const stream of streams) stream.end();
      streams.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

async function listenOnFirstFreePort(server: Server, host: string, port: number, attempts: number): Promise<number> {
  for (let i = 0; ; i++) {
    const candidate = port === 0 ? 0 : port + i;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(candidate, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      return (server.address() as AddressInfo).port;
    } catch (error) {
      const taken = (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
      if (!taken || port === 0 || i + 1 >= attempts) throw error;
    }
  }
}
