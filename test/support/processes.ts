/**
 * Real processes for operational tests: keywarden started as `node --import tsx src/main.ts <role>` (exactly as an
 * operator runs it, with its JSON log lines captured), and private `redis-server`s on free loopback ports that a
 * test may kill, stop and start again. Every process is registered with a `SpawnedProcesses` so one call ends them all.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { answersPing, freePort } from '../../src/sandbox/redisLocator.js';

export type KeywardenRole = 'all' | 'web' | 'worker';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Date.now() when the process exited */
  readonly at: number;
}

/** One pino line from keywarden's stdout, parsed. */
export type LogLine = Record<string, unknown> & { level?: number; msg?: string };

export interface KeywardenProcess {
  readonly role: KeywardenRole;
  readonly child: ChildProcess;
  /** the HTTP port, read from the `keywarden started` line */
  readonly port: number;
  /** http://127.0.0.1:<port><path> */
  url(path: string): string;
  /** every line written to stdout so far, as written */
  stdoutLines(): readonly string[];
  /** every line written to stderr so far */
  stderrLines(): readonly string[];
  /** the stdout lines that are JSON objects, parsed */
  logs(): LogLine[];
  /** resolves with the first log line (seen already or later) matching `match` */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs?: number, what?: string): Promise<LogLine>;
  readonly exited: Promise<ProcessExit>;
  /** sends SIGTERM and resolves when it exits; SIGKILL after `graceMs` */
  stop(graceMs?: number): Promise<ProcessExit>;
}

export interface PrivateRedis {
  readonly port: number;
  readonly url: string;
  /** the data directory, when the append-only file is on */
  readonly dir: string | null;
  /** whether a redis-server started by this object is running now */
  running(): boolean;
  /** starts redis-server on this port (again, with the same directory) and waits until it answers PING */
  start(): Promise<void>;
  /** sends `signal` (SIGTERM: Redis writes its AOF and exits cleanly) and waits for the exit */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export interface PrivateRedisOptions {
  /** --appendonly yes in a new temporary directory, so data survives a restart; off by default */
  readonly persistent?: boolean;
  /** false: only reserve the port; nothing listens until start(). true by default */
  readonly start?: boolean;
}

export interface KeywardenProcessOptions {
  /** how long to wait for the `keywarden started` line; 30 s by default */
  readonly startTimeoutMs?: number;
}

/**
 * Starts and remembers child processes; `stopAll` ends every one still running (keywarden with SIGTERM, then
 * SIGKILL; redis-server with SIGKILL) and removes the private Redis directories.
 */
export class SpawnedProcesses {
  private readonly keywardens: KeywardenProcess[] = [];
  private readonly redises: PrivateRedis[] = [];
  private readonly dirs: string[] = [];

  async startRedis(opts: PrivateRedisOptions = {}): Promise<PrivateRedis> {
    const port = await freePort();
    const dir = opts.persistent ? mkdtempSync(join(tmpdir(), 'kw-redis-')) : null;
    if (dir) this.dirs.push(dir);
    let child: ChildProcess | null = null;
    let exit: Promise<void> = Promise.resolve();
    const running = () => child !== null && child.exitCode === null && child.signalCode === null;
    const redis: PrivateRedis = {
      port,
      url: `redis://127.0.0.1:${port}`,
      dir,
      running,
      async start() {
        if (running()) throw new Error(`redis-server on ${port} is already running`);
        const persistence = dir ? ['--appendonly', 'yes', '--dir', dir] : ['--appendonly', 'no', '--dir', tmpdir()];
        const started = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence], { stdio: ['ignore', 'pipe', 'pipe'] });
        const output: string[] = [];
        started.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
        started.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
        child = started;
        exit = new Promise((resolve) => started.once('exit', () => resolve()));
        const deadline = Date.now() + 10_000;
        while (!(await answersPing('127.0.0.1', port, 300))) {
          if (!running()) throw new Error(`redis-server on ${port} exited at start:\n${output.join('')}`);
          if (Date.now() > deadline) throw new Error(`redis-server on ${port} did not answer PING within 10 s`);
          await sleep(20);
        }
      },
      async kill(signal = 'SIGTERM') {
        if (!running()) return;
        child?.kill(signal);
        await exit;
      },
    };
    this.redises.push(redis);
    if (opts.start ?? true) await redis.start();
    return redis;
  }

  async startKeywarden(role: KeywardenRole, env: Readonly<Record<string, string>>, opts: KeywardenProcessOptions = {}): Promise<KeywardenProcess> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', role], {
      cwd: repoRoot,
      env: { ...inheritedEnv(), PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out = lineCollector(child.stdout);
    const err = lineCollector(child.stderr);
    const exited = new Promise<ProcessExit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })));
    const logs = (): LogLine[] => out.lines.map(parseLogLine).filter((line): line is LogLine => line !== null);
    const waitForLog = async (match: (line: LogLine) => boolean, timeoutMs = 15_000, what = 'a matching log line'): Promise<LogLine> => {
      const deadline = Date.now() + timeoutMs;
      let done = false;
      void exited.then(() => (done = true));
      for (;;) {
        const found = logs().find(match);
        if (found) return found;
        if (done || Date.now() > deadline) {
          throw new Error(`keywarden ${role} (pid ${child.pid}): ${done ? 'exited' : 'timed out'} before ${what}\nstdout:\n${out.lines.slice(-30).join('\n')}\nstderr:\n${err.lines.slice(-30).join('\n')}`);
        }
        await sleep(20);
      }
    };
    const stop = async (graceMs = 15_000): Promise<ProcessExit> => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        const exit = await exited;
        clearTimeout(timer);
        return exit;
      }
      return exited;
    };
    let port = 0;
    const running: KeywardenProcess = {
      role,
      child,
      get port() {
        return port;
      },
      url: (path) => `http://127.0.0.1:${port}${path}`,
      stdoutLines: () => out.lines,
      stderrLines: () => err.lines,
      logs,
      waitForLog,
      exited,
      stop,
    };
    this.keywardens.push(running);
    try {
      const startedLine = await waitForLog((l) => l.msg === 'keywarden started', opts.startTimeoutMs ?? 30_000, '"keywarden started"');
      port = Number(startedLine.port);
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }
    return running;
  }

  /** every keywarden process started so far, in order */
  all(): readonly KeywardenProcess[] {
    return this.keywardens;
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.keywardens.map((k) => k.stop(3_000)));
    await Promise.all(this.redises.map((r) => r.kill('SIGKILL')));
    for (const dir of this.dirs) rmSync(dir, { recursive: true, force: true });
  }
}

/** The parent's environment minus anything that would configure keywarden behind the test's back. */
function inheritedEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined) continue;
    if (/^(SLACK_|OPENAI_|KEYWARDEN_|REDIS_URL$|REDIS_CLUSTER_NODES$|PORT$|LOG_LEVEL$)/.test(name)) continue;
    env[name] = value;
  }
  return env;
}

function lineCollector(stream: NodeJS.ReadableStream | null): { lines: string[] } {
  const collected = { lines: [] as string[] };
  let partial = '';
  stream?.on('data', (chunk: Buffer) => {
    const text = partial + chunk.toString('utf8');
    const parts = text.split('\n');
    partial = parts.pop() ?? '';
    collected.lines.push(...parts.filter((p) => p !== ''));
  });
  stream?.on('end', () => {
    if (partial !== '') collected.lines.push(partial);
    partial = '';
  });
  return collected;
}

/** The line as a JSON object, or null when it is not one. */
export function parseLogLine(line: string): LogLine | null {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as LogLine) : null;
  } catch {
    return null;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
