/**
 * Load generator, run as its own process so its work does not share an event loop with the app it measures.
 * Sends `count` signed slash commands to `url`, all at once (`concurrency` in flight), and prints one JSON line:
 * `{ latenciesMs: number[], failures: number, wallMs: number }` (latency = request written → response received).
 *
 * Reads one JSON object on stdin first: `{ senders: { userId, responseUrl }[] }`, one entry per command (at least
 * `count`). Command i comes from `senders[i].userId` with `senders[i].responseUrl`, so every command is a different
 * person's (keywarden warns instead of opening a second request for the same person and project) and its answer goes
 * to a response_url Slack (the emulator) issued.
 *
 *   node --import tsx bench/support/slashLoad.ts <url> <signingSecret> <count> <concurrency> <command> <text> < senders.json
 */
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { signSlackRequest } from '../../src/emulators/slack/signature.js';

const [url = '', secret = '', countArg = '200', concurrencyArg = '200', command = '/openai-key', text = 'help'] = process.argv.slice(2);
const count = Number(countArg);
const concurrency = Number(concurrencyArg);
const target = new URL(url);
const agent = new Agent({ keepAlive: true, maxSockets: concurrency });

interface Sender {
  readonly userId: string;
  readonly responseUrl: string;
}

async function readSenders(): Promise<Sender[]> {
  let raw = '';
  for await (const chunk of process.stdin) raw += (chunk as Buffer).toString('utf8');
  const senders = (JSON.parse(raw) as { senders: Sender[] }).senders;
  if (senders.length < count) throw new Error(`slashLoad: ${count} commands need ${count} senders, got ${senders.length}`);
  return senders;
}

function send(i: number, sender: Sender): Promise<number | null> {
  const body = new URLSearchParams({
    token: 'legacy',
    team_id: 'T0BENCH01',
    team_domain: 'bench',
    channel_id: 'C0GENERAL01',
    channel_name: 'general',
    user_id: sender.userId,
    user_name: sender.userId.toLowerCase(),
    command,
    text,
    api_app_id: 'A0BENCH01',
    is_enterprise_install: 'false',
    response_url: sender.responseUrl,
    trigger_id: `${i}.${randomBytes(6).toString('hex')}`,
  }).toString();
  const ts = Math.floor(Date.now() / 1000);
  const headers = {
    'content-type': 'application/x-www-form-urlencoded',
    'content-length': Buffer.byteLength(body),
    'x-slack-request-timestamp': String(ts),
    'x-slack-signature': signSlackRequest(secret, ts, body),
  };
  return new Promise((resolve) => {
    const started = performance.now();
    const req = request(target, { method: 'POST', headers, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200 ? performance.now() - started : null));
    });
    req.on('error', () => resolve(null));
    req.end(body);
  });
}

async function main(): Promise<void> {
  const senders = await readSenders();
  const latenciesMs: number[] = [];
  let failures = 0;
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const ms = await send(i, senders[i]!);
      if (ms === null) failures += 1;
      else latenciesMs.push(ms);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  process.stdout.write(`${JSON.stringify({ latenciesMs, failures, wallMs: performance.now() - started })}\n`);
  agent.destroy();
}

void main();
