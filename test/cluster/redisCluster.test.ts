/** The test cluster itself: six nodes in a temporary directory, never the Redis on 6379, all gone after stop(). */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { startLocalRedisCluster } from '../support/redisCluster.js';

describe('startLocalRedisCluster', () => {
  it('fails with a message naming ./setup when redis-server or redis-cli is missing', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await expect(startLocalRedisCluster()).rejects.toThrow(/run \.\/setup/);
    } finally {
      process.env.PATH = path;
    }
  });

  it('starts three primaries with a replica each on free ports, and stops and removes them all', async () => {
    const cluster = await startLocalRedisCluster();
    let dirs: string[] = [];
    try {
      expect(cluster.nodes).toHaveLength(6);
      expect(cluster.nodes.map((n) => n.port)).not.toContain(6379);
      const client = cluster.client();
      expect(String(await client.cluster('INFO'))).toMatch(/cluster_state:ok/);
      expect(client.nodes('master')).toHaveLength(3);
      dirs = (await Promise.all(client.nodes('all').map((n) => n.config('GET', 'dir')))).map((r) => (r as string[])[1]!);
      expect(new Set(dirs).size).toBe(1);
      await client.set('{kw}:probe', '1');
      expect(await cluster.primaryPortOf(await cluster.keySlot('{kw}:probe'))).toBeGreaterThan(0);
    } finally {
      await cluster.stop();
    }
    expect(cluster.nodes.every((n) => !n.running())).toBe(true);
    expect(existsSync(dirs[0]!)).toBe(false);
  }, 60_000);
});
