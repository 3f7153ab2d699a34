/** How keywarden's cluster connections are made: credentials and TLS to every node, and the options per role. */
import { Cluster } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createRedisClient, type ClusterRedisTarget } from '../../src/platform/redis/connection.js';

const target: ClusterRedisTarget = {
  kind: 'cluster',
  nodes: [
    { host: 'clustercfg.example.internal', port: 6379 },
    { host: 'node-2.example.internal', port: 6380 },
  ],
  username: 'keywarden',
  password: 'cluster-password-123',
  tls: true,
};

describe('createRedisClient on a cluster', () => {
  it('carries user, password and TLS to every node and keeps host names for the certificate check', async () => {
    const client = createRedisClient(target, 'commands', { lazyConnect: true }) as Cluster;
    try {
      expect(client).toBeInstanceOf(Cluster);
      expect(client.options.redisOptions).toMatchObject({ username: 'keywarden', password: 'cluster-password-123', tls: {} });
      const resolved = await new Promise<string>((resolve) => client.options.dnsLookup!('node-2.example.internal', (_e, address) => resolve(address)));
      expect(resolved).toBe('node-2.example.internal');
    } finally {
      client.disconnect();
    }
  });

  it('fails fast for Slack commands and waits for BullMQ (maxRetriesPerRequest null, as BullMQ requires)', () => {
    const commands = createRedisClient({ ...target, tls: false, username: null, password: null }, 'commands', { lazyConnect: true }) as Cluster;
    const queue = createRedisClient({ ...target, tls: false, username: null, password: null }, 'queue', { lazyConnect: true }) as Cluster;
    try {
      expect(commands.options.enableOfflineQueue).toBe(false);
      expect(commands.options.redisOptions?.maxRetriesPerRequest).toBe(1);
      expect(commands.options.redisOptions?.tls).toBeUndefined();
      expect(commands.options.redisOptions?.password).toBeUndefined();
      expect(queue.options.enableOfflineQueue).toBe(true);
      expect(queue.options.redisOptions?.maxRetriesPerRequest).toBeNull();
    } finally {
      commands.disconnect();
      queue.disconnect();
    }
  });
});
