import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiError, defaultCodeForStatus, defaultMessageForStatus, type ErrorBody } from './api-error.js';
import { requestId } from './ids.js';
import type {
  ApiKey,
  CostEntry,
  CostValueForm,
  EmulatedRateLimits,
  InjectedFault,
  Project,
  RateLimit,
  RecordedCall,
  ServiceAccount,
  SpendLimitState,
  UsageEntry,
} from './model.js';
import { OrganizationApi, type ApiResponse } from './organization-api.js';
import {
  Organization,
  type CreatedServiceAccount,
  type NewProject,
  type NewServiceAccount,
  type NewUserApiKey,
} from './organization.js';
import { QueryParams } from './query-params.js';

export interface OpenAIEmulatorOptions {
  host?: string;
  port?: number;
  adminKey?: string;
  /** Milliseconds since the epoch; drives created_at, key expiry, "now" in usage queries and the spend limit's month. */
  now?: () => number;
  /** Admin API rate limits to enforce (none by default); `setRateLimits` changes them later. */
  rateLimits?: EmulatedRateLimits;
}

export interface OpenAIEmulator {
  /** e.g. http://127.0.0.1:PORT/v1, for `new OpenAI({ adminAPIKey, baseURL })`. */
  readonly baseURL: string;
  readonly adminKey: string;
  /** Every request, in the order answered. */
  readonly calls: RecordedCall[];
  callsTo(method: string, pathPattern: RegExp): RecordedCall[];
  /** The next `times` (default 1) matching requests fail with `status`, before authentication is checked. */
  inject(fault: InjectedFault): void;
  clearFaults(): void;
  /** Replaces the rate limits enforced from now on (`{}` lifts them); the calls already answered still count. */
  setRateLimits(limits: EmulatedRateLimits): void;

  addProject(p: NewProject): Project;
  archiveProject(id: string): void;
  project(id: string): Project | undefined;
  projects(): Project[];
  /** A service account as if made in OpenAI's dashboard; the returned secret is the only copy of its key. */
  addServiceAccount(p: NewServiceAccount): CreatedServiceAccount;
  /** A key owned by a person rather than a service account, as made in OpenAI's dashboard. */
  addUserApiKey(p: NewUserApiKey): ApiKey;
  serviceAccounts(projectId: string): ServiceAccount[];
  apiKeys(projectId: string): ApiKey[];
  /** As if changed in OpenAI's dashboard; null removes the limit. */
  setSpendLimit(projectId: string, cents: number | null): void;
  spendLimit(projectId: string): SpendLimitState | null;
  addCost(c: CostEntry): void;
  addUsage(u: UsageEntry): void;
  /** The live API has sent `amount.value` as a string such as "12.50"; 'string' answers that way. */
  setCostValueForm(form: CostValueForm): void;
  rateLimits(projectId: string): RateLimit[];
  close(): Promise<void>;
}

const API_PREFIX = '/v1/organization';
const SPEND_LIMIT_PATH = /^\/v1\/organization\/projects\/[^/]+\/spend_limit$/;
const RATE_WINDOW_MS = 60_000;
const MAX_BODY_BYTES = 1_048_576;

interface ArmedFault {
  readonly fault: InjectedFault;
  remaining: number;
}

class LoopbackOpenAIEmulator implements OpenAIEmulator {
  readonly calls: RecordedCall[] = [];
  readonly adminKey: string;
  private readonly now: () => number;
  private readonly org: Organization;
  private readonly api: OrganizationApi;
  private readonly server: Server;
  private readonly adminKeyDigest: Buffer;
  private faults: ArmedFault[] = [];
  private costValueForm: CostValueForm = 'number';
  private rateLimitsInForce: EmulatedRateLimits;
  /** when (emulator clock, ms) each spend-limit read the rate limit let through was answered, oldest first */
  private spendLimitReadTimes: number[] = [];
  private readonly pendingDelays = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  private address: AddressInfo | null = null;
  private closed = false;

  constructor(private readonly options: OpenAIEmulatorOptions) {
    this.adminKey = options.adminKey ?? 'sk-admin-emulator';
    this.adminKeyDigest = digest(this.adminKey);
    this.now = options.now ?? Date.now;
    this.rateLimitsInForce = checkedRateLimits(options.rateLimits ?? {});
    this.org = new Organization(this.now);
    this.api = new OrganizationApi(this.org, () => this.costValueForm);
    this.server = createServer((req, res) => {
      // serve() answers every failure itself; a rejection here means the request stream broke mid-read.
      this.serve(req, res).catch(() => res.destroy());
    });
  }

  async listen(): Promise<void> {
    const host = this.options.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port ?? 0, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.address = this.server.address() as AddressInfo;
  }

  get baseURL(): string {
    if (!this.address) throw new Error('The OpenAI emulator is not listening.');
    const host = this.address.family === 'IPv6' ? `[${this.address.address}]` : this.address.address;
    return `http://${host}:${this.address.port}/v1`;
  }

  callsTo(method: string, pathPattern: RegExp): RecordedCall[] {
    const wanted = method.toUpperCase();
    return this.calls.filter((c) => c.method === wanted && matchesPath(pathPattern, c.path));
  }

  inject(fault: InjectedFault): void {
    if (!Number.isInteger(fault.status) || fault.status < 100 || fault.status > 599) {
      throw new RangeError(`A fault needs an HTTP status, got ${fault.status}.`);
    }
    const times = fault.times ?? 1;
    if (!(times >= 1) || (!Number.isInteger(times) && times !== Infinity)) {
      throw new RangeError(`A fault's times must be a positive integer or Infinity, got ${times}.`);
    }
    this.faults.push({ fault, remaining: times });
  }

  clearFaults(): void {
    this.faults = [];
  }

  setRateLimits(limits: EmulatedRateLimits): void {
    this.rateLimitsInForce = checkedRateLimits(limits);
  }

  addProject(p: NewProject): Project {
    return this.org.addProject(p);
  }

  archiveProject(id: string): void {
    this.org.archiveProject(id);
  }

  project(id: string): Project | undefined {
    return this.org.project(id);
  }

  projects(): Project[] {
    return this.org.projects();
  }

  addServiceAccount(p: NewServiceAccount): CreatedServiceAccount {
    return this.org.createServiceAccount(p);
  }

  addUserApiKey(p: NewUserApiKey): ApiKey {
    return this.org.addUserApiKey(p);
  }

  serviceAccounts(projectId: string): ServiceAccount[] {
    return this.org.serviceAccounts(projectId);
  }

  apiKeys(projectId: string): ApiKey[] {
    return this.org.apiKeys(projectId);
  }

  setSpendLimit(projectId: string, cents: number | null): void {
    this.org.setSpendLimit(projectId, cents);
  }

  spendLimit(projectId: string): SpendLimitState | null {
    return this.org.spendLimit(projectId);
  }

  addCost(c: CostEntry): void {
    this.org.addCost(c);
  }

  addUsage(u: UsageEntry): void {
    this.org.addUsage(u);
  }

  setCostValueForm(form: CostValueForm): void {
    this.costValueForm = form;
  }

  rateLimits(projectId: string): RateLimit[] {
    return this.org.rateLimits(projectId);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const delay of this.pendingDelays) {
      clearTimeout(delay.timer);
      delay.resolve();
    }
    this.pendingDelays.clear();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator.invalid');
    const method = (req.method ?? 'GET').toUpperCase();
    const rawBody = await readBody(req);
    const body = parseJson(rawBody);
    const answerNow = (response: ApiResponse, headers: Record<string, string> = {}): void => {
      this.calls.push({
        method,
        path: url.pathname,
        query: QueryParams.asSent(url.searchParams),
        body: rawBody === null ? undefined : body.ok ? body.value : rawBody,
        status: response.status,
        at: this.now(),
      });
      if (res.destroyed) return;
      const payload = JSON.stringify(response.body);
      res.writeHead(response.status, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(payload),
        'x-request-id': requestId(),
        ...headers,
      });
      res.end(payload);
    };

    const fault = this.takeFault(method, url.pathname);
    if (fault?.delayMs) await this.delay(fault.delayMs);
    const answer = (response: ApiResponse, headers: Record<string, string> = {}): void => {
      if (!fault?.answerLateMs) return answerNow(response, headers);
      void this.delay(fault.answerLateMs).then(() => answerNow(response, headers));
    };
    if (this.closed) {
      res.destroy();
      return;
    }
    if (fault && fault.status >= 400) {
      const headers: Record<string, string> =
        fault.retryAfterSeconds === undefined ? {} : { 'retry-after': String(fault.retryAfterSeconds) };
      answer({ status: fault.status, body: faultBody(fault) }, headers);
      return;
    }

    try {
      this.authenticate(req);
      if (rawBody === TOO_LARGE) throw new ApiError(413, 'The request body is too large.', 'request_too_large');
      if (!body.ok) throw new ApiError(400, 'We could not parse the JSON body of your request.', 'invalid_json');
      if (url.pathname !== API_PREFIX && !url.pathname.startsWith(`${API_PREFIX}/`)) {
        throw new ApiError(404, `Invalid URL (${method} ${url.pathname})`, 'unknown_url');
      }
      const limited = this.rateLimited(method, url.pathname);
      if (limited) {
        answer({ status: 429, body: limited.body }, limited.headers);
        return;
      }
      answer(
        this.api.answer({
          method,
          path: url.pathname.slice(API_PREFIX.length),
          query: new QueryParams(url.searchParams),
          body: body.value,
        }),
      );
    } catch (error) {
      if (error instanceof ApiError) {
        answer({ status: error.status, body: error.toBody() });
        return;
      }
      // A bug in the emulator: say what broke, so that a failing test points at it.
      const detail = error instanceof Error ? error.message : String(error);
      answer({ status: 500, body: new ApiError(500, `The emulator failed: ${detail}`, 'server_error').toBody() });
    }
  }

  /** Never echoes the presented key: it may be a real one sent to the wrong place. */
  private authenticate(req: IncomingMessage): void {
    const header = req.headers.authorization;
    if (!header) {
      throw new ApiError(401, "You didn't provide an API key. Send it in the Authorization header as 'Bearer <key>'.", 'missing_api_key');
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match || !timingSafeEqual(digest(match[1]!), this.adminKeyDigest)) {
      throw new ApiError(401, 'Incorrect admin API key provided.', 'invalid_api_key');
    }
  }

  /**
   * A spend-limit read beyond `spendLimitReadsPerMinute` in the rolling minute: the 429 to answer (with or without
   * Retry-After, as configured). Otherwise the read is counted and undefined returned.
   */
  private rateLimited(method: string, path: string): { body: ErrorBody; headers: Record<string, string> } | undefined {
    const perMinute = this.rateLimitsInForce.spendLimitReadsPerMinute;
    if (perMinute === undefined || method !== 'GET' || !SPEND_LIMIT_PATH.test(path)) return undefined;
    const now = this.now();
    this.spendLimitReadTimes = this.spendLimitReadTimes.filter((at) => at > now - RATE_WINDOW_MS && at <= now);
    if (this.spendLimitReadTimes.length < perMinute) {
      this.spendLimitReadTimes.push(now);
      return undefined;
    }
    const setting = this.rateLimitsInForce.retryAfter ?? null;
    const oldest = this.spendLimitReadTimes[0] ?? now;
    const seconds = setting === 'until-free' ? Math.max(1, Math.ceil((oldest + RATE_WINDOW_MS - now) / 1_000)) : setting;
    const body = new ApiError(
      429,
      `Rate limit reached for spend limit reads in organization: limit ${perMinute} per 1m. Please try again later.`,
      'rate_limit_exceeded',
    ).toBody();
    return { body, headers: seconds === null ? {} : { 'retry-after': String(seconds) } };
  }

  private takeFault(method: string, path: string): InjectedFault | undefined {
    const armed = this.faults.find(
      (f) =>
        f.remaining > 0 &&
        (f.fault.method === undefined || f.fault.method.toUpperCase() === method) &&
        (f.fault.path === undefined || matchesPath(f.fault.path, path)),
    );
    if (!armed) return undefined;
    armed.remaining -= 1;
    if (armed.remaining <= 0) this.faults = this.faults.filter((f) => f !== armed);
    return armed.fault;
  }

  private delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const pending = {
        timer: setTimeout(() => {
          this.pendingDelays.delete(pending);
          resolve();
        }, ms),
        resolve,
      };
      this.pendingDelays.add(pending);
    });
  }
}

export async function startOpenAIEmulator(opts: OpenAIEmulatorOptions = {}): Promise<OpenAIEmulator> {
  const emulator = new LoopbackOpenAIEmulator(opts);
  await emulator.listen();
  return emulator;
}

function checkedRateLimits(limits: EmulatedRateLimits): EmulatedRateLimits {
  const perMinute = limits.spendLimitReadsPerMinute;
  if (perMinute !== undefined && !(Number.isInteger(perMinute) && perMinute >= 0)) {
    throw new RangeError(`spendLimitReadsPerMinute must be a whole number of reads, got ${perMinute}.`);
  }
  const retryAfter = limits.retryAfter;
  if (typeof retryAfter === 'number' && !(Number.isInteger(retryAfter) && retryAfter >= 0)) {
    throw new RangeError(`retryAfter must be whole seconds, 'until-free' or null, got ${retryAfter}.`);
  }
  return { ...limits };
}

function faultBody(fault: InjectedFault): ErrorBody {
  return new ApiError(
    fault.status,
    fault.message ?? defaultMessageForStatus(fault.status),
    fault.code ?? defaultCodeForStatus(fault.status),
  ).toBody();
}

/** A /g or /y pattern keeps state between test() calls; matching from the start each time keeps faults predictable. */
function matchesPath(pattern: RegExp, path: string): boolean {
  pattern.lastIndex = 0;
  return pattern.test(path);
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

const TOO_LARGE = '\u0000too-large';

/** The body as text, null when there is none, or TOO_LARGE (the rest is drained unread). */
async function readBody(req: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) tooLarge = true;
    else chunks.push(buffer);
  }
  if (tooLarge) return TOO_LARGE;
  return size === 0 ? null : Buffer.concat(chunks).toString('utf8');
}

function parseJson(raw: string | null): { ok: true; value: unknown } | { ok: false } {
  if (raw === null || raw === TOO_LARGE) return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(raw) as unknown };
  } catch {
    return { ok: false };
  }
}
