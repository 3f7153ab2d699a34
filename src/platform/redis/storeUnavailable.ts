/**
 * "The store is unavailable": the one typed error keywarden's Redis connections raise when Redis (one server or a
 * Redis Cluster) cannot serve a command right now, and the one place that decides which ioredis failures mean that.
 *
 * Every store (requests, outbox, limits, spend, audit, markers, the project cache) calls Redis through the
 * `commands` connection made in connection.ts; `raiseStoreUnavailable` is applied to that connection once, so no
 * store converts or matches errors itself. Callers test `error instanceof StoreUnavailableError`
 * (`isStoreUnavailable`).
 */
import { ReplyError, type Cluster, type Command, type Redis } from 'ioredis';

/**
 * Redis could not serve a command: the connection is refused, lost, timed out or closed, or the cluster has no
 * primary for the slot. Keeps the ioredis error as `cause`, its message (so logs read as before) and its `code`.
 */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
  /** the socket error code (`ECONNREFUSED`, ...) when the cause had one */
  readonly code: string | undefined;

  constructor(override readonly cause: Error) {
    super(cause.message, { cause });
    this.code = (cause as { code?: unknown }).code === undefined ? undefined : String((cause as { code?: unknown }).code);
  }
}

/** True when `error` says the store is unavailable (raised by a connection `raiseStoreUnavailable` was applied to). */
export function isStoreUnavailable(error: unknown): error is StoreUnavailableError {
  return error instanceof StoreUnavailableError;
}

/**
 * The ioredis error classes that mean "no connection to serve this command". ioredis does not export them from its
 * entry point, but each sets `name` to its class name (ioredis built/errors/*.js: `get name() { return
 * this.constructor.name }`; redis-errors' AbortError likewise):
 * - `MaxRetriesPerRequestError`: the connection dropped and did not come back within `maxRetriesPerRequest`
 *   reconnections (ioredis redis/event_handler.js, close handler);
 * - `ClusterAllFailedError`: no seed node answered CLUSTER SLOTS ("Failed to refresh slots cache.", cluster/index.js);
 * - `AbortError` (redis-errors, re-used by ioredis): "Command aborted due to connection close" (event_handler.js) and
 *   "Cluster is ended." (cluster/index.js). Its other uses are pub/sub only, which keywarden's stores do not use.
 */
const UNAVAILABLE_ERROR_NAMES = new Set(['MaxRetriesPerRequestError', 'ClusterAllFailedError', 'AbortError']);

/** Node socket error codes for a server that cannot be reached or a connection that broke (Node `net`/`dns` errors; ioredis also sets ETIMEDOUT on "connect ETIMEDOUT"). */
const UNAVAILABLE_SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/**
 * Redis error replies (`ReplyError`, their first word is the error code) for a cluster that cannot serve the slot
 * right now: CLUSTERDOWN (no primary for the slot, or the cluster is down) and TRYAGAIN (a multi-key command during
 * resharding or failover); https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/. Any other reply
 * (WRONGTYPE, NOSCRIPT, a script error, ...) is an answer from a working store, not an outage.
 */
const UNAVAILABLE_REPLY_CODES = new Set(['CLUSTERDOWN', 'TRYAGAIN']);

/**
 * ioredis rejects these with a plain `Error` (no class, no code), so their fixed texts are all there is to go by
 * (ioredis 6, built/): "Connection is closed." (utils CONNECTION_CLOSED_ERROR_MSG: the connection was closed or
 * ended), "Stream isn't writeable and enableOfflineQueue options is false" (Redis.js: not connected, fail-fast),
 * "Cluster isn't ready and enableOfflineQueue options is false" (cluster/index.js: no slot map yet, fail-fast),
 * "Command timed out" (Command.js: `commandTimeout`), "None of startup nodes is available" (cluster/index.js).
 */
const UNAVAILABLE_MESSAGES = new Set([
  'Connection is closed.',
  "Stream isn't writeable and enableOfflineQueue options is false",
  "Cluster isn't ready and enableOfflineQueue options is false",
  'Command timed out',
  'None of startup nodes is available',
]);

/** cluster/index.js `handleError`: a command still redirected (MOVED/ASK/TRYAGAIN/CLUSTERDOWN) after `maxRedirections` tries, i.e. a failover that did not finish in time. */
const TOO_MANY_REDIRECTIONS = 'Too many Cluster redirections.';

/** True when an error from ioredis means Redis cannot serve commands right now (see the lists above). */
export function meansStoreUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error instanceof StoreUnavailableError) return true;
  if (error instanceof ReplyError) return UNAVAILABLE_REPLY_CODES.has(error.message.split(' ', 1)[0] ?? '');
  const code = (error as { code?: unknown }).code;
  return (
    UNAVAILABLE_ERROR_NAMES.has(error.name) ||
    (typeof code === 'string' && UNAVAILABLE_SOCKET_CODES.has(code)) ||
    UNAVAILABLE_MESSAGES.has(error.message) ||
    error.message.startsWith(TOO_MANY_REDIRECTIONS)
  );
}

/** `error` as a `StoreUnavailableError` when it means the store is unavailable; otherwise `error` unchanged. */
function asStoreError(error: Error): Error {
  return !(error instanceof StoreUnavailableError) && meansStoreUnavailable(error) ? new StoreUnavailableError(error) : error;
}

const convertingRejects = new WeakSet<Command['reject']>();

/**
 * Makes every command sent on `client` (direct, Lua, pipelined, MULTI/EXEC) reject with a `StoreUnavailableError`
 * when ioredis fails it for want of a connection; any other rejection is left as it is. Returns `client`.
 *
 * How: each command passes through `sendCommand`, which this replaces on the instance to wrap the command's own
 * `reject` before ioredis sees the command. The command's promise (the one the caller awaits, and the one pipelines
 * read their results from) then rejects with the typed error; no second promise is made, so nothing can reject
 * unhandled. On a cluster the wrap is the innermost one: ioredis's own redirection/retry wrapper (cluster/index.js
 * `sendCommand`) still sees the raw error and retries first, and only the final error is converted. The error keeps
 * the message, which ioredis's retry logic reads (Pipeline.js, cluster/index.js). A cluster pipeline or transaction
 * sent before the slot map is known waits in `delayUntilReady`; that callback's error is converted too.
 *
 * Only for the fail-fast `commands` role: BullMQ's connections are left alone (it reads ioredis errors itself).
 */
export function raiseStoreUnavailable<C extends Redis | Cluster>(client: C): C {
  const target = client as unknown as {
    sendCommand(command: Command, ...rest: unknown[]): unknown;
    delayUntilReady?: (callback: (error?: Error | null) => void) => void;
  };
  const send = target.sendCommand.bind(client);
  target.sendCommand = (command, ...rest) => {
    if (!convertingRejects.has(command.reject)) {
      const reject = command.reject;
      const converting: Command['reject'] = (error) => reject(asStoreError(error));
      convertingRejects.add(converting);
      command.reject = converting;
    }
    return send(command, ...rest);
  };
  const delayUntilReady = target.delayUntilReady?.bind(client);
  if (delayUntilReady) target.delayUntilReady = (callback) => delayUntilReady((error) => callback(error ? asStoreError(error) : error));
  return client;
}
