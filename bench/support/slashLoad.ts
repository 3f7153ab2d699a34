/**
 * Load generator, run as its own process so its work does not share an event loop with the app it measures.
 * Sends `count` signed slash commands to `url`, all at once (`concurrency` in flight), and prints one JSON line:
 * `{ latenciesMs: number[], failures: number, wallMs: number }` (latency = request written → response received).
 *
 *   node --import tsx bench/support/slashLoad.ts <url> <signingSecret> <count> <concurrency> <command> <text>
 */
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { signSlackRequest } from '../../src/emulators/slack/signature.js';

const [url = '', secret = '', countArg = '200', concurrencyArg = '200', command = '/openai-key', text = 'help'] = process.argv.slice(2);
const count = Number(countArg);
const concurrency = Number(concurrencyArg);
const target = new URL(url);
const agent = new Agent({ keepAlive: true, maxSockets: concurrency });

function send(i: number): Promise<number | null> {
  const body = new URLSearchParams({
    token: 'legacy',
    team_id: 'T0BENCH01',
    team_domain: 'bench',
    channel_id: 'C0GENERAL01',
    channel_name: 'general',
    user_id: 'U0REQUESTER',
    user_name: 'riley',
    command,
    text,
    api_app_id: 'A0BENCH01',
    is_enterprise_install: 'false',
    response_url: `${target.origin}/nowhere/${i}`,
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
  const latenciesMs: number[] = [];
  let failures = 0;
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const ms = await send(i);
      if (ms === null) failures += 1;
      else latenciesMs.push(ms);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  process.stdout.write(`${JSON.stringify({ latenciesMs, failures, wallMs: performance.now() - started })}\n`);
  agent.destroy();
}

void main();
