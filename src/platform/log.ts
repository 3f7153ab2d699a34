import { hostname } from 'node:os';
import { pino } from 'pino';
import { SECRET_PATTERNS } from './domain/redact.js';

/** pino's logger. Child loggers share their parent's redaction, including registered secrets. */
export type Logger = pino.Logger;

/** The root logger: pino's, plus a way to add exact secret values to scrub once config is loaded. */
export type RootLogger = Logger & {
  /** Scrub this exact value (and its JSON-escaped form) from every later log line. Empty strings are ignored. */
  registerSecret(value: string): void;
};

export type LoggerOptions = {
  level?: string;
  /** Where JSON lines go; process.stdout by default. */
  destination?: NodeJS.WritableStream;
  /** Fields on every line, alongside pino's pid and hostname. */
  base?: Record<string, unknown>;
  /** Exact secret values (signing secret, KEYWARDEN_SECRET, ...) to scrub wherever they appear. */
  secrets?: readonly string[];
};

export const REDACTED = '[redacted]';

/** Shorter exact secrets would also match ordinary words and JSON keys. */
export const MIN_SECRET_LENGTH = 8;


/** Field names (matched case-insensitively, ignoring `_` and `-`) whose value is never logged. */
const SENSITIVE_KEY_NAMES = new Set([
  'authorization',
  'proxyauthorization',
  'cookie',
  'setcookie',
  'keyvalue',
  'privatekey',
  'credentials',
]);
const SENSITIVE_KEY_SUFFIXES = ['token', 'secret', 'password', 'apikey', 'adminkey'] as const;
/** `value` is only sensitive inside these (OpenAI returns a new key as `api_key.value`) or at the top level. */
const SECRET_HOLDER_KEY_NAMES = new Set(['key', 'apikey', 'secret', 'token', 'keyvalue']);

/** pino's own redaction of well-known paths; the deep scrub below covers every other depth. */
const REDACT_PATHS: readonly string[] = [
  ...[
    'token',
    'botToken',
    'appToken',
    'userToken',
    'accessToken',
    'refreshToken',
    'signingSecret',
    'clientSecret',
    'adminKey',
    'adminApiKey',
    'authorization',
    'apiKey',
    'api_key',
    'secret',
    'key_value',
    'password',
  ].flatMap((key) => [key, `*.${key}`]),
  'value',
  'api_key.value',
  '*.api_key.value',
  'key.value',
  'headers.authorization',
  'headers.cookie',
  '*.headers.authorization',
  '*.headers.cookie',
];

const MAX_DEPTH = 32;

function normalizeKey(key: string): string {
  return key.toLowerCase().replace(/[_-]/g, '');
}

function isSensitiveKey(normalized: string): boolean {
  return SENSITIVE_KEY_NAMES.has(normalized) || SENSITIVE_KEY_SUFFIXES.some((suffix) => normalized.endsWith(suffix));
}

function escapeForJson(value: string): string {
  return JSON.stringify(value).slice(1, -1);
}

/**
 * Replaces every known token shape (OpenAI, Slack, bearer) and every given exact secret in `text`.
 * Pure; usable on any text bound for a log, a Slack message or an error.
 */
export function redactSecretText(text: string, exactSecrets: Iterable<string> = []): string {
  let scrubbed = text;
  const longestFirst = [...exactSecrets].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  for (const secret of longestFirst) {
    if (scrubbed.includes(secret)) scrubbed = scrubbed.split(secret).join(REDACTED);
  }
  for (const pattern of SECRET_PATTERNS) scrubbed = scrubbed.replace(pattern, REDACTED);
  return scrubbed;
}

type ScrubContext = { secrets: ReadonlySet<string>; ancestors: WeakSet<object> };

function scrubByKey(key: string, value: unknown, parentKey: string | undefined, depth: number, ctx: ScrubContext): unknown {
  if (value === undefined || value === null) return value;
  const normalized = normalizeKey(key);
  if (isSensitiveKey(normalized)) return REDACTED;
  if (normalized === 'value' && (parentKey === undefined || SECRET_HOLDER_KEY_NAMES.has(normalizeKey(parentKey)))) {
    return REDACTED;
  }
  return scrubDeep(value, key, depth + 1, ctx);
}

function scrubError(error: Error, depth: number, ctx: ScrubContext): Error {
  // Same prototype, so pino's err serializer still reports the right type and follows `cause`.
  const copy = Object.create(Object.getPrototypeOf(error) as object) as Error;
  for (const key of Object.getOwnPropertyNames(error)) {
    const descriptor = Object.getOwnPropertyDescriptor(error, key);
    let value: unknown;
    try {
      value = Reflect.get(error, key);
    } catch {
      continue;
    }
    Object.defineProperty(copy, key, {
      value: scrubByKey(key, value, 'error', depth, ctx),
      enumerable: descriptor?.enumerable ?? false,
      writable: true,
      configurable: true,
    });
  }
  if (!Object.prototype.hasOwnProperty.call(copy, 'message')) {
    Object.defineProperty(copy, 'message', { value: redactSecretText(error.message, ctx.secrets), writable: true, configurable: true });
  }
  return copy;
}

function scrubDeep(value: unknown, ownKey: string | undefined, depth: number, ctx: ScrubContext): unknown {
  if (typeof value === 'string') return redactSecretText(value, ctx.secrets);
  if (typeof value !== 'object' || value === null) return value;
  if (depth > MAX_DEPTH) return '[Object]';
  if (ctx.ancestors.has(value)) return '[Circular]';
  ctx.ancestors.add(value);
  try {
    if (value instanceof Error) return scrubError(value, depth, ctx);
    if (Array.isArray(value)) return value.map((item) => scrubDeep(item, ownKey, depth + 1, ctx));
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') {
      // Mirror JSON.stringify, which is what pino will print (Date, URL, Buffer, ...).
      return scrubDeep(toJSON.call(value) as unknown, ownKey, depth + 1, ctx);
    }
    const scrubbed: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      scrubbed[key] = scrubByKey(key, child, ownKey, depth, ctx);
    }
    return scrubbed;
  } finally {
    ctx.ancestors.delete(value);
  }
}

/** Deep copy of `value` with sensitive fields and secret-shaped strings replaced. The input is not changed. */
export function scrubLogValue(value: unknown, exactSecrets: ReadonlySet<string> = new Set()): unknown {
  return scrubDeep(value, undefined, 0, { secrets: exactSecrets, ancestors: new WeakSet() });
}

/**
 * A pino logger writing JSON lines, with four layers so no line carries a secret:
 * pino `redact` on known paths; every argument of every log call deep-scrubbed (field names,
 * token shapes, registered secrets; errors copied with scrubbed message and stack, so a message
 * pino derives from an error is clean too); base fields and child bindings scrubbed the same way; and
 * the finished line scrubbed again, which also catches a token assembled by `%s` interpolation.
 */
export function createLogger(opts: LoggerOptions = {}): RootLogger {
  const secrets = new Set<string>();
  // Exact secrets as they appear inside a serialized line.
  const escapedSecrets = new Set<string>();

  const registerSecret = (value: string): void => {
    if (value.length === 0) return;
    if (value.length < MIN_SECRET_LENGTH) {
      throw new RangeError(`a secret to scrub from logs must be at least ${MIN_SECRET_LENGTH} characters`);
    }
    secrets.add(value);
    escapedSecrets.add(escapeForJson(value));
  };
  for (const secret of opts.secrets ?? []) registerSecret(secret);

  const logger = pino(
    {
      level: opts.level ?? 'info',
      ...(opts.base === undefined
        ? {}
        : { base: scrubLogValue({ pid: process.pid, hostname: hostname(), ...opts.base }, secrets) as Record<string, unknown> }),
      redact: { paths: [...REDACT_PATHS], censor: REDACTED },
      hooks: {
        logMethod(args, method) {
          const scrubbed = args.map((arg: unknown) => scrubLogValue(arg, secrets)) as Parameters<typeof method>;
          method.apply(this, scrubbed);
        },
        streamWrite: (line) => redactSecretText(line, escapedSecrets),
      },
    },
    opts.destination ?? process.stdout,
  );
  // pino applies formatters.bindings to the root's base only, so child bindings are scrubbed here.
  // Children inherit this method through their prototype, so grandchildren are covered too.
  const createChild = logger.child;
  logger.child = function childWithScrubbedBindings(this: Logger, bindings, options) {
    return createChild.call(this, scrubLogValue(bindings, secrets) as typeof bindings, options);
  } as typeof logger.child;
  return Object.assign(logger, { registerSecret });
}
