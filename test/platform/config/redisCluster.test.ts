/** REDIS_CLUSTER_NODES: seeds, credentials and TLS for a Redis Cluster, and the problems a bad value is told with. */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readConfig, type Config, type ConfigProblem } from '../../../src/platform/config/config.js';
import { secretsOf } from '../../../src/main.js';
import { redisTargetForDisplay } from '../../../src/platform/redis/connection.js';

const minimalEnv = (): Record<string, string> => ({
  SLACK_BOT_TOKEN: 'xoxb-1111-2222-abcdefghijkl',
  SLACK_SIGNING_SECRET: 'signing-secret-0123456789abcdef',
  OPENAI_ADMIN_KEY: 'sk-admin-abcdefghijklmnopqrstuvwxyz',
  KEYWARDEN_APPROVAL_CHANNEL: 'C0APPROVALS',
  KEYWARDEN_ALERT_CHANNEL: 'C0SPENDALERTS',
  KEYWARDEN_APPROVERS: 'U0APPROVER1',
  KEYWARDEN_SECRET: randomBytes(32).toString('base64'),
});

function parse(env: Record<string, string>): Config {
  const result = readConfig(env);
  if (!result.ok) throw new Error(`expected a valid config, got ${JSON.stringify(result.error)}`);
  return result.value;
}

function problemsOf(env: Record<string, string>): ConfigProblem[] {
  const result = readConfig(env);
  if (result.ok) throw new Error('expected configuration problems, got a valid config');
  return result.error;
}

describe('REDIS_CLUSTER_NODES', () => {
  it('reads host:port seeds as a cluster without credentials or TLS', () => {
    const config = parse({ ...minimalEnv(), REDIS_CLUSTER_NODES: '10.0.0.1:7000, 10.0.0.2:7001,redis-3.internal:7002,[fd00::5]:7003' });
    expect(config.redis).toEqual({
      kind: 'cluster',
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 7001 },
        { host: 'redis-3.internal', port: 7002 },
        { host: 'fd00::5', port: 7003 },
      ],
      username: null,
      password: null,
      tls: false,
    });
  });

  it('takes user, password and TLS from rediss:// seeds, for plain seeds too', () => {
    const config = parse({
      ...minimalEnv(),
      REDIS_CLUSTER_NODES: 'rediss://keywarden:p%40ss-word-1234@clustercfg.example.cache.amazonaws.com:6379,rediss://keywarden:p%40ss-word-1234@node-2.example:6380,node-3.example:6381',
    });
    expect(config.redis).toEqual({
      kind: 'cluster',
      nodes: [
        { host: 'clustercfg.example.cache.amazonaws.com', port: 6379 },
        { host: 'node-2.example', port: 6380 },
        { host: 'node-3.example', port: 6381 },
      ],
      username: 'keywarden',
      password: 'p@ss-word-1234',
      tls: true,
    });
    // the password is scrubbed from logs and never shown where the cluster is named
    expect(secretsOf(config)).toContain('p@ss-word-1234');
    expect(redisTargetForDisplay(config.redis)).toBe('rediss cluster clustercfg.example.cache.amazonaws.com:6379,node-2.example:6380,node-3.example:6381');
  });

  it('leaves one Redis server to REDIS_URL when unset', () => {
    expect(parse({ ...minimalEnv(), REDIS_URL: 'rediss://:secret-password@redis.example:6380/1' }).redis).toEqual({
      kind: 'single',
      url: 'rediss://:secret-password@redis.example:6380/1',
    });
  });

  it.each([
    ['10.0.0.1', /not host:port: 10\.0\.0\.1/],
    ['10.0.0.1:0', /no port between 1 and 65535/],
    ['10.0.0.1:70000', /no port between 1 and 65535/],
    ['http://10.0.0.1:7000', /not a redis:\/\/ or rediss:\/\/ URL/],
    ['redis://10.0.0.1:7000/2', /names a database/],
    [' , ', /comma list of cluster seed nodes/],
    ['rediss://a:one-password@h1:7000,redis://a:one-password@h2:7001', /same scheme, user and password/],
    ['redis://a:one-password@h1:7000,redis://a:other-password@h2:7001', /same scheme, user and password/],
  ])('rejects REDIS_CLUSTER_NODES=%s, naming the variable and the right form', (value, message) => {
    const problems = problemsOf({ ...minimalEnv(), REDIS_CLUSTER_NODES: value });
    const mine = problems.filter((p) => p.variable === 'REDIS_CLUSTER_NODES');
    expect(mine).toHaveLength(1);
    expect(mine[0]!.problem).toMatch(message);
    // a password in a bad seed is never repeated in the problem
    expect(mine[0]!.problem).not.toMatch(/one-password|other-password/);
  });

  it('refuses REDIS_URL and REDIS_CLUSTER_NODES together, alongside every other problem', () => {
    const problems = problemsOf({ ...minimalEnv(), REDIS_URL: 'redis://10.0.0.5:6379', REDIS_CLUSTER_NODES: '10.0.0.1:7000', PORT: 'http' });
    expect(problems.map((p) => p.variable).sort()).toEqual(['PORT', 'REDIS_URL']);
    expect(problems.find((p) => p.variable === 'REDIS_URL')!.problem).toMatch(/either REDIS_URL .* or REDIS_CLUSTER_NODES .* not both/);
  });
});
