/**
 * A tiny app on loopback that checks every request with Bolt's own signature verification,
 * records what arrived, and answers as the test tells it.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { verifySlackRequest } from '@slack/bolt';

export interface ReceivedRequest {
  headers: IncomingHttpHeaders;
  rawBody: string;
  /** Bolt's verdict on the signature and timestamp, or why it refused. */
  verification: 'valid' | string;
  /** The decoded body: a JSON object, the form fields, or `payload` JSON-parsed for interactions. */
  json?: Record<string, unknown>;
  form?: Record<string, string>;
  payload?: Record<string, any>;
}

export interface AppAnswer {
  status?: number;
  body?: string | Record<string, unknown>;
  delayMs?: number;
}

export interface RecordingApp {
  url: string;
  requests: ReceivedRequest[];
  answerWith(responder: (request: ReceivedRequest) => AppAnswer): void;
  close(): Promise<void>;
}

export async function startRecordingApp(signingSecret: string): Promise<RecordingApp> {
  const requests: ReceivedRequest[] = [];
  let responder: (request: ReceivedRequest) => AppAnswer = () => ({});
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    let verification = 'valid';
    try {
      verifySlackRequest({
        signingSecret,
        body: rawBody,
        headers: {
          'x-slack-signature': String(req.headers['x-slack-signature'] ?? ''),
          'x-slack-request-timestamp': Number(req.headers['x-slack-request-timestamp']),
        },
      });
    } catch (error) {
      verification = (error as Error).message;
    }
    const received: ReceivedRequest = { headers: req.headers, rawBody, verification };
    if ((req.headers['content-type'] ?? '').includes('application/json')) {
      received.json = JSON.parse(rawBody) as Record<string, unknown>;
    } else {
      received.form = Object.fromEntries(new URLSearchParams(rawBody).entries());
      if (received.form.payload !== undefined) received.payload = JSON.parse(received.form.payload) as Record<string, any>;
    }
    requests.push(received);
    if (verification !== 'valid') {
      res.writeHead(401).end();
      return;
    }
    const answer = responder(received);
    if (answer.delayMs) await sleep(answer.delayMs);
    const body = answer.body === undefined ? '' : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
    res.writeHead(answer.status ?? 200, {
      'Content-Type': typeof answer.body === 'object' ? 'application/json' : 'text/plain',
    });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/slack/events`,
    requests,
    answerWith(next) {
      responder = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
