/**
 * How fast does keywarden answer the request form's project picker (Slack's block_suggestion) with a large org?
 * Starts the Slack and OpenAI emulators and the real app on loopback against the real Redis, puts `projects`
 * active projects (default 2,000, OpenAI's maximum per organization) in the OpenAI emulator, opens the request form
 * once, waits for the picker's list to be read, then sends `count` signed block_suggestion requests one at a time
 * and `count` more with 10 in flight, with queries from one letter to a full id and some typos. Prints p50/p90/p99
 * per series, and checks each answer as Slack would (≤ 100 options, text ≤ 75, value ≤ 150, within 3 s).
 *
 *   npx tsx bench/options-latency.ts [count] [--projects N]      (default 300 requests, 2000 projects)
 */
import { BENCH_WORKSPACE, percentile, startEmulatedKeywarden } from './support/benchKit.js';
import type { SlackDriver } from '../src/emulators/slack/index.js';
import { INPUT, VIEW } from '../src/platform/slack/ids.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const { requester: REQUESTER, channel: CHANNEL } = BENCH_WORKSPACE;
const IN_FLIGHT = 10;
/** the figure the picker is held to */
const TARGET_P99_MS = 300;
const WORDS = ['Support', 'Research', 'Billing', 'Growth', 'Data', 'Platform', 'Search', 'Mobile', 'Ledger', 'Vision'];

interface Series {
  readonly name: string;
  readonly latencies: number[];
  readonly refused: string[];
  readonly emptyAnswers: number;
  readonly wallMs: number;
}

function wholeNumber(arg: string | undefined, fallback: number, what: string): number {
  if (arg === undefined) return fallback;
  const n = Number(arg);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`options-latency: ${what} must be a whole number of at least 1, not “${arg}”`);
    process.exit(2);
  }
  return n;
}

async function runSeries(name: string, count: number, inFlight: number, send: (i: number) => ReturnType<SlackDriver['suggestOptions']>): Promise<Series> {
  const latencies: number[] = [];
  const refused: string[] = [];
  let emptyAnswers = 0;
  let next = 0;
  const started = performance.now();
  const sender = async () => {
    while (next < count) {
      const i = next;
      next += 1;
      const answer = await send(i);
      latencies.push(answer.ms);
      if (answer.problems.length > 0) refused.push(answer.problems.join('; '));
      else if (answer.options.length === 0) emptyAnswers += 1;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, sender));
  return { name, latencies, refused, emptyAnswers, wallMs: performance.now() - started };
}

function report(series: Series): string {
  const sorted = [...series.latencies].sort((a, b) => a - b);
  const fmt = (ms: number) => ms.toFixed(1).padStart(7);
  const p99 = percentile(sorted, 99);
  return [
    series.name,
    `  requests     ${series.latencies.length} answered, ${series.refused.length} refused by Slack's rules, ${series.emptyAnswers} with no match`,
    `  latency      p50 ${fmt(percentile(sorted, 50))} ms   p90 ${fmt(percentile(sorted, 90))} ms   p99 ${fmt(p99)} ms   max ${fmt(sorted.at(-1) ?? NaN)} ms   ${p99 < TARGET_P99_MS ? 'within' : 'OVER'} the ${TARGET_P99_MS} ms target`,
    `  throughput   ${((series.latencies.length / series.wallMs) * 1000).toFixed(0)} requests/s over ${(series.wallMs / 1000).toFixed(1)} s`,
    ...(series.refused.length > 0 ? [`  first refusal: ${series.refused[0]}`] : []),
  ].join('\n');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const projectsAt = args.indexOf('--projects');
  const projectCount = wholeNumber(projectsAt === -1 ? undefined : args[projectsAt + 1], 2_000, '--projects');
  const rest = args.filter((_, i) => i !== projectsAt && i !== projectsAt + 1);
  if (rest.some((a) => a.startsWith('--'))) {
    console.error('options-latency: usage: npx tsx bench/options-latency.ts [count] [--projects N]');
    process.exit(2);
  }
  const count = wholeNumber(rest[0], 300, 'count');

  const running: (() => Promise<void>)[] = [];
  try {
    const ids: string[] = [];
    const { slack, openai, driver, warnings } = await startEmulatedKeywarden({
      redisUrl: REDIS_URL,
      running,
      seed: (openai) => {
        for (let i = 0; i < projectCount; i += 1) {
          ids.push(openai.addProject({ name: `${WORDS[i % WORDS.length]} ${WORDS[Math.floor(i / WORDS.length) % WORDS.length]} ${i + 1}` }).id);
        }
        for (let i = 0; i < 50; i += 1) openai.addProject({ name: `Archived ${i}`, status: 'archived' });
      },
    });

    await driver.slashCommand({ userId: REQUESTER, text: 'request', channelId: CHANNEL });
    const deadline = Date.now() + 30_000;
    let form = slack.views(REQUESTER).find((v) => v.callback_id === VIEW.requestKey);
    while (!form && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 25));
      form = slack.views(REQUESTER).find((v) => v.callback_id === VIEW.requestKey);
    }
    if (!form) throw new Error('the request form did not open');
    const viewId = form.id;
    const suggest = (value: string) => driver.suggestOptions({ userId: REQUESTER, viewId, actionId: INPUT.project.action, value });
    // untimed: wait for the start-up refresh to have read the projects
    while ((await suggest('')).options.length === 0) {
      if (Date.now() > deadline) throw new Error('the picker never offered a project');
      await new Promise((r) => setTimeout(r, 100));
    }

    const last = projectCount;
    const queries = [
      '', 's', 'su', 'sup', 'support', 'support data', `${last}`, `vision ${last}`, 'ledgr', 'plaform serch', 'zzzz',
      ids[projectCount - 1] ?? '', (ids[Math.floor(projectCount / 2)] ?? '').slice(0, 14), 'growth mobile 1', 'archived',
    ];
    const send = (i: number) => suggest(queries[i % queries.length] ?? '');
    const sequential = await runSeries('sequential (1 in flight)', count, 1, send);
    const parallel = await runSeries(`concurrent (${IN_FLIGHT} in flight)`, count, IN_FLIGHT, send);
    console.log(`block_suggestion latency of the request form's project picker, ${projectCount} active projects, ${count} requests per series, node ${process.version}`);
    console.log(report(sequential));
    console.log(report(parallel));
    console.log(`app warnings logged: ${warnings()}`);
    console.log(`OpenAI project listings during the series: ${openai.callsTo('GET', /\/v1\/organization\/projects$/).length} page requests in all (start-up refresh included)`);
  } finally {
    for (const stop of running.reverse()) await stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`options-latency failed: ${(error as Error).stack ?? String(error)}`);
    process.exit(1);
  },
);
