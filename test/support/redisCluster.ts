/**
 * A real Redis Cluster on loopback for tests: six `redis-server`s (three primaries, one replica each) on free ports
 * in a temporary directory, joined with `redis-cli --cluster create`. It never touches the Redis on 6379, and
 * `stop()` kills every server and removes the directory. Failing over is real: `killPrimaryOf(key)` SIGKILLs the
 * primary serving a key's slot, and its replica takes over after `cluster-node-timeout`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, Redis } from 'ioredis';
import { answersPing, freePort } from '../../src/sandbox/redisLocator.js';

export interface ClusterNode {
  readonly port: number;
  running(): boolean;
}

export interface LocalRedisCluster {
  readonly nodes: readonly ClusterNode[];
  /** `127.0.0.1:p1,127.0.0.1:p2,…`: the value for REDIS_CLUSTER_NODES */
  readonly seeds: string;
  /** a Cluster client for the test itself (opened on first use; commands wait out a failover) */
  client(): Cluster;
  /** the hash slot of a key, as the cluster computes it (CLUSTER KEYSLOT) */
  keySlot(key: string): Promise<number>;
  /** the port of the primary serving `slot`, as the running nodes report it */
  primaryPortOf(slot: number): Promise<number | null>;
  /**
   * SIGKILLs the primary serving `key`'s slot. Resolves with the killed port and Date.now() of the kill; the replica
   * takes over after the node timeout (`waitForNewPrimary`).
   */
  killPrimaryOf(key: string): Promise<{ port: number; killedAt: number; slot: number }>;
  /** SIGKILLs the replicas of the primary serving `key`'s slot (so that killing the primary then takes the slot down for good); resolves with their ports */
  killReplicasOf(key: string): Promise<number[]>;
  /** SIGKILLs the node on `port` (no failover is waited for) */
  kill(port: number): Promise<void>;
  /** starts a killed node again on its port, with its cluster config (it rejoins with no data); resolves once it answers PING */
  restart(port: number): Promise<void>;
  /** waits until a running node other than `oldPort` serves `slot` and every running node says cluster_state:ok */
  waitForNewPrimary(slot: number, oldPort: number, timeoutMs?: number): Promise<{ port: number; at: number }>;
  /** for a failure message: each running node's CLIENT LIST (one line per connection), keyed by port */
  clientLists(): Promise<Record<number, string[]>>;
  /** whether every running node reports cluster_state:ok */
  allOk(): Promise<boolean>;
  stop(): Promise<void>;
}

export interface LocalRedisClusterOptions {
  /** cluster-node-timeout: how long a primary may be silent before its replica takes over; 2000 ms by default */
  readonly nodeTimeoutMs?: number;
}

const MISSING = 'redis-server and redis-cli (Redis 7) are needed for the Redis Cluster tests and were not found on PATH: run ./setup (it installs Debian’s redis-server and redis-tools).';

/** Starts the six nodes, creates the cluster and waits until every node reports cluster_state:ok. */
export async function startLocalRedisCluster(opts: LocalRedisClusterOptions = {}): Promise<LocalRedisCluster> {
  for (const tool of ['redis-server', 'redis-cli']) {
    const probe = spawnSync(tool, ['--version'], { encoding: 'utf8' });
    if (probe.error || probe.status !== 0) throw new Error(MISSING);
  }
  const dir = mkdtempSync(join(tmpdir(), 'kw-cluster-'));
  const children: ChildProcess[] = [];
  const output: string[] = [];
  const nodes: ClusterNode[] = [];
  const admin = new Map<number, Redis>();
  let client: Cluster | null = null;

  const stop = async () => {
    client?.disconnect();
    for (const c of admin.values()) c.disconnect();
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGKILL');
          }),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    const used = new Set<number>();
    const port = async () => {
      for (;;) {
        const p = await freePort();
        if (!used.has(p)) {
          used.add(p);
          return p;
        }
      }
    };
    const spawnNode = (p: number, bus: number, index: number) => {
      const child = spawn(
        'redis-server',
        [
          '--port', String(p),
          '--cluster-port', String(bus),
          '--bind', '127.0.0.1',
          '--cluster-enabled', 'yes',
          '--cluster-config-file', `nodes-${p}.conf`,
          '--cluster-node-timeout', String(opts.nodeTimeoutMs ?? 2_000),
          '--save', '',
          '--appendonly', 'no',
          '--dir', dir,
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      child.stdout?.on('data', (chunk: Buffer) => output.push(`[${p}] ${chunk.toString('utf8')}`));
      child.stderr?.on('data', (chunk: Buffer) => output.push(`[${p}] ${chunk.toString('utf8')}`));
      children[index] = child;
    };
    const buses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const p = await port();
      const bus = await port();
      buses.push(bus);
      spawnNode(p, bus, i);
      nodes.push({ port: p, running: () => children[i]!.exitCode === null && children[i]!.signalCode === null });
    }
    for (const node of nodes) {
      const deadline = Date.now() + 10_000;
      while (!(await answersPing('127.0.0.1', node.port, 300))) {
        if (!node.running()) throw new Error(`redis-server on ${node.port} exited at start:\n${output.join('')}`);
        if (Date.now() > deadline) throw new Error(`redis-server on ${node.port} did not answer PING within 10 s`);
        await sleep(20);
      }
    }
    const created = await run('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '1', '--cluster-yes']);
    if (created.code !== 0) throw new Error(`redis-cli --cluster create failed (${created.code}):\n${created.output}`);

    const adminOf = (p: number) => {
      let c = admin.get(p);
      if (!c) {
        c = new Redis({ host: '127.0.0.1', port: p, protocol: 2, connectTimeout: 500, maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
        c.on('error', () => undefined);
        admin.set(p, c);
      }
      return c;
    };
    const running = () => nodes.filter((n) => n.running());
    const allOk = async () => {
      for (const n of running()) {
        const info = await adminOf(n.port).cluster('INFO').catch(() => '');
        if (!/cluster_state:ok/.test(String(info))) return false;
      }
      return true;
    };
    const deadline = Date.now() + 20_000;
    while (!(await allOk())) {
      if (Date.now() > deadline) throw new Error('the test cluster did not reach cluster_state:ok within 20 s');
      await sleep(100);
    }

    const primaryPortOf = async (slot: number): Promise<number | null> => {
      for (const n of running()) {
        const slots = (await adminOf(n.port).cluster('SLOTS').catch(() => null)) as [number, number, [string, number, string]][] | null;
        if (!slots) continue;
        const range = slots.find(([from, to]) => slot >= from && slot <= to);
        return range ? Number(range[2][1]) : null;
      }
      return null;
    };
    const replicaPortsOf = async (slot: number): Promise<number[]> => {
      for (const n of running()) {
        const slots = (await adminOf(n.port).cluster('SLOTS').catch(() => null)) as [number, number, ...[string, number, string][]][] | null;
        if (!slots) continue;
        const range = slots.find(([from, to]) => slot >= from && slot <= to);
        return range ? (range.slice(3) as [string, number, string][]).map((r) => Number(r[1])) : [];
      }
      return [];
    };
    const kill = async (p: number) => {
      const index = nodes.findIndex((n) => n.port === p);
      if (index < 0) throw new Error(`no node on ${p}`);
      const child = children[index]!;
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGKILL');
      await exited;
      admin.get(p)?.disconnect();
      admin.delete(p);
    };
    const keySlot = async (key: string) => Number(await adminOf(running()[0]!.port).cluster('KEYSLOT', key));

    return {
      nodes,
      seeds: nodes.map((n) => `127.0.0.1:${n.port}`).join(','),
      client() {
        client ??= new Cluster(
          nodes.map((n) => ({ host: '127.0.0.1', port: n.port })),
          { redisOptions: { protocol: 2, connectTimeout: 500 }, retryDelayOnFailover: 200, retryDelayOnClusterDown: 200, maxRedirections: 100 },
        );
        client.on('error', () => undefined);
        return client;
      },
      keySlot,
      primaryPortOf,
      async killPrimaryOf(key) {
        const slot = await keySlot(key);
        const p = await primaryPortOf(slot);
        if (p === null) throw new Error(`no running primary serves slot ${slot}`);
        const killedAt = Date.now();
        await kill(p);
        return { port: p, killedAt, slot };
      },
      async restart(p) {
        const index = nodes.findIndex((n) => n.port === p);
        if (index < 0) throw new Error(`no node on ${p}`);
        if (nodes[index]!.running()) return;
        spawnNode(p, buses[index]!, index);
        const deadline = Date.now() + 10_000;
        while (!(await answersPing('127.0.0.1', p, 300))) {
          if (Date.now() > deadline) throw new Error(`redis-server on ${p} did not answer PING within 10 s after a restart:\n${output.slice(-10).join('')}`);
          await sleep(20);
        }
      },
      allOk,
      kill,
      async killReplicasOf(key) {
        const ports = await replicaPortsOf(await keySlot(key));
        for (const p of ports) await kill(p);
        return ports;
      },
      async waitForNewPrimary(slot, oldPort, timeoutMs = 20_000) {
        const until = Date.now() + timeoutMs;
        for (;;) {
          const p = await primaryPortOf(slot);
          if (p !== null && p !== oldPort && (await allOk())) return { port: p, at: Date.now() };
          if (Date.now() > until) throw new Error(`no replica took over slot ${slot} from ${oldPort} within ${timeoutMs} ms`);
          await sleep(50);
        }
      },
      async clientLists() {
        const lists: Record<number, string[]> = {};
        for (const n of running()) {
          const raw = await adminOf(n.port).client('LIST').catch((error: Error) => `unreadable: ${error.message}`);
          lists[n.port] = String(raw).split('\n').filter(Boolean);
        }
        return lists;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function run(cmd: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.once('exit', (code) => resolve({ code, output }));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
