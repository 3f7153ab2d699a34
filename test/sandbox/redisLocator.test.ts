/** Finding a Redis for the sandbox: REDIS_URL, a running local one, a private redis-server, or advice. */
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { REDIS_MISSING_MESSAGE, answersPing, locateRedis } from '../../src/sandbox/redisLocator.js';

const LOCAL_REDIS = process.env.REDIS_URL === undefined || process.env.REDIS_URL === 'redis://127.0.0.1:6379';
const HAS_REDIS_SERVER = (() => {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** A loopback port nothing listens on (taken, then given back). */
async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('locateRedis', () => {
  it('takes REDIS_URL as given, without probing it', async () => {
    const location = await locateRedis({ REDIS_URL: 'redis://redis.internal:6380/2' }, { localPort: await closedPort(), serverCommand: '/nonexistent/redis-server' });
    expect(location.found && location.redis.url).toBe('redis://redis.internal:6380/2');
    expect(location.found && location.redis.source).toBe('REDIS_URL');
  });

  it.skipIf(!LOCAL_REDIS)('uses the Redis answering PING on 127.0.0.1:6379', async () => {
    expect(await answersPing('127.0.0.1', 6379)).toBe(true);
    const location = await locateRedis({});
    expect(location.found && location.redis).toMatchObject({ url: 'redis://127.0.0.1:6379', source: 'local' });
  });

  it('does not take something that is not Redis for Redis', async () => {
    const server = createServer((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      expect(await answersPing('127.0.0.1', (server.address() as { port: number }).port)).toBe(false);
      expect(await answersPing('127.0.0.1', await closedPort())).toBe(false);
    } finally {
      server.close();
    }
  });

  it.skipIf(!HAS_REDIS_SERVER)('starts a private redis-server when none answers, and stops it', async () => {
    const location = await locateRedis({}, { localPort: await closedPort() });
    if (!location.found) throw new Error(location.message);
    expect(location.redis.source).toBe('private');
    const port = Number(new URL(location.redis.url).port);
    expect(await answersPing('127.0.0.1', port)).toBe(true);
    await location.redis.stop();
    expect(await answersPing('127.0.0.1', port)).toBe(false);
  });

  it('says how to get Redis when there is none to use or start', async () => {
    const location = await locateRedis({ REDIS_URL: '  ' }, { localPort: await closedPort(), serverCommand: '/nonexistent/redis-server' });
    expect(location.found).toBe(false);
    if (location.found) return;
    expect(location.message).toBe(REDIS_MISSING_MESSAGE);
    expect(location.message).toContain('apt-get install redis-server');
    expect(location.message).toContain('brew install redis');
    expect(location.message).toContain('docker run --rm -p 6379:6379 redis:7');
  });
});
