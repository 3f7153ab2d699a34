/**
 * Finds a Redis for the sandbox: REDIS_URL when set; else a Redis answering on 127.0.0.1:6379; else a private
 * `redis-server` (no persistence) on a free port, stopped with the sandbox; else a message saying how to get one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, createConnection } from 'node:net';
import { tmpdir } from 'node:os';

export type RedisSource = 'REDIS_URL' | 'local' | 'private';

export interface LocatedRedis {
  readonly url: string;
  readonly source: RedisSource;
  /** stops the private redis-server; nothing for the others */
  stop(): Promise<void>;
}

export type RedisLocation = { readonly found: true; readonly redis: LocatedRedis } | { readonly found: false; readonly message: string };

export interface LocateRedisOptions {
  /** where to look for a running Redis; default 127.0.0.1:6379 */
  readonly localPort?: number;
  /** the executable to start when none runs; default `redis-server` from PATH */
  readonly serverCommand?: string;
}

export const REDIS_MISSING_MESSAGE = [
  'keywarden sandbox needs Redis, and found none:',
  '  - REDIS_URL is not set,',
  '  - nothing answers PING on 127.0.0.1:6379,',
  '  - and redis-server is not on PATH.',
  'Get one of these, then run the sandbox again:',
  '  Debian/Ubuntu:  sudo apt-get install redis-server',
  '  macOS:          brew install redis',
  '  Docker:         docker run --rm -p 6379:6379 redis:7',
  'or point REDIS_URL at a Redis you have (e.g. REDIS_URL=redis://127.0.0.1:6380).',
].join('\n');

const nothingToStop = async (): Promise<void> => undefined;

export async function locateRedis(env: Readonly<Record<string, string | undefined>>, opts: LocateRedisOptions = {}): Promise<RedisLocation> {
  const fromEnv = env.REDIS_URL?.trim();
  if (fromEnv) return { found: true, redis: { url: fromEnv, source: 'REDIS_URL', stop: nothingToStop } };
  const localPort = opts.localPort ?? 6379;
  if (await answersPing('127.0.0.1', localPort)) {
    return { found: true, redis: { url: `redis://127.0.0.1:${localPort}`, source: 'local', stop: nothingToStop } };
  }
  const started = await startPrivateRedis(opts.serverCommand ?? 'redis-server');
  if (started) return { found: true, redis: started };
  return { found: false, message: REDIS_MISSING_MESSAGE };
}

/** True when a Redis answers `PING` with `+PONG` on host:port within timeoutMs. */
export function answersPing(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    let answer = '';
    const socket = createConnection({ host, port });
    const finish = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('utf8');
      if (answer.includes('\r\n')) finish(answer.startsWith('+PONG'));
    });
    socket.on('error', () => finish(false));
    socket.on('close', () => finish(answer.startsWith('+PONG')));
  });
}

/** A loopback TCP port nothing listened on a moment ago (the OS picked it for a socket that was closed at once). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A redis-server of our own, with persistence off; null when the command cannot be started. */
async function startPrivateRedis(command: string): Promise<LocatedRedis | null> {
  const port = await freePort();
  let child: ChildProcess;
  try {
    child = spawn(command, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', tmpdir()], {
      stdio: 'ignore',
    });
  } catch {
    return null;
  }
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  let failed = false;
  child.once('error', () => {
    failed = true;
  });
  const stopOnExit = () => child.kill('SIGKILL');
  process.once('exit', stopOnExit);
  const deadline = Date.now() + 5_000;
  while (!failed && child.exitCode === null && Date.now() < deadline) {
    if (await answersPing('127.0.0.1', port, 200)) {
      return {
        url: `redis://127.0.0.1:${port}`,
        source: 'private',
        async stop() {
          process.off('exit', stopOnExit);
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          await exited;
        },
      };
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  process.off('exit', stopOnExit);
  if (child.exitCode === null && !failed) child.kill('SIGKILL');
  return null;
}
