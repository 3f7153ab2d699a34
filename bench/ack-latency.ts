/**
 * How fast does keywarden acknowledge `/openai-key request` (the modal path: ack, then views.open)?
 * Starts the Slack and OpenAI emulators and the real app on loopback against the real Redis, sends `count` signed
 * slash commands one at a time, then `count` more with 10 in flight, and prints the ack latency of each series.
 * With `--socket` it does the same in Socket Mode too (the app connected to the emulator with SLACK_APP_TOKEN; the
 * latency is envelope sent → ack received) and prints both modes one after the other.
 *
 *   npx tsx bench/ack-latency.ts [count] [--socket]      (default 300)
 */
import { BENCH_WORKSPACE, percentile, startEmulatedKeywarden } from './support/benchKit.js';
import type { SlackDriver, SlackEmulator } from '../src/emulators/slack/index.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const { requester: REQUESTER, channel: CHANNEL } = BENCH_WORKSPACE;
const IN_FLIGHT = 10;
/** Slack gives up on an app that has not acknowledged within 3 s */
const SLACK_ACK_LIMIT_MS = 3_000;

interface SeriesResult {
  readonly name: string;
  readonly latencies: number[];
  readonly failures: number;
  readonly viewsOpened: number;
  readonly viewsOpenFailed: number;
  readonly wallMs: number;
}

function parseCount(arg: string | undefined): number {
  if (arg === undefined) return 300;
  const count = Number(arg);
  if (!Number.isInteger(count) || count < 1) {
    console.error(`ack-latency: count must be a whole number of at least 1, not “${arg}”`);
    process.exit(2);
  }
  return count;
}

async function waitUntil(probe: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
  return true;
}

async function runSeries(name: string, count: number, inFlight: number, driver: SlackDriver, slack: SlackEmulator): Promise<SeriesResult> {
  const viewsBefore = slack.callsTo('views.open').length;
  const latencies: number[] = [];
  let failures = 0;
  let next = 0;
  const started = performance.now();
  const sender = async () => {
    while (next < count) {
      next += 1;
      const res = await driver.slashCommand({ userId: REQUESTER, text: 'request', channelId: CHANNEL });
      if (res.status === 200) latencies.push(res.ms);
      else failures += 1;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, sender));
  const wallMs = performance.now() - started;
  // views.open follows the ack; give the last ones a moment to land
  await waitUntil(() => slack.callsTo('views.open').length - viewsBefore >= count, 30_000);
  const calls = slack.callsTo('views.open').slice(viewsBefore);
  return {
    name,
    latencies,
    failures,
    viewsOpened: calls.filter((c) => c.ok).length,
    viewsOpenFailed: calls.filter((c) => !c.ok).length,
    wallMs,
  };
}

function report(result: SeriesResult, count: number): string {
  const sorted = [...result.latencies].sort((a, b) => a - b);
  const fmt = (ms: number) => ms.toFixed(1).padStart(7);
  const overLimit = sorted.filter((ms) => ms >= SLACK_ACK_LIMIT_MS).length;
  return [
    `${result.name}`,
    `  commands     ${count} sent, ${result.latencies.length} acked 200, ${result.failures} failed, ${overLimit} over ${SLACK_ACK_LIMIT_MS} ms`,
    `  ack latency  median ${fmt(percentile(sorted, 50))} ms   p90 ${fmt(percentile(sorted, 90))} ms   p99 ${fmt(percentile(sorted, 99))} ms   max ${fmt(sorted.at(-1) ?? NaN)} ms`,
    `  views.open   ${result.viewsOpened} ok, ${result.viewsOpenFailed} failed (of ${count})`,
    `  throughput   ${((result.latencies.length / result.wallMs) * 1000).toFixed(0)} commands/s over ${(result.wallMs / 1000).toFixed(1)} s`,
  ].join('\n');
}

type Mode = 'http' | 'socket';

interface ModeResult {
  readonly sequential: SeriesResult;
  readonly parallel: SeriesResult;
  readonly warnings: number;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const socket = args.includes('--socket');
  const count = parseCount(args.find((a) => !a.startsWith('--')));
  const unknown = args.filter((a) => a.startsWith('--') && a !== '--socket');
  if (unknown.length > 0) {
    console.error(`ack-latency: unknown option ${unknown.join(' ')}; usage: npx tsx bench/ack-latency.ts [count] [--socket]`);
    process.exit(2);
  }
  const modes: Mode[] = socket ? ['http', 'socket'] : ['http'];
  const results: [Mode, ModeResult][] = [];
  for (const mode of modes) results.push([mode, await measure(mode, count)]);

  console.log(`ack latency of /openai-key request (modal path), ${count} commands per series, node ${process.version}`);
  for (const [mode, result] of results) {
    const label = mode === 'http' ? 'HTTP (signed POST → response)' : 'Socket Mode (envelope → ack)';
    console.log(`\n== ${label}`);
    console.log(report(result.sequential, count));
    console.log(report(result.parallel, count));
    console.log(`app warnings logged: ${result.warnings}`);
  }
  if (results.length > 1) {
    console.log('\nside by side (ms)          median      p99');
    for (const [mode, result] of results) {
      for (const series of [result.sequential, result.parallel]) {
        const sorted = [...series.latencies].sort((a, b) => a - b);
        const name = `${mode} ${series.name.startsWith('sequential') ? 'sequential' : `${IN_FLIGHT} in flight`}`.padEnd(24);
        console.log(`  ${name}${percentile(sorted, 50).toFixed(1).padStart(8)} ${percentile(sorted, 99).toFixed(1).padStart(8)}`);
      }
    }
  }
}

/** Runs both series against a fresh emulated workspace and app in `mode`; everything started is stopped again. */
async function measure(mode: Mode, count: number): Promise<ModeResult> {
  // everything started so far, stopped in reverse order whatever happens
  const running: (() => Promise<void>)[] = [];
  try {
    const { slack, driver, warnings } = await startEmulatedKeywarden({
      redisUrl: REDIS_URL,
      mode,
      running,
      seed: (openai) => {
        openai.addProject({ name: 'Support Bot' });
        openai.addProject({ name: 'Research Assistant' });
      },
    });

    // one untimed command warms up the connections and the project cache
    await driver.slashCommand({ userId: REQUESTER, text: 'request', channelId: CHANNEL });
    await waitUntil(() => slack.callsTo('views.open').length > 0, 10_000);

    const sequential = await runSeries('sequential (1 in flight)', count, 1, driver, slack);
    const parallel = await runSeries(`concurrent (${IN_FLIGHT} in flight)`, count, IN_FLIGHT, driver, slack);
    return { sequential, parallel, warnings: warnings() };
  } finally {
    for (const stop of running.reverse()) await stop();
  }
}

// Exits explicitly once everything is stopped: RunningKeywarden.stop() leaves the workers' own Redis connection open
// (src/main.ts creates `workerRedis` and never disconnects it), which would otherwise keep this process alive.
main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`ack-latency failed: ${(error as Error).stack ?? String(error)}`);
    process.exit(1);
  },
);
