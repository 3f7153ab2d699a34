/**
 * `npm run sandbox`: keywarden in a browser page over the Slack and OpenAI emulators. No Slack workspace, no OpenAI
 * account, no token; only a Redis (found or started here). PORT picks the page's port, else 3000 or the next free one.
 * KEYWARDEN_SANDBOX_NOW (an ISO instant, e.g. 2027-02-28T23:30:00Z) starts the sandbox's clock there instead of now.
 * `npm run sandbox -- --socket` runs keywarden in Socket Mode (an app-level token and a WebSocket to the emulated
 * Slack) instead of HTTP; any other argument is refused.
 */
import type { Config } from '../platform/config/config.js';
import { startSandbox } from './sandbox.js';
import { locateRedis } from './redisLocator.js';
import { redisUrlForDisplay } from '../platform/redis/redis.js';
import { clockStartingAt, parseSandboxNow } from './clock.js';

const DEFAULT_PORT = 3000;
const PORT_ATTEMPTS = 50;
const LOG_LEVELS: readonly Config['logLevel'][] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a !== '--socket');
  if (unknown.length > 0) {
    console.error(`keywarden sandbox: unknown argument ${unknown.map((a) => `“${a}”`).join(', ')}. Use \`npm run sandbox\` (HTTP) or \`npm run sandbox -- --socket\` (Socket Mode).`);
    process.exit(2);
  }
  const slackMode = args.includes('--socket') ? 'socket' : 'http';
  const location = await locateRedis(process.env);
  if (!location.found) {
    console.error(location.message);
    process.exit(2);
  }
  const { redis } = location;
  const fixedPort = process.env.PORT?.trim();
  const port = fixedPort ? Number(fixedPort) : DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    console.error(`keywarden sandbox: PORT must be a TCP port number, not “${fixedPort}”.`);
    await redis.stop();
    process.exit(2);
  }
  const logLevel = process.env.LOG_LEVEL?.trim();
  if (logLevel && !LOG_LEVELS.includes(logLevel as Config['logLevel'])) {
    console.error(`keywarden sandbox: LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, not “${logLevel}”.`);
    await redis.stop();
    process.exit(2);
  }
  const startAt = parseSandboxNow(process.env.KEYWARDEN_SANDBOX_NOW);
  if (!startAt.ok) {
    console.error(`keywarden sandbox: ${startAt.message}`);
    await redis.stop();
    process.exit(2);
  }
  let sandbox;
  try {
    sandbox = await startSandbox({
      now: clockStartingAt(startAt.startMs),
      redisUrl: redis.url,
      port,
      portAttempts: fixedPort ? 1 : PORT_ATTEMPTS,
      slackMode,
      ...(logLevel ? { logLevel: logLevel as Config['logLevel'] } : {}),
    });
  } catch (error) {
    await redis.stop();
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      console.error(
        fixedPort
          ? `keywarden sandbox: PORT=${port} is in use; choose another port, or unset PORT to take the first free one from ${DEFAULT_PORT}.`
          : `keywarden sandbox: ports ${DEFAULT_PORT}–${DEFAULT_PORT + PORT_ATTEMPTS - 1} are all in use; set PORT to a free one.`,
      );
      process.exit(2);
    }
    throw error;
  }
  const shown = redisUrlForDisplay(redis.url);
  const redisNote = { REDIS_URL: `REDIS_URL (${shown})`, local: `the Redis on ${shown}`, private: `a private redis-server on ${shown}, stopped on exit` }[redis.source];
  console.log(
    [
      `keywarden sandbox ready in ${process.uptime().toFixed(2)} s: ${sandbox.url}`,
      `  Slack (${slackMode === 'socket' ? 'Socket Mode: keywarden holds a WebSocket to the emulated Slack' : 'HTTP: signed requests to keywarden'}) and OpenAI are emulated on loopback; nothing leaves this machine. Redis: ${redisNote}, namespace "${sandbox.namespace}" (cleared now and on exit).`,
      ...(startAt.startMs === null ? [] : [`  The sandbox's clock started at ${new Date(startAt.startMs).toISOString()} (KEYWARDEN_SANDBOX_NOW).`]),
      '  “Time & spend” (top right) adds spend and runs a spend poll; keywarden also polls every 5 minutes. Ctrl-C stops everything.',
    ].join('\n'),
  );

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`keywarden sandbox: ${signal}, stopping`);
    await sandbox.stop();
    await redis.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(`keywarden sandbox failed to start: ${(error as Error).message}`);
  process.exit(1);
});
