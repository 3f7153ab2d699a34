/**
 * The Bolt app: HTTP mode (requests arrive at POST /slack/events, served by our own HTTP server) or Socket Mode
 * when an app-level token is configured. Listeners are registered per surface.
 */
import { App, HTTPReceiver, LogLevel, SocketModeReceiver, type AnyMiddlewareArgs, type Middleware } from '@slack/bolt';
import type { Logger } from 'pino';
import type { WebClientOptions } from '@slack/web-api';
import type { Config } from '../config/config.js';
import type { SlackListenerDeps } from './context.js';
import * as actions from './listeners/actions/index.js';
import * as commands from './listeners/commands/index.js';
import * as events from './listeners/events/index.js';
import * as views from './listeners/views/index.js';

export type BoltApp = App;

export interface SlackApp {
  readonly app: BoltApp;
  /** HTTP mode: the listener to mount at POST /slack/events; null in Socket Mode */
  readonly requestListener: ((req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void) | null;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function webClientOptions(config: Pick<Config, 'slack'>, retries: number): WebClientOptions {
  return {
    ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}),
    retryConfig: { retries, factor: 2, minTimeout: 500, maxTimeout: 2_000 },
    rejectRateLimitedCalls: retries === 0,
    timeout: 10_000,
  };
}

export function createSlackApp(
  config: Config,
  deps: SlackListenerDeps,
  log: Logger,
  opts: { middleware?: Middleware<AnyMiddlewareArgs>[] } = {},
): SlackApp {
  const logger = boltLogger(log);
  const clientOptions = webClientOptions(config, 1);
  let requestListener: SlackApp['requestListener'] = null;
  let app: BoltApp;
  if (config.slack.mode === 'socket') {
    const receiver = new SocketModeReceiver({ appToken: config.slack.appToken ?? '', logger });
    app = new App({ token: config.slack.botToken, receiver, clientOptions, logger, tokenVerificationEnabled: false });
  } else {
    const receiver = new HTTPReceiver({
      signingSecret: config.slack.signingSecret ?? '',
      endpoints: '/slack/events',
      logger,
      processBeforeResponse: false,
      unhandledRequestTimeoutMillis: 2_900,
      bodyLimit: '256kb',
    });
    app = new App({ token: config.slack.botToken, receiver, clientOptions, logger, tokenVerificationEnabled: false });
    requestListener = receiver.requestListener;
  }
  app.error(async (error) => {
    log.error({ error: error.message, code: (error as { code?: string }).code }, 'unhandled Slack listener error');
  });
  for (const m of opts.middleware ?? []) app.use(m);
  commands.register(app, deps);
  actions.register(app, deps);
  views.register(app, deps);
  events.register(app, deps);

  return {
    app,
    requestListener,
    start: async () => {
      if (config.slack.mode === 'socket') await app.start();
    },
    stop: async () => {
      if (config.slack.mode === 'socket') await app.stop();
    },
  };
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
