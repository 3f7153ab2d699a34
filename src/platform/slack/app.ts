/**
 * The Bolt app: HTTP mode (requests arrive at POST /slack/events, served by our own HTTP server) or Socket Mode
 * when an app-level token is configured (https://api.slack.com/apis/socket-mode: the app opens a WebSocket to Slack
 * through `apps.connections.open` and acknowledges each envelope over it). The listeners are the caller's: each
 * feature's registration (src/main.ts lists them); this module knows no feature.
 */
import {
  App,
  HTTPReceiver,
  type Authorize,
  LogLevel,
  SocketModeReceiver,
  type AnyMiddlewareArgs,
  type Middleware,
  type Receiver,
  type ReceiverEvent,
} from '@slack/bolt';
import type { Logger } from 'pino';
import { ErrorCode, WebClient, type WebClientOptions } from '@slack/web-api';
import type { Config } from '../config/config.js';
import { createAckFirstGate, type AckFirstGate } from './ackFirst.js';

export type BoltApp = App;

/** Registers one group of listeners (a feature's, or the slash command's) on the Bolt app. */
export type SlackRegistration = (app: BoltApp) => void;

export interface SlackApp {
  readonly app: BoltApp;
  /** HTTP mode: the listener to mount at POST /slack/events; null in Socket Mode */
  readonly requestListener: ((req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void) | null;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The options of every Web API client keywarden builds, the Socket Mode client's `apps.connections.open` included:
 * SLACK_API_URL (a proxy, the emulator, a GovSlack host), a 10 s timeout, and `retries` retries 0.5–2 s apart
 * (with 0, a rate-limited call is rejected at once for the caller's queue to pace).
 */
export function webClientOptions(config: Pick<Config, 'slack'>, retries: number): WebClientOptions {
  return {
    ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}),
    retryConfig: { retries, factor: 2, minTimeout: 500, maxTimeout: 2_000 },
    rejectRateLimitedCalls: retries === 0,
    timeout: 10_000,
  };
}

/**
 * Remembers Socket Mode deliveries, so that an envelope Slack sends again (its ack was missed: lost with a closing
 * connection, or later than 3 s) is acknowledged again with the first answer but handled only once. Keys are the
 * delivery's `event_id` or `trigger_id`, which a redelivered payload repeats. Shared by every web process (Redis).
 */
export interface SocketDeliveryLedger {
  /** true the first time `key` is claimed; false for a redelivery */
  claim(key: string): Promise<boolean>;
  /** keeps the payload the app acknowledged `key` with (`{}` for a bare ack) */
  rememberAck(key: string, payload: Record<string, unknown>): Promise<void>;
  /** the payload remembered for `key`, or null while it has not been acknowledged */
  ackOf(key: string): Promise<Record<string, unknown> | null>;
}

/**
 * Remembers the signatures of the HTTP requests keywarden handled, so a request sent again with its very bytes (a
 * replay by whoever saw the traffic: Slack's signature stays valid for 5 minutes,
 * https://docs.slack.dev/authentication/verifying-requests-from-slack) is acknowledged and handled no more.
 * A signature is an HMAC of the timestamp and the body, so a new request from Slack never repeats one; Slack's own
 * retries of an event are new requests, and are told apart by the event's id as before. Shared by every web process.
 */
export interface SignedRequestLedger {
  /** true the first time `signature` (X-Slack-Signature) is claimed; false when it was handled before */
  claim(signature: string): Promise<boolean>;
}

/** Start-up stopped by a setting Slack refused; main prints it as a configuration problem and exits 2. */
export class SlackSettingRefused extends Error {
  constructor(
    readonly variable: string,
    readonly problem: string,
  ) {
    super(`${variable}: ${problem}`);
    this.name = 'SlackSettingRefused';
  }
}

/** How long a redelivery waits for the first delivery's ack to replay it (the redelivery itself has 3 s). */
const REPLAY_WAIT_MS = 2_000;
const REPLAY_POLL_MS = 25;
/** apps.connections.open errors that mean the app-level token itself is wrong (Slack's documented auth errors) */
const REFUSED_TOKEN_ERRORS = new Set(['not_authed', 'invalid_auth', 'account_inactive', 'token_revoked', 'token_expired', 'not_allowed_token_type', 'team_disabled', 'user_removed_from_team']);

/** Builds the Bolt app over the receiver `config.slack.mode` asks for: `opts.middleware` first, then `registrations` in order. */
export function createSlackApp(
  config: Config,
  registrations: readonly SlackRegistration[],
  log: Logger,
  opts: {
    middleware?: Middleware<AnyMiddlewareArgs>[];
    /** Socket Mode: which envelopes were handled (shared by every web process) */
    socketDeliveries: SocketDeliveryLedger;
    /** HTTP: which signatures were handled (shared by every web process) */
    signedRequests: SignedRequestLedger;
    ackFirst?: AckFirstGate;
  },
): SlackApp {
  const logger = boltLogger(log);
  // Post-ack work waits until every request that has arrived is acknowledged (src/platform/slack/ackFirst.ts).
  const gate = opts.ackFirst ?? createAckFirstGate();
  const clientOptions = webClientOptions(config, 1);
  const authorize = authorizeWithOneAuthTest(config.slack.botToken, () => new WebClient(config.slack.botToken, clientOptions).auth.test());
  let requestListener: SlackApp['requestListener'] = null;
  let app: BoltApp;
  if (config.slack.mode === 'socket') {
    const socketMode = new SocketModeReceiver({
      appToken: config.slack.appToken ?? '',
      logger,
      // Bolt hands installerOptions.clientOptions to the Socket Mode client's WebClient: without them
      // apps.connections.open goes to slack.com whatever SLACK_API_URL says.
      installerOptions: { clientOptions: webClientOptions(config, 1) },
    });
    const receiver = acksFirst(handledOnce(socketMode, opts.socketDeliveries, log), gate, 'at-dispatch');
    app = new App({ authorize, receiver, clientOptions, logger, convoStore: false });
  } else {
    const http = new HTTPReceiver({
      signingSecret: config.slack.signingSecret ?? '',
      endpoints: '/slack/events',
      logger,
      processBeforeResponse: false,
      unhandledRequestTimeoutMillis: 2_900,
      bodyLimit: '256kb',
      // the signature the receiver verified, for the replay check (signedOnce)
      customPropertiesExtractor: (request) => ({ [SIGNATURE_PROPERTY]: request.headers['x-slack-signature'] }),
    });
    const receiver = acksFirst(signedOnce(http, opts.signedRequests, log), gate, 'counted-by-caller');
    app = new App({ authorize, receiver, clientOptions, logger, convoStore: false });
    // Counted from the moment the request's headers are read until its response is sent (or the client went away).
    requestListener = (req, res) => {
      const answered = gate.arrived();
      res.once('finish', answered);
      res.once('close', answered);
      http.requestListener(req, res);
    };
  }
  app.error(async (error) => {
    log.error({ error: error.message, code: (error as { code?: string }).code }, 'unhandled Slack listener error');
  });
  for (const m of opts.middleware ?? []) app.use(m);
  for (const register of registrations) register(app);

  return {
    app,
    requestListener,
    start: async () => {
      if (config.slack.mode !== 'socket') return;
      try {
        await app.start();
      } catch (error) {
        throw socketModeStartFailure(error, config);
      }
    },
    stop: async () => {
      if (config.slack.mode === 'socket') await app.stop();
    },
  };
}

/**
 * Wraps Bolt's SocketModeReceiver so each delivery is handled once: the first delivery of a key runs the listeners
 * and its ack payload is remembered (an ack the closing connection cannot carry does not stop the listener); a redelivery (same event_id or trigger_id) is acknowledged with that payload
 * (waiting up to 2 s for it) and runs nothing. Deliveries without either id (options requests) always run.
 * If the ledger cannot be read the delivery runs: the listeners answer a store outage themselves.
 */
function handledOnce(inner: SocketModeReceiver, ledger: SocketDeliveryLedger, log: Logger): Receiver {
  return {
    init(app) {
      // The receiver only calls processEvent on what it is given.
      inner.init({ processEvent: (event: ReceiverEvent) => processOnce(event, app, ledger, log) } as unknown as App);
    },
    start: () => inner.start(),
    stop: () => inner.stop(),
  };
}

/**
 * Bolt's `authorize` for keywarden's one bot token: the bot's user and bot ids from a single auth.test
 * (https://api.slack.com/methods/auth.test), asked on the first request and kept. Bolt's own single-token authorize
 * with `tokenVerificationEnabled: false` (which lets keywarden start while Slack refuses the token, for /readyz to
 * say so) calls auth.test again for every request, an HTTP round trip to Slack before each ack. A failed auth.test
 * is not kept: the request fails as before and the next one asks again.
 */
export function authorizeWithOneAuthTest(botToken: string, authTest: () => Promise<{ user_id?: string; bot_id?: string }>): Authorize<boolean> {
  let ids: Promise<{ botUserId?: string; botId?: string }> | null = null;
  return async () => {
    ids ??= authTest().then(
      (r) => ({ ...(r.user_id ? { botUserId: r.user_id } : {}), ...(r.bot_id ? { botId: r.bot_id } : {}) }),
      (error: unknown) => {
        ids = null;
        throw error;
      },
    );
    return { botToken, ...(await ids) };
  };
}

/**
 * Wraps a receiver so that each listener's work after `ack()` waits on the gate (acks first). `at-dispatch`: the
 * request counts as arrived when the receiver hands it to Bolt (Socket Mode); `counted-by-caller`: the HTTP listener
 * counted it already. Either way it counts as answered once acknowledged, or when Bolt is done with it.
 */
function acksFirst(inner: Receiver, gate: AckFirstGate, arrival: 'at-dispatch' | 'counted-by-caller'): Receiver {
  return {
    init(app) {
      inner.init({
        processEvent: async (event: ReceiverEvent) => {
          const answered = arrival === 'at-dispatch' ? gate.arrived() : () => undefined;
          const ack: ReceiverEvent['ack'] = async (response?: unknown) => {
            try {
              await event.ack(response);
            } finally {
              answered();
            }
            await gate.afterAck();
          };
          try {
            await app.processEvent({ ...event, ack });
          } finally {
            answered();
          }
        },
      } as unknown as App);
    },
    start: (...args: unknown[]) => inner.start(...args),
    stop: (...args: unknown[]) => inner.stop(...args),
  };
}

const SIGNATURE_PROPERTY = 'slackSignature';
/** How long a handled signature is remembered: past Slack's 5-minute window, after which the receiver refuses it anyway. */
export const SIGNATURE_MEMORY_S = 10 * 60;

/**
 * Wraps Bolt's HTTPReceiver so a signed request sent again with the same signature (a replay within Slack's 5-minute
 * window) is acknowledged with an empty 200 and handled no more. Options requests (`block_suggestion`) are exempt:
 * they change nothing, and two identical ones in the same second legitimately share a signature. If the ledger cannot be read the request runs: the
 * listeners answer a store outage themselves, and their own once-only checks still hold.
 */
function signedOnce(inner: HTTPReceiver, ledger: SignedRequestLedger, log: Logger): Receiver {
  return {
    init(app) {
      inner.init({
        processEvent: async (event: ReceiverEvent) => {
          const signature = (event.customProperties as Record<string, unknown> | undefined)?.[SIGNATURE_PROPERTY];
          const body = event.body as { type?: unknown; command?: unknown };
          // Options requests only read (the project picker): the same keystrokes in the same second are signed the
          // same, and each must get its options. Every other request Slack sends carries a trigger_id or event_id
          // of its own, so its signature never repeats unless the request itself is sent again.
          if (body.type === 'block_suggestion') return app.processEvent(event);
          if (typeof signature !== 'string' || signature === '' || (await ledger.claim(signature).catch(() => true))) return app.processEvent(event);
          log.warn({ kind: typeof body.type === 'string' ? body.type : typeof body.command === 'string' ? 'slash_command' : undefined }, 'a signed Slack request arrived again with the same signature; acknowledged, not handled again');
          await event.ack();
        },
      } as unknown as App);
    },
    start: (...args: unknown[]) => (inner.start as (...a: unknown[]) => Promise<unknown>)(...args),
    stop: (...args: unknown[]) => (inner.stop as (...a: unknown[]) => Promise<unknown>)(...args),
  };
}

async function processOnce(event: ReceiverEvent, app: App, ledger: SocketDeliveryLedger, log: Logger): Promise<void> {
  const body = event.body as { event_id?: unknown; trigger_id?: unknown; type?: unknown };
  const key = typeof body.event_id === 'string' ? body.event_id : typeof body.trigger_id === 'string' ? body.trigger_id : null;
  if (key === null) return app.processEvent(event);
  const first = await ledger.claim(key).catch(() => true);
  if (first) {
    const ack: ReceiverEvent['ack'] = async (response?: unknown) => {
      const payload = typeof response === 'string' ? { text: response } : ((response ?? {}) as Record<string, unknown>);
      const remembered = ledger.rememberAck(key, payload).catch(() => undefined);
      try {
        await event.ack(response);
      } catch (error) {
        // The connection closed under the ack (a disconnect, a reconnect): Slack redelivers the envelope and gets
        // this answer then. The listener goes on with its work rather than failing on a lost ack.
        log.warn({ error: (error as Error).message }, 'a Socket Mode ack could not be sent; the redelivery will carry it');
      }
      await remembered;
    };
    return app.processEvent({ ...event, ack });
  }
  const deadline = Date.now() + REPLAY_WAIT_MS;
  let payload = await ledger.ackOf(key).catch(() => null);
  while (payload === null && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, REPLAY_POLL_MS));
    payload = await ledger.ackOf(key).catch(() => null);
  }
  log.info(
    { kind: typeof body.type === 'string' ? body.type : undefined, retryNum: event.retryNum, retryReason: event.retryReason, replayed: payload !== null },
    'Slack delivered a Socket Mode envelope again; acknowledged it without handling it twice',
  );
  await event.ack(payload !== null && Object.keys(payload).length > 0 ? payload : undefined);
}

/** A refused app-level token as a setting problem naming SLACK_APP_TOKEN; an unreachable Slack as a plain error. */
function socketModeStartFailure(error: unknown, config: Config): Error {
  const e = error as { code?: string; data?: { error?: string }; message?: string };
  const slackSaid = e.data?.error;
  if (e.code === ErrorCode.PlatformError && slackSaid !== undefined && REFUSED_TOKEN_ERRORS.has(slackSaid)) {
    return new SlackSettingRefused(
      'SLACK_APP_TOKEN',
      `Slack refused the app-level token (apps.connections.open answered ${slackSaid}). Create one with the connections:write scope (your Slack app → Basic Information → App-Level Tokens) and set SLACK_APP_TOKEN=xapp-…`,
    );
  }
  const where = config.slack.apiUrl ?? 'https://slack.com/api/';
  return new Error(`Socket Mode could not connect to Slack at ${where} (${slackSaid ?? e.message ?? 'no answer'}); check SLACK_API_URL and the network`);
}

function boltLogger(log: Logger) {
  const child = log.child({ component: 'bolt' });
  let level = LogLevel.INFO;
  return {
    // Bolt's and the Web API client's debug output carries whole request bodies (a reveal modal holds a key): dropped.
    debug: () => {},
    info: (...msg: unknown[]) => child.info(msg.map(String).join(' ')),
    warn: (...msg: unknown[]) => child.warn(msg.map(String).join(' ')),
    error: (...msg: unknown[]) => child.error(msg.map(String).join(' ')),
    setLevel: (l: typeof level) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => {},
  };
}
