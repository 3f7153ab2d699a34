/**
 * Slack's Socket Mode, emulated on the emulator's own loopback port, as https://api.slack.com/apis/socket-mode and
 * https://api.slack.com/apis/connections/socket-implement describe it and as @slack/socket-mode 3 speaks it:
 *
 * - `apps.connections.open`, called with the app-level token (`xapp-…`; anything else answers `invalid_auth`,
 *   a bot token `not_allowed_token_type`), returns `ws://127.0.0.1:<port>/link/?ticket=<one-time>&app_id=<app>`.
 * - On connecting, the server sends `hello` with `num_connections`, `debug_info` and `connection_info.app_id`.
 * - Slash commands, interactivity and events arrive as envelopes (`slash_commands`, `interactive`, `events_api`)
 *   carrying `envelope_id`, `payload`, `accepts_response_payload`, `retry_attempt` and `retry_reason`.
 * - The app acknowledges an envelope by sending `{ envelope_id, payload? }`; the payload is the answer where one is
 *   accepted (a command's reply, a view_submission's `response_action`, options).
 * - An envelope not acknowledged within `ackTimeoutMs` (3 s, Slack's limit) is sent again with `retry_attempt`
 *   one higher and `retry_reason: 'timeout'`, at most `maxRetries` times.
 * - The server may send `disconnect` (`warning`, `refresh_requested`, `link_disabled`); the app then reconnects
 *   through a fresh `apps.connections.open`.
 *
 * One simplification: an envelope sent while the app has no open connection waits for one (up to the attempt's
 * ack timeout, then it counts as a missed attempt), so a reconnect within the retry budget loses nothing.
 * Everything sent and received is recorded for tests to assert on.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { randomToken } from './ids.js';

/** Slack's envelope types (the `type` of a Socket Mode message that must be acknowledged). */
export type SocketModeEnvelopeType = 'slash_commands' | 'interactive' | 'events_api';

/** Why Slack asks the app to reconnect (https://api.slack.com/apis/connections/socket-implement#disconnect). */
export type SocketModeDisconnectReason = 'warning' | 'refresh_requested' | 'link_disabled';

export interface SocketModeOptions {
  /** The app-level token apps.connections.open accepts. Default 'xapp-1-emulator'. */
  appToken?: string;
  /** How long the server waits for an ack before sending the envelope again. Default 3000 (Slack's 3 s). */
  ackTimeoutMs?: number;
  /** Redeliveries after the first attempt. Default 3. */
  maxRetries?: number;
  /** How long a ticket from apps.connections.open may wait before it is used. Default 30000. */
  ticketTtlMs?: number;
  /** Interval of the server's WebSocket pings (Slack pings its clients). Default 10000; 0 turns pings off. */
  pingIntervalMs?: number;
}

/** One envelope as sent over a connection (each redelivery is its own entry, with the same envelope_id). */
export interface SocketModeEnvelopeRecord {
  envelopeId: string;
  type: SocketModeEnvelopeType;
  payload: unknown;
  acceptsResponsePayload: boolean;
  retryAttempt: number;
  retryReason: string;
  connectionId: string;
  /** Date.now() when it was written to the socket */
  at: number;
}

/** One acknowledgement the app sent. */
export interface SocketModeAckRecord {
  envelopeId: string;
  /** the ack's payload; absent when the app sent none */
  payload?: unknown;
  connectionId: string;
  at: number;
  /** true when the emulator dropped it on purpose (loseNextAcks), as if it never arrived */
  lost: boolean;
  /** true when the envelope had already been acknowledged or given up on */
  late: boolean;
}

export interface SocketModeConnectionRecord {
  id: string;
  openedAt: number;
  closedAt?: number;
  /** the `disconnect` messages sent to it */
  disconnects: SocketModeDisconnectReason[];
}

/** The outcome of delivering one envelope: the first ack of any attempt, or none after the last attempt. */
export interface SocketModeDelivery {
  envelopeId: string;
  acked: boolean;
  /** the ack's payload; undefined when there was no ack or the ack carried none */
  payload?: unknown;
  /** attempts made, the first included */
  attempts: number;
  /** ms from the first attempt being sent (or queued) to the ack, or to giving up */
  ms: number;
}

export interface SocketModeDeliverOptions {
  /** Default: true for slash_commands, view_submission and block_suggestion; false otherwise (as Slack sets it). */
  acceptsResponsePayload?: boolean;
  /** the first attempt's retry_attempt (default 0), e.g. to replay a delivery as Slack's nth retry */
  retryAttempt?: number;
  /** the first attempt's retry_reason (default '' on attempt 0, 'timeout' after) */
  retryReason?: string;
}

interface PendingDelivery {
  readonly envelopeId: string;
  settle(ack: { payload?: unknown } | null): void;
  done: boolean;
}

const HOST_NAME = 'applink-emulator';
const BUILD_NUMBER = 1;
const APPROXIMATE_CONNECTION_TIME_S = 18_060;
const CONNECTION_WAIT_POLL_MS = 10;

/** The Socket Mode side of the Slack emulator; one per emulator, reachable as `emulator.socketMode`. */
export class SocketModeServer {
  readonly appToken: string;
  private readonly ackTimeoutMs: number;
  private readonly maxRetries: number;
  private readonly ticketTtlMs: number;
  private readonly pingIntervalMs: number;
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly tickets = new Map<string, number>();
  private readonly sockets = new Map<string, WebSocket>();
  private readonly connectionLog: SocketModeConnectionRecord[] = [];
  private readonly envelopeLog: SocketModeEnvelopeRecord[] = [];
  private readonly ackLog: SocketModeAckRecord[] = [];
  private readonly pending = new Map<string, PendingDelivery>();
  private acksToLose = 0;
  private nextSocket = 0;
  private closed = false;

  constructor(
    private readonly appId: string,
    private readonly wsBaseUrl: () => string,
    options: SocketModeOptions = {},
  ) {
    this.appToken = options.appToken ?? 'xapp-1-emulator';
    this.ackTimeoutMs = options.ackTimeoutMs ?? 3_000;
    this.maxRetries = options.maxRetries ?? 3;
    this.ticketTtlMs = options.ticketTtlMs ?? 30_000;
    this.pingIntervalMs = options.pingIntervalMs ?? 10_000;
  }

  /**
   * apps.connections.open: a one-time WebSocket URL for a request carrying `token`.
   * Errors are Slack's: `not_authed` (no token), `not_allowed_token_type` (a bot or user token), `invalid_auth`.
   */
  openConnection(token: string | undefined): { ok: true; url: string } | { ok: false; error: string } {
    if (token === undefined) return { ok: false, error: 'not_authed' };
    if (token !== this.appToken) return { ok: false, error: /^xox[bpa]-/.test(token) ? 'not_allowed_token_type' : 'invalid_auth' };
    const ticket = randomToken(16);
    this.tickets.set(ticket, Date.now() + this.ticketTtlMs);
    return { ok: true, url: `${this.wsBaseUrl()}/link/?ticket=${ticket}&app_id=${this.appId}` };
  }

  /** For the HTTP server's 'upgrade' event: accepts /link/?ticket=… once per ticket, refuses anything else. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const ticket = url.searchParams.get('ticket') ?? '';
    const expires = this.tickets.get(ticket);
    this.tickets.delete(ticket);
    if (this.closed || url.pathname !== '/link/' || expires === undefined || expires < Date.now()) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
  }

  /** Connections ever opened, in order. */
  connections(): SocketModeConnectionRecord[] {
    return this.connectionLog.map((c) => ({ ...c, disconnects: [...c.disconnects] }));
  }

  /** How many connections are open now. */
  openConnectionCount(): number {
    return [...this.sockets.values()].filter((ws) => ws.readyState === ws.OPEN).length;
  }

  /** Every envelope sent, redeliveries included, in order. */
  envelopes(): SocketModeEnvelopeRecord[] {
    return [...this.envelopeLog];
  }

  /** Every acknowledgement received, in order. */
  acks(): SocketModeAckRecord[] {
    return [...this.ackLog];
  }

  /** Drops the next `count` acks as if they were lost on the way, so their envelopes are redelivered. */
  loseNextAcks(count = 1): void {
    this.acksToLose += count;
  }

  /** Resolves once at least `count` connections are open; rejects after timeoutMs. */
  async waitForConnections(count = 1, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.openConnectionCount() < count) {
      if (Date.now() > deadline) throw new Error(`Socket Mode emulator: ${count} connection(s) did not open within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, CONNECTION_WAIT_POLL_MS));
    }
  }

  /**
   * Sends `{ type: 'disconnect', reason }` to one connection (default: every open one). Slack closes a link it
   * disabled; for the other reasons the app is expected to close it and reconnect. Returns how many were told.
   */
  disconnect(reason: SocketModeDisconnectReason, options: { connectionId?: string } = {}): number {
    let told = 0;
    for (const [id, ws] of this.sockets) {
      if (options.connectionId !== undefined && options.connectionId !== id) continue;
      if (ws.readyState !== ws.OPEN) continue;
      ws.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: HOST_NAME } }));
      this.connectionLog.find((c) => c.id === id)?.disconnects.push(reason);
      if (reason === 'link_disabled') ws.close(1000, 'link_disabled');
      told += 1;
    }
    return told;
  }

  /**
   * Sends one envelope and waits for its acknowledgement, redelivering it after each missed ack as Slack does.
   * Resolves (never rejects) with the first ack's payload, or `acked: false` after the last attempt.
   */
  deliver(type: SocketModeEnvelopeType, payload: unknown, options: SocketModeDeliverOptions = {}): Promise<SocketModeDelivery> {
    const envelopeId = randomUUID();
    const accepts = options.acceptsResponsePayload ?? acceptsResponsePayload(type, payload);
    const firstAttempt = options.retryAttempt ?? 0;
    const started = performance.now();
    return new Promise<SocketModeDelivery>((resolve) => {
      let attempt = firstAttempt;
      let timer: NodeJS.Timeout | undefined;
      const entry: PendingDelivery = {
        envelopeId,
        done: false,
        settle: (ack) => {
          if (entry.done) return;
          entry.done = true;
          if (timer) clearTimeout(timer);
          this.pending.delete(envelopeId);
          const ms = performance.now() - started;
          const attempts = attempt - firstAttempt + 1;
          resolve(ack ? { envelopeId, acked: true, ...(ack.payload !== undefined ? { payload: ack.payload } : {}), attempts, ms } : { envelopeId, acked: false, attempts, ms });
        },
      };
      this.pending.set(envelopeId, entry);
      const send = async () => {
        const attemptStarted = Date.now();
        const reason = attempt === firstAttempt ? (options.retryReason ?? (attempt === 0 ? '' : 'timeout')) : 'timeout';
        // wait for a connection within this attempt's window
        let socket = this.pickSocket();
        while (!socket && !entry.done && !this.closed && Date.now() - attemptStarted < this.ackTimeoutMs) {
          await new Promise((r) => setTimeout(r, CONNECTION_WAIT_POLL_MS));
          socket = this.pickSocket();
        }
        if (entry.done) return;
        if (socket) {
          const [connectionId, ws] = socket;
          ws.send(
            JSON.stringify({
              envelope_id: envelopeId,
              payload,
              type,
              accepts_response_payload: accepts,
              retry_attempt: attempt,
              retry_reason: reason,
            }),
          );
          this.envelopeLog.push({ envelopeId, type, payload, acceptsResponsePayload: accepts, retryAttempt: attempt, retryReason: reason, connectionId, at: Date.now() });
        }
        const left = Math.max(0, this.ackTimeoutMs - (Date.now() - attemptStarted));
        timer = setTimeout(() => {
          if (entry.done) return;
          if (this.closed || attempt - firstAttempt >= this.maxRetries) return entry.settle(null);
          attempt += 1;
          void send();
        }, left);
        timer.unref();
      };
      void send();
    });
  }

  /** Closes every connection and settles every pending delivery as unacknowledged. */
  async close(): Promise<void> {
    this.closed = true;
    for (const entry of this.pending.values()) entry.settle(null);
    for (const ws of this.sockets.values()) ws.terminate();
    this.sockets.clear();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private accept(ws: WebSocket): void {
    const id = `conn-${this.connectionLog.length + 1}`;
    const record: SocketModeConnectionRecord = { id, openedAt: Date.now(), disconnects: [] };
    this.connectionLog.push(record);
    this.sockets.set(id, ws);
    const ping = this.pingIntervalMs > 0 ? setInterval(() => ws.ping(), this.pingIntervalMs) : undefined;
    ping?.unref();
    ws.on('message', (data, isBinary) => {
      if (!isBinary) this.receive(id, data.toString());
    });
    const forget = () => {
      if (ping) clearInterval(ping);
      record.closedAt ??= Date.now();
      this.sockets.delete(id);
    };
    ws.on('close', forget);
    ws.on('error', forget);
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: this.openConnectionCount(),
        debug_info: { host: HOST_NAME, build_number: BUILD_NUMBER, approximate_connection_time: APPROXIMATE_CONNECTION_TIME_S },
        connection_info: { app_id: this.appId },
      }),
    );
  }

  private receive(connectionId: string, text: string): void {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      return; // Slack ignores what it cannot read; the envelope then times out
    }
    if (typeof message !== 'object' || message === null) return;
    const { envelope_id: envelopeId, payload } = message as { envelope_id?: unknown; payload?: unknown };
    if (typeof envelopeId !== 'string') return;
    const entry = this.pending.get(envelopeId);
    const lost = entry !== undefined && this.acksToLose > 0;
    if (lost) this.acksToLose -= 1;
    const hasPayload = payload !== undefined && !(isRecord(payload) && Object.keys(payload).length === 0);
    this.ackLog.push({ envelopeId, ...(hasPayload ? { payload } : {}), connectionId, at: Date.now(), lost, late: entry === undefined });
    if (!entry || lost) return;
    entry.settle(hasPayload ? { payload } : {});
  }

  private pickSocket(): [string, WebSocket] | undefined {
    const open = [...this.sockets].filter(([, ws]) => ws.readyState === ws.OPEN);
    if (open.length === 0) return undefined;
    this.nextSocket = (this.nextSocket + 1) % open.length;
    return open[this.nextSocket];
  }
}

/** Slack accepts a response payload in the ack of slash commands, view submissions and options requests. */
function acceptsResponsePayload(type: SocketModeEnvelopeType, payload: unknown): boolean {
  if (type === 'slash_commands') return true;
  if (type !== 'interactive' || !isRecord(payload)) return false;
  return payload.type === 'view_submission' || payload.type === 'block_suggestion';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
