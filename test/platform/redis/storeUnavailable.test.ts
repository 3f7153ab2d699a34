/**
 * The `commands` connection raises one typed error, StoreUnavailableError, when Redis cannot serve a store call:
 * against a port nothing listens on, a real redis-server killed under it, a cluster with no reachable seed, and a
 * cluster node that answers CLUSTERDOWN. An answer from a working Redis (WRONGTYPE, a script error) stays as it is.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../../src/platform/redis/auditLog.js';
import { createRedisClient, readyWithin, type RedisClient } from '../../../src/platform/redis/connection.js';
import { compareAndSet } from '../../../src/platform/redis/documents.js';
import { createRedis, redisKeys } from '../../../src/platform/redis/redis.js';
import { StoreUnavailableError } from '../../../src/platform/redis/storeUnavailable.js';
import { describeListenerFailure } from '../../../src/platform/slack/context.js';
import { isStoreUnavailable } from '../../../src/platform/redis/storeUnavailable.js';
import { answersPing, freePort } from '../../../src/sandbox/redisLocator.js';
import { SpawnedProcesses } from '../../support/processes.js';

const keys = redisKeys(`t-unavailable-${process.pid}`);
const entry = { actor: 'U0ACTOR', action: 'request.open', target: 'req_1', outcome: 'ok', at: 1_767_225_600_000 };
const clients: RedisClient[] = [];

function commandsClient(url: string): Redis {
  const client = createRedis(url, 'commands');
  client.on('error', () => undefined);
  clients.push(client);
  return client;
}

/** The error a call rejected with (fails the test when it resolves). */
async function failureOf(call: Promise<unknown>): Promise<Error> {
  try {
    await call;
  } catch (error) {
    return error as Error;
  }
  throw new Error('the store call succeeded');
}

/** The store calls of every shape the stores use: one command, a Lua script, MULTI/EXEC. */
function storeCalls(redis: RedisClient): Record<string, () => Promise<unknown>> {
  return {
    command: () => new AuditLog(redis, keys).append(entry),
    script: () => compareAndSet(redis, { doc: keys.request('r1'), secret: keys.secret('r1') }, ['pending'], { state: 'approved' }),
    transaction: () => redis.multi().set(keys.custom('a'), '1').expire(keys.custom('a'), 60).exec(),
  };
}

/**
 * Every shape rejects with the typed error. A pipeline on one server resolves with one [error, reply] per command,
 * each error the typed one; on a cluster without a slot map the pipeline itself rejects with it.
 */
async function expectAllUnavailable(redis: RedisClient, pipeline: 'per command' | 'whole'): Promise<void> {
  for (const [shape, call] of Object.entries(storeCalls(redis))) {
    const error = await failureOf(call());
    expect({ shape, name: error.name }).toEqual({ shape, name: 'StoreUnavailableError' });
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as StoreUnavailableError).cause).toBeInstanceOf(Error);
    expect(isStoreUnavailable(error)).toBe(true);
  }
  const sent = () => redis.pipeline().set(keys.custom('b'), '1').get(keys.custom('b')).exec();
  if (pipeline === 'whole') {
    expect(await failureOf(sent())).toBeInstanceOf(StoreUnavailableError);
  } else {
    const replies = (await sent()) ?? [];
    expect(replies.map(([error]) => error?.name)).toEqual(['StoreUnavailableError', 'StoreUnavailableError']);
  }
}

afterAll(() => {
  for (const client of clients) client.disconnect();
});

describe('a Redis that cannot be reached', () => {
  it('rejects every shape of store call with StoreUnavailableError when nothing listens on the port', async () => {
    const redis = commandsClient(`redis://127.0.0.1:${await freePort()}`);
    await expectAllUnavailable(redis, 'per command');
    const error = await failureOf(new AuditLog(redis, keys).append(entry));
    expect(error.message).toBe("Stream isn't writeable and enableOfflineQueue options is false");
    expect(describeListenerFailure(error)).toBe('keywarden cannot reach its store right now, try again in a minute.');
  });

  it('rejects with StoreUnavailableError on a cluster none of whose seeds answers', async () => {
    const cluster = createRedisClient({ kind: 'cluster', nodes: [{ host: '127.0.0.1', port: await freePort() }], username: null, password: null, tls: false }, 'commands');
    cluster.on('error', () => undefined);
    clients.push(cluster);
    await expectAllUnavailable(cluster, 'whole');
  });
});

describe('a real redis-server that goes away', () => {
  const processes = new SpawnedProcesses();
  afterAll(() => processes.stopAll(), 20_000);

  it('answers while it runs; once killed, a call in flight and every later call reject with StoreUnavailableError', async () => {
    const server = await processes.startRedis();
    const redis = commandsClient(server.url);
    expect(await readyWithin(redis, 5_000)).toBe(true);
    expect(await new AuditLog(redis, keys).append(entry)).toMatch(/^\d+-\d+$/);

    const inFlight = failureOf(redis.blpop(keys.custom('never'), 2));
    await new Promise((r) => setTimeout(r, 100));
    await server.kill('SIGKILL');
    const lost = await inFlight;
    expect(lost).toBeInstanceOf(StoreUnavailableError);
    expect((lost as StoreUnavailableError).cause.name).toBe('MaxRetriesPerRequestError');

    await expectAllUnavailable(redis, 'per command');
  });
});

describe('answers from a working Redis', () => {
  let redis: Redis;
  beforeAll(async () => {
    redis = commandsClient(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    expect(await readyWithin(redis, 5_000)).toBe(true);
  });
  afterAll(async () => {
    await redis.del(keys.custom('string'));
  });

  it('are not StoreUnavailableError: WRONGTYPE, in a command, a script, a transaction and a pipeline', async () => {
    await redis.set(keys.custom('string'), 'text', 'EX', 60);
    const direct = await failureOf(redis.lpush(keys.custom('string'), 'x'));
    const script = await failureOf(redis.eval("return redis.call('LPUSH', KEYS[1], 'x')", 1, keys.custom('string')));
    const [[inTransaction]] = (await redis.multi().lpush(keys.custom('string'), 'x').exec()) as unknown as [[Error | null]];
    const [[inPipeline]] = (await redis.pipeline().lpush(keys.custom('string'), 'x').exec()) as unknown as [[Error | null]];
    for (const error of [direct, script, inTransaction, inPipeline]) {
      expect(error?.name).toBe('ReplyError');
      expect(error?.message).toMatch(/^WRONGTYPE/);
      expect(isStoreUnavailable(error)).toBe(false);
    }
    expect(describeListenerFailure(direct)).toMatch(/^Something went wrong/);
  });
});

describe('a cluster node that serves no slot', () => {
  let dir: string;
  let port: number;
  let stop: () => Promise<void>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kw-clusterdown-'));
    port = await freePort();
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--cluster-enabled', 'yes'], { stdio: 'ignore' });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    stop = async () => {
      child.kill('SIGKILL');
      await exited;
    };
    const deadline = Date.now() + 10_000;
    while (!(await answersPing('127.0.0.1', port, 300))) {
      if (Date.now() > deadline) throw new Error(`redis-server --cluster-enabled on ${port} did not answer PING`);
      await new Promise((r) => setTimeout(r, 20));
    }
  });
  afterAll(async () => {
    await stop?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers CLUSTERDOWN (a Redis reply meaning the slot is not served), which is StoreUnavailableError', async () => {
    const redis = commandsClient(`redis://127.0.0.1:${port}`);
    expect(await readyWithin(redis, 5_000)).toBe(true);
    const error = await failureOf(new AuditLog(redis, keys).append(entry));
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(error.message).toMatch(/^CLUSTERDOWN/);
    expect((error as StoreUnavailableError).cause.name).toBe('ReplyError');
  });
});
