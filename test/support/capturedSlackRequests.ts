/**
 * Slack's requests to keywarden as bytes on the wire, for security tests: a driver whose signed requests are caught
 * on their way (and held back, or passed on), so a test can send exactly those bytes again (a replay), or with a
 * forged signature, a stale timestamp or an altered body, the way someone who saw the traffic would.
 */
import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSlackDriver, type DriverResponse, type SlackDriver } from '../../src/emulators/slack/index.js';
import { signSlackRequest } from '../../src/emulators/slack/signature.js';
import { SIGNING_SECRET, type Harness } from './harness.js';

/** One request as Slack signed and sent it. */
export interface CapturedSlackRequest {
  readonly body: string;
  readonly contentType: string;
  /** X-Slack-Request-Timestamp, Unix seconds */
  readonly timestamp: number;
  /** X-Slack-Signature, `v0=<hex>` */
  readonly signature: string;
}

export interface SlackRequestCapture {
  /** plays Slack towards keywarden like `h.driver`, over HTTP, through the capture */
  readonly driver: SlackDriver;
  /** every request sent through `driver`, oldest first */
  readonly requests: CapturedSlackRequest[];
  /** the newest request; throws when none was sent */
  last(): CapturedSlackRequest;
  /** sends `captured` to keywarden as it was, or with fields replaced (a forgery) */
  send(captured: CapturedSlackRequest, changes?: Partial<CapturedSlackRequest>): Promise<DriverResponse>;
  close(): Promise<void>;
}

/**
 * Starts a loopback relay in front of keywarden's request URL (HTTP mode only). With `passOn: false` each request
 * is caught and answered 200 with an empty body without reaching keywarden (as if keywarden had acknowledged it);
 * with `passOn: true` it goes on to keywarden and keywarden's answer comes back.
 */
export async function captureSlackRequests(h: Harness, opts: { readonly passOn: boolean }): Promise<SlackRequestCapture> {
  if (h.mode !== 'http') throw new Error('captureSlackRequests needs the HTTP mode: Socket Mode has no signed requests');
  const appUrl = `http://127.0.0.1:${h.app.port}/slack/events`;
  const requests: CapturedSlackRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({
        body,
        contentType: header(req.headers, 'content-type'),
        timestamp: Number(header(req.headers, 'x-slack-request-timestamp')),
        signature: header(req.headers, 'x-slack-signature'),
      });
      if (!opts.passOn) {
        res.writeHead(200).end();
        return;
      }
      const onward = request(appUrl, { method: 'POST', headers: req.headers, agent: false }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      onward.on('error', () => res.writeHead(502).end());
      onward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const relayUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
  return {
    driver: createSlackDriver({ emulator: h.slack, appUrl: relayUrl, signingSecret: SIGNING_SECRET }),
    requests,
    last: () => {
      const newest = requests.at(-1);
      if (!newest) throw new Error('no Slack request was captured');
      return newest;
    },
    send: (captured, changes = {}) => {
      const r = { ...captured, ...changes };
      return h.driver.sendRaw({ body: r.body, contentType: r.contentType, timestamp: r.timestamp, signature: r.signature });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const header = (headers: IncomingHttpHeaders, name: string): string => {
  const value = headers[name];
  return Array.isArray(value) ? (value[0] ?? '') : (value ?? '');
};

/** A v0 signature of the right shape that Slack's signing secret did not make. */
export const FORGED_SIGNATURE = `v0=${'0'.repeat(64)}`;

/**
 * `captured` sent `minutes` ago, signed with the real signing secret for that time: only its age is wrong. Slack's
 * rule (https://docs.slack.dev/authentication/verifying-requests-from-slack): refuse a request older than 5 minutes.
 */
export function signedMinutesAgo(captured: CapturedSlackRequest, minutes: number): CapturedSlackRequest {
  const timestamp = Math.floor(Date.now() / 1000) - minutes * 60;
  return { ...captured, timestamp, signature: signSlackRequest(SIGNING_SECRET, timestamp, captured.body) };
}

/** `captured` with some of its form fields (a slash command's `text`, `user_id`…) replaced, its signature kept. */
export function withFields(captured: CapturedSlackRequest, fields: Record<string, string>): CapturedSlackRequest {
  const form = new URLSearchParams(captured.body);
  for (const [name, value] of Object.entries(fields)) form.set(name, value);
  return { ...captured, body: form.toString() };
}

/** The parts of an interactive request's payload (block_actions, view_submission) a forgery changes. */
export interface InteractivePayload {
  user: { id: string; [field: string]: unknown };
  view?: { private_metadata?: string; [field: string]: unknown };
  [field: string]: unknown;
}

/** `captured` (an interactive request: a click, a form submitted) with its JSON payload changed by `alter`, its signature kept. */
export function withPayload(captured: CapturedSlackRequest, alter: (payload: InteractivePayload) => void): CapturedSlackRequest {
  const form = new URLSearchParams(captured.body);
  const payload = JSON.parse(form.get('payload') ?? '{}') as InteractivePayload;
  alter(payload);
  form.set('payload', JSON.stringify(payload));
  return { ...captured, body: form.toString() };
}
