/**
 * The emulator's HTTP face: Slack's Web API under /api/, response URLs under /response/, and Socket Mode's
 * WebSocket links under /link/ (see socketMode.ts).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type {
  ResponseUrlPost,
  SlackCall,
  SlackChange,
  SlackChannelSeed,
  SlackEmulator,
  SlackEmulatorOptions,
  SlackEphemeral,
  SlackFault,
  SlackMessage,
  SlackUserSeed,
  SlackUsergroupSeed,
  SlackView,
} from './types.js';
import type { SlackFunctions } from './functions.js';
import { SocketModeServer } from './socketMode.js';
import { ChannelPacing, type PacingReport } from './channelPacing.js';
import { JSON_FIELDS, WEB_API_METHODS } from './web-api.js';
import { SlackWorkspace } from './workspace.js';
import type { ApiAnswer } from './workspace/apiAnswer.js';

const MAX_BODY_BYTES = 5 * 1024 * 1024;
const WAIT_POLL_MS = 10;
const DEFAULT_WAIT_MS = 5_000;
/** inject() under this name targets response_url posts rather than a Web API method. */
export const RESPONSE_URL_FAULT_TARGET = 'response_url';

const workspaceByEmulator = new WeakMap<SlackEmulator, SlackWorkspace>();

/** The workspace behind an emulator, for the driver, which acts as Slack's platform on it. */
export function workspaceOf(emulator: SlackEmulator): SlackWorkspace {
  const workspace = workspaceByEmulator.get(emulator);
  if (!workspace) throw new Error('not an emulator made by startSlackEmulator');
  return workspace;
}

interface PendingFault extends SlackFault {
  remaining: number;
}

class FaultBook {
  private readonly byMethod = new Map<string, PendingFault[]>();

  add(method: string, fault: SlackFault): void {
    const queue = this.byMethod.get(method) ?? [];
    queue.push({ ...fault, remaining: fault.times ?? 1 });
    this.byMethod.set(method, queue);
  }

  take(method: string): SlackFault | undefined {
    const queue = this.byMethod.get(method);
    const fault = queue?.[0];
    if (!queue || !fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) queue.shift();
    return fault;
  }

  clear(): void {
    this.byMethod.clear();
  }
}

/** The answer a fault forces, or undefined when it only delays. */
function faultAnswer(fault: SlackFault): { status: number; answer: ApiAnswer; headers: Record<string, string> } | undefined {
  if ((fault.retryAfterSeconds !== undefined && fault.retryAfterSeconds !== null) || fault.status === 429) {
    return {
      status: 429,
      answer: { ok: false, error: fault.error ?? 'ratelimited' },
      // Slack sometimes answers 429 without Retry-After: `retryAfterSeconds: null` sends none.
      headers: fault.retryAfterSeconds === null ? {} : { 'Retry-After': String(fault.retryAfterSeconds ?? 1) },
    };
  }
  if (fault.status !== undefined && fault.status !== 200) {
    return { status: fault.status, answer: { ok: false, error: fault.error ?? 'internal_error' }, headers: {} };
  }
  if (fault.error !== undefined) return { status: 200, answer: { ok: false, error: fault.error }, headers: {} };
  return undefined;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

type ParsedRequest = { ok: true; args: Record<string, unknown>; token?: string } | { ok: false; error: string };

function parseWebApiRequest(req: IncomingMessage, raw: string, query: URLSearchParams): ParsedRequest {
  const contentType = (req.headers['content-type'] ?? '').toLowerCase();
  const args: Record<string, unknown> = Object.fromEntries(query.entries());
  let formToken: unknown = args.token;
  if (contentType.includes('application/json')) {
    if (raw.trim() !== '') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch {
        return { ok: false, error: 'invalid_json' };
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { ok: false, error: 'invalid_json' };
      // Slack reads the token of a JSON request from its Authorization header only.
      const { token: _ignored, ...fields } = parsed as Record<string, unknown>;
      Object.assign(args, fields);
    }
  } else if (contentType.includes('multipart/form-data')) {
    return { ok: false, error: 'invalid_form_data' };
  } else {
    const form = Object.fromEntries(new URLSearchParams(raw).entries());
    if (form.token !== undefined) formToken = form.token;
    Object.assign(args, form);
  }
  delete args.token;
  for (const field of JSON_FIELDS) {
    const value = args[field];
    if (typeof value !== 'string' || value === '') continue;
    try {
      args[field] = JSON.parse(value);
    } catch {
      // Left as text: the method answers with Slack's error for malformed JSON.
    }
  }
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
  const token = bearer ?? (typeof formToken === 'string' && formToken !== '' ? formToken : undefined);
  return { ok: true, args, ...(token !== undefined ? { token } : {}) };
}

class LoopbackSlackEmulator implements SlackEmulator {
  readonly apiUrl: string;
  readonly botToken: string;
  readonly responseUrlPosts: ResponseUrlPost[] = [];
  private readonly recordedCalls: SlackCall[] = [];
  private readonly faults = new FaultBook();
  readonly socketMode: SocketModeServer;

  constructor(
    private readonly workspace: SlackWorkspace,
    private readonly server: Server,
    readonly baseUrl: string,
    botToken: string,
    socketMode: SocketModeServer,
    private readonly pacing: ChannelPacing | null = null,
  ) {
    this.apiUrl = `${baseUrl}/api/`;
    this.botToken = botToken;
    this.socketMode = socketMode;
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => socketMode.handleUpgrade(req, socket, head));
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      this.serve(req, res).catch((error: unknown) => {
        process.emitWarning(`Slack emulator failed a request: ${error instanceof Error ? error.message : String(error)}`);
        if (!res.headersSent) sendJson(res, 500, { ok: false, error: 'internal_error' });
        else res.destroy();
      });
    });
  }

  get botUserId(): string {
    return this.workspace.botUserId;
  }
  get botId(): string {
    return this.workspace.botId;
  }
  get appToken(): string {
    return this.socketMode.appToken;
  }
  get appId(): string {
    return this.workspace.appId;
  }
  get teamId(): string {
    return this.workspace.teamId;
  }
  get functions(): SlackFunctions {
    return this.workspace.functions;
  }
  pacingReport(): PacingReport | null {
    return this.pacing?.report() ?? null;
  }
  get calls(): SlackCall[] {
    return [...this.recordedCalls];
  }

  callsTo(method: string): SlackCall[] {
    return this.recordedCalls.filter((call) => call.method === method);
  }
  messages(channel: string): SlackMessage[] {
    return this.workspace.topLevelMessages(channel);
  }
  thread(channel: string, ts: string): SlackMessage[] {
    return this.workspace.threadReplies(channel, ts);
  }
  message(channel: string, ts: string): SlackMessage | undefined {
    return this.workspace.message(channel, ts);
  }
  dmChannelOf(userId: string): string {
    return this.workspace.imChannelOf(userId);
  }
  ephemerals(userId: string): SlackEphemeral[] {
    return this.workspace.ephemerals(userId);
  }
  openViews(userId?: string): SlackView[] {
    return this.workspace.views({ ...(userId !== undefined ? { userId } : {}), openOnly: true, type: 'modal' });
  }
  views(userId?: string): SlackView[] {
    return this.workspace.views({ ...(userId !== undefined ? { userId } : {}), openOnly: false });
  }
  view(viewId: string): SlackView | undefined {
    return this.workspace.view(viewId);
  }
  homeView(userId: string): SlackView | undefined {
    return this.workspace.homeView(userId);
  }
  inject(method: string, fault: SlackFault): void {
    this.faults.add(method, fault);
  }
  clearFaults(): void {
    this.faults.clear();
  }
  addUser(user: SlackUserSeed): void {
    this.workspace.addUser(user);
  }
  addUsergroup(usergroup: SlackUsergroupSeed): void {
    this.workspace.addUsergroup(usergroup);
  }
  addChannel(channel: SlackChannelSeed): void {
    this.workspace.addChannel(channel);
  }
  setBotMembership(channelId: string, isMember: boolean): void {
    this.workspace.setBotMembership(channelId, isMember);
  }

  async waitFor<T>(probe: () => T | undefined | null | false, timeoutMs = DEFAULT_WAIT_MS): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = probe();
      if (value) return value;
      if (Date.now() >= deadline) throw new Error(`Slack emulator: waitFor gave up after ${timeoutMs} ms`);
      await sleep(WAIT_POLL_MS);
    }
  }

  onChange(listener: (change: SlackChange) => void): () => void {
    return this.workspace.onChange(listener);
  }

  async close(): Promise<void> {
    await this.socketMode.close();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.baseUrl);
    const apiMethod = /^\/api\/([A-Za-z0-9_.]+)$/.exec(url.pathname)?.[1];
    if (apiMethod && (req.method === 'POST' || req.method === 'GET')) return this.serveWebApi(apiMethod, req, res, url);
    const responseId = /^\/response\/([A-Za-z0-9]+)$/.exec(url.pathname)?.[1];
    if (responseId && req.method === 'POST') return this.serveResponseUrl(responseId, req, res, url);
    sendJson(res, 404, { ok: false, error: 'not_found' });
  }

  private async serveWebApi(method: string, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const at = this.workspace.now();
    const raw = await readBody(req);
    const finish = (args: Record<string, unknown>, status: number, answer: ApiAnswer, headers: Record<string, string> = {}) => {
      this.recordedCalls.push({ method, args, ok: answer.ok, ...(answer.ok ? {} : { error: answer.error }), status, at });
      this.workspace.emit({ kind: 'api.call', method });
      sendJson(res, status, answer, headers);
    };
    if (raw === undefined) return finish({}, 413, { ok: false, error: 'request_too_large' });
    const parsed = parseWebApiRequest(req, raw, url.searchParams);
    if (!parsed.ok) return finish({}, 200, { ok: false, error: parsed.error });
    const { args, token } = parsed;
    if (method === 'apps.connections.open') {
      // Socket Mode: the one method that takes the app-level token (and refuses every other).
      const fault = this.faults.take(method);
      if (fault?.delayMs) await sleep(fault.delayMs);
      const forced = fault && faultAnswer(fault);
      if (forced) return finish(args, forced.status, forced.answer, forced.headers);
      return finish(args, 200, this.socketMode.openConnection(token));
    }
    if (token === undefined) return finish(args, 200, { ok: false, error: 'not_authed' });
    // A custom step's execution token (function_executed's bot_access_token) stands in for the bot token meanwhile.
    if (token !== this.botToken && !this.workspace.functions.acceptsToken(token, method)) return finish(args, 200, { ok: false, error: 'invalid_auth' });
    const fault = this.faults.take(method);
    if (fault?.delayMs) await sleep(fault.delayMs);
    const forced = fault && faultAnswer(fault);
    if (forced) return finish(args, forced.status, forced.answer, forced.headers);
    const handler = WEB_API_METHODS[method];
    if (!handler) return finish(args, 200, { ok: false, error: 'unknown_method' });
    const pacedChannel = this.pacing?.limits(method) && typeof args.channel === 'string' ? this.workspace.resolveChannel(args.channel) : undefined;
    const pacing = pacedChannel ? this.pacing?.admit(method, pacedChannel) : undefined;
    if (pacing && !pacing.ok) return finish(args, 429, { ok: false, error: 'ratelimited' }, { 'Retry-After': String(pacing.retryAfterSeconds) });
    finish(args, 200, handler(this.workspace, args));
  }

  private async serveResponseUrl(id: string, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const at = this.workspace.now();
    const raw = (await readBody(req)) ?? '';
    let body: unknown = raw;
    try {
      body = JSON.parse(raw);
    } catch {
      // Kept as text: Slack answers invalid_payload for a body that is not a JSON object.
    }
    const finish = (status: number, answer: ApiAnswer, headers: Record<string, string> = {}) => {
      this.responseUrlPosts.push({ url: `${this.baseUrl}${url.pathname}`, body, status, at });
      this.workspace.emit({ kind: 'response_url.posted' });
      sendJson(res, status, answer, headers);
    };
    const fault = this.faults.take(RESPONSE_URL_FAULT_TARGET);
    if (fault?.delayMs) await sleep(fault.delayMs);
    const forced = fault && faultAnswer(fault);
    if (forced) return finish(forced.status, forced.answer, forced.headers);
    const { status, answer } = this.workspace.postToResponseUrl(id, body);
    finish(status, answer);
  }
}

export async function startSlackEmulator(options: SlackEmulatorOptions = {}): Promise<SlackEmulator> {
  const host = options.host ?? '127.0.0.1';
  const workspace = new SlackWorkspace({
    teamId: options.teamId ?? 'T0EMULATOR',
    botUserId: options.botUserId ?? 'U0KEYWARDEN',
    botId: 'B0KEYWARDEN',
    appId: 'A0KEYWARDEN',
    now: options.now ?? Date.now,
    users: options.users ?? [],
    usergroups: options.usergroups ?? [],
    channels: options.channels ?? [],
  });
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const baseUrl = `http://${urlHost}:${port}`;
  workspace.baseUrl = baseUrl;
  workspace.functions.define(options.functions ?? []);
  const socketMode = new SocketModeServer(workspace.appId, () => baseUrl.replace(/^http/, 'ws'), options.socketMode ?? {});
  const pacing = options.channelRateLimit ? new ChannelPacing(options.channelRateLimit) : null;
  const emulator = new LoopbackSlackEmulator(workspace, server, baseUrl, options.botToken ?? 'xoxb-emulator', socketMode, pacing);
  workspaceByEmulator.set(emulator, workspace);
  return emulator;
}
