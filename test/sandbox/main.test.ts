/** `npm run sandbox` as a process: it prints where the page is, serves it, and stops cleanly on SIGTERM. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSX = `${ROOT}node_modules/.bin/tsx`;
// Database 15 keeps this run's sandbox namespace away from a sandbox someone runs on database 0.
const REDIS_URL = (() => {
  const url = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  url.pathname = '/15';
  return url.toString();
})();

describe('src/sandbox/main.ts', () => {
  it('starts, prints the URL and its start-up time, serves the page, and stops on SIGTERM', async () => {
    const started = performance.now();
    const child = spawn(TSX, ['src/sandbox/main.ts'], { cwd: ROOT, env: { ...process.env, REDIS_URL, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no URL printed in 20 s; stdout: ${stdout} stderr: ${stderr}`)), 20_000);
        child.stdout.on('data', () => {
          const match = /ready in (\d+\.\d\d) s: (http:\/\/localhost:\d+\/)/.exec(stdout);
          if (match) {
            clearTimeout(timer);
            resolve(match[2]!);
          }
        });
      });
      const page = await fetch(url.replace('localhost', '127.0.0.1'));
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('keywarden sandbox');
      console.log(`sandbox process: page answered ${((performance.now() - started) / 1000).toFixed(2)} s after spawn`);
      expect(stdout).toContain('nothing leaves this machine');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(stdout).toContain('SIGTERM, stopping');
    expect(stderr).not.toMatch(/error/i);
    // its own namespace, named after its port, cleared on exit
    const port = /localhost:(\d+)\//.exec(stdout)![1];
    expect(stdout).toContain(`namespace "sandbox-${port}" (cleared now and on exit)`);

    const redis = new Redis(REDIS_URL, { protocol: 2 });
    try {
      const [, keys] = await redis.scan('0', 'MATCH', `sandbox-${port}:*`, 'COUNT', 10_000);
      expect(keys).toEqual([]);
    } finally {
      redis.disconnect();
    }
  }, 40_000);

  it('refuses a KEYWARDEN_SANDBOX_NOW that is not an ISO instant, saying the form', async () => {
    const child = spawn(TSX, ['src/sandbox/main.ts'], { cwd: ROOT, env: { ...process.env, REDIS_URL, PORT: '0', KEYWARDEN_SANDBOX_NOW: '28/02/2027' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(code).toBe(2);
    expect(stderr.trim()).toBe('keywarden sandbox: KEYWARDEN_SANDBOX_NOW must be a moment in ISO 8601 with its zone, e.g. 2027-02-28T23:30:00Z, not “28/02/2027”.');
  }, 20_000);
});
