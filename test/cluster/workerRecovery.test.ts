/**
 * The `queue` connection (src/platform/redis/connection.ts) through a Redis Cluster that goes down and comes back:
 * its `connect()` must settle while the cluster reports `cluster_state:fail`, and a BullMQ worker on it must take
 * jobs again once the cluster is back. Both failed before the queue connection turned the cluster's ready check off
 * (ioredis leaves the `connect()` promise pending when that check fails: https://github.com/redis/ioredis/pull/741),
 * which wedged the workers of a real failover for good.
 *
 * The shard tests take the `{kw}` slot down by killing its primary's replicas first, then the primary, and start
 * them again; the last test does the same with every node at once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Queue, Worker } from 'bullmq';
import { createRedisClient, parseClusterNodes, type RedisClient } from '../../src/platform/redis/connection.js';
import { startLocalRedisCluster, type LocalRedisCluster } from '../support/redisCluster.js';
import { waitUntil } from '../support/harness.js';

const NODE_TIMEOUT_MS = 1_000;
const QUEUE_NAME = 'recovery';
const PREFIX = 'recovery:{kw}';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let cluster: LocalRedisCluster | undefined;
const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
  await cluster?.stop();
  cluster = undefined;
}, 30_000);

function queueClient(c: LocalRedisCluster): RedisClient {
  const target = parseClusterNodes(c.seeds);
  if (!target.ok) throw new Error(target.error);
  const client = createRedisClient(target.value, 'queue');
  client.on('error', () => undefined);
  closers.push(async () => client.disconnect());
  return client;
}

/** Kills the replicas, then the primary, of the slot of `{kw}`; resolves with the primary's port once a running node says cluster_state:fail. */
async function takeDownKwSlot(c: LocalRedisCluster): Promise<{ primary: number; replicas: number[] }> {
  const replicas = await c.killReplicasOf(`${PREFIX}:x`);
  const { port } = await c.killPrimaryOf(`${PREFIX}:x`);
  await waitUntil(async () => !(await c.allOk()) || undefined, 20_000, 'the cluster to report cluster_state:fail');
  return { primary: port, replicas };
}

/**
 * A BullMQ worker and a queue, each on its own queue connection; resolves once a first job has run. `drainDelay`
 * 1 s: BullMQ's watchdog on a blocking read that does not return fires after 2 s, and then resets the blocking
 * connection (disconnect, connect): the path that never came back.
 */
async function startWorkerAndQueue(c: LocalRedisCluster): Promise<{ queue: Queue; done: number[] }> {
  const done: number[] = [];
  const worker = new Worker(QUEUE_NAME, async (job) => void done.push(job.data.n as number), { connection: queueClient(c), prefix: PREFIX, drainDelay: 1 });
  worker.on('error', () => undefined);
  closers.push(() => worker.close(true));
  const queue = new Queue(QUEUE_NAME, { connection: queueClient(c), prefix: PREFIX });
  queue.on('error', () => undefined);
  closers.push(() => queue.close());
  await queue.add('n', { n: 1 });
  await waitUntil(() => done.includes(1) || undefined, 10_000, 'job 1 to run');
  return { queue, done };
}

/** Once every running node says cluster_state:ok, adds job 2 and resolves with the ms it took to run. */
async function msUntilJob2Runs(c: LocalRedisCluster, queue: Queue, done: number[]): Promise<number> {
  await waitUntil(async () => (await c.allOk()) || undefined, 30_000, 'the cluster to report cluster_state:ok again');
  await queue.add('n', { n: 2 });
  const startedAt = Date.now();
  await waitUntil(() => done.includes(2) || undefined, 30_000, 'job 2 to run after the cluster came back');
  return Date.now() - startedAt;
}

describe('the queue connection through a cluster that goes down and comes back', () => {
  it('settles connect() while the cluster reports cluster_state:fail', async () => {
    cluster = await startLocalRedisCluster({ nodeTimeoutMs: NODE_TIMEOUT_MS });
    const client = queueClient(cluster);
    await client.set(`${PREFIX}:x`, '1');
    await takeDownKwSlot(cluster);
    await new Promise<void>((resolve) => {
      client.once('end', () => resolve());
      client.disconnect();
    });

    const outcome = await Promise.race([
      client.connect().then(
        () => 'resolved',
        (error: Error) => `rejected: ${error.message}`,
      ),
      sleep(8_000).then(() => 'still pending after 8 s'),
    ]);
    expect(outcome).toBe('resolved');
  }, 60_000);

  it('a BullMQ worker on it takes jobs again once the cluster is back', async () => {
    cluster = await startLocalRedisCluster({ nodeTimeoutMs: NODE_TIMEOUT_MS });
    const { queue, done } = await startWorkerAndQueue(cluster);

    const { primary, replicas } = await takeDownKwSlot(cluster);
    await sleep(5_000); // the watchdog fires and resets the blocking connection while the slot is down
    for (const port of [primary, ...replicas]) await cluster.restart(port);

    const ms = await msUntilJob2Runs(cluster, queue, done);
    console.log(`[measured] worker recovery: job 2 ran ${ms} ms after it was added to the recovered cluster`);
    expect(done).toEqual([1, 2]);
  }, 120_000);

  it('a BullMQ worker on it takes jobs again after every node was down and came back', async () => {
    cluster = await startLocalRedisCluster({ nodeTimeoutMs: NODE_TIMEOUT_MS });
    const { queue, done } = await startWorkerAndQueue(cluster);

    const ports = cluster.nodes.map((n) => n.port);
    for (const port of ports) await cluster.kill(port);
    await sleep(5_000); // nothing answers: every reconnection attempt is refused
    for (const port of ports) await cluster.restart(port);

    const ms = await msUntilJob2Runs(cluster, queue, done);
    console.log(`[measured] worker recovery after a whole-cluster outage: job 2 ran ${ms} ms after it was added`);
    expect(done).toEqual([1, 2]);
  }, 120_000);
});
