/** docker-compose.yml and .env.example agree with the code that reads them. */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { readConfig } from '../../src/platform/config/config.js';
import { readOpsConfig } from '../../src/platform/config/opsConfig.js';

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');

/** Variable names in a config module's environment schema: the keys of its `const schema = z.object({ … })`. */
function schemaVariables(source: string): string[] {
  const body = /const schema = z\.object\(\{\n([\s\S]*?)\n\}\);/.exec(source)?.[1];
  if (body === undefined) throw new Error('no `const schema = z.object({` block');
  return [...body.matchAll(/^ {2}([A-Z][A-Z0-9_]+):/gm)].map((m) => m[1] as string);
}
const CODE_VARIABLES = [...schemaVariables(read('src/platform/config/config.ts')), ...schemaVariables(read('src/platform/config/opsConfig.ts'))];
/** read by the spend flow, whose configuration is still being written */
const COMING_VARIABLES = ['KEYWARDEN_POLL_CRON'];

interface EnvLine {
  readonly name: string;
  readonly value: string;
  readonly commented: boolean;
  readonly index: number;
}

const envExample = read('.env.example');
const envLines = envExample.split('\n');
const variables: EnvLine[] = envLines.flatMap((line, index) => {
  const match = /^(#)?([A-Z][A-Z0-9_]+)=(.*)$/.exec(line);
  return match ? [{ name: match[2] as string, value: match[3] as string, commented: match[1] === '#', index }] : [];
});
const envOf = (lines: readonly EnvLine[]) => Object.fromEntries(lines.map((l) => [l.name, l.value]));

/** a valid value for each variable .env.example leaves empty for the operator to fill in */
const SAMPLE_VALUES: Readonly<Record<string, string>> = {
  SLACK_BOT_TOKEN: 'xoxb-1-2-abc',
  SLACK_SIGNING_SECRET: '0123456789abcdef0123456789abcdef',
  OPENAI_ADMIN_KEY: 'sk-admin-abcdefgh',
  KEYWARDEN_APPROVAL_CHANNEL: 'C0APPROVALS',
  KEYWARDEN_ALERT_CHANNEL: 'C0SPENDALERTS',
  KEYWARDEN_APPROVERS: 'U0APPROVER1',
  KEYWARDEN_SECRET: Buffer.alloc(32, 7).toString('base64'),
};
const activeLines = variables.filter((v) => !v.commented);
const filledIn = () =>
  Object.fromEntries(
    activeLines.map((v) => {
      const sample = SAMPLE_VALUES[v.name];
      if (sample === undefined) throw new Error(`add a sample value for ${v.name} to SAMPLE_VALUES`);
      return [v.name, sample];
    }),
  );

describe('.env.example', () => {
  it('names every variable keywarden reads, once, each under a comment', () => {
    expect(CODE_VARIABLES.length).toBeGreaterThan(20);
    const names = variables.map((v) => v.name);
    for (const name of [...CODE_VARIABLES, ...COMING_VARIABLES]) expect(names, name).toContain(name);
    expect(new Set(names).size).toBe(names.length);
    for (const v of variables) {
      // the line above is a comment, or another variable sharing that comment (user and password)
      let above = v.index - 1;
      while (variables.some((other) => other.index === above)) above -= 1;
      expect(envLines[above], v.name).toMatch(/^# \S/);
    }
  });

  it('leaves exactly the required values empty, so keywarden names them at start', () => {
    expect(activeLines.every((v) => v.value === '')).toBe(true);
    const result = readConfig(envOf(activeLines));
    expect(result.ok).toBe(false);
    const missing = result.ok ? [] : result.error.map((p) => p.variable).sort();
    expect(missing).toEqual(activeLines.map((v) => v.name).sort());
    expect(readOpsConfig(envOf(activeLines)).ok).toBe(true);
    // and once they are filled in, keywarden starts with the rest left at their defaults
    expect(readConfig(filledIn()).ok).toBe(true);
  });

  it('documents the defaults the code really has', () => {
    const documented = envOf(variables.filter((v) => v.commented && v.value !== '' && CODE_VARIABLES.includes(v.name)));
    expect(Object.keys(documented).length).toBeGreaterThan(8);
    const withDefaults = readConfig(filledIn());
    expect(withDefaults.ok).toBe(true);
    const withDocumented = readConfig({ ...filledIn(), ...documented });
    expect(withDocumented).toEqual(withDefaults);
    expect(readOpsConfig(documented)).toEqual(readOpsConfig({}));
  });
});

describe('docker-compose.yml', () => {
  const composeText = read('docker-compose.yml');
  const compose = parse(composeText) as {
    services: Record<string, Record<string, unknown>>;
    volumes: Record<string, unknown>;
  };

  it('runs keywarden against the compose Redis, once Redis is healthy, probing /healthz', () => {
    const app = compose.services.keywarden as Record<string, unknown>;
    expect(app.build).toBe('.');
    expect(app.env_file).toBe('.env');
    expect(app.environment).toEqual({ REDIS_URL: 'redis://redis:6379' });
    expect(app.command).toEqual(['node', 'dist/src/main.js', 'all']);
    expect(app.ports).toEqual(['3000:3000']);
    expect(app.depends_on).toEqual({ redis: { condition: 'service_healthy' } });
    expect(app.restart).toBe('unless-stopped');
    const healthcheck = app.healthcheck as { test: string[] };
    expect(healthcheck.test.join(' ')).toContain("'/healthz'");
    // the same probe as the image's own HEALTHCHECK
    const dockerfileProbe = /HEALTHCHECK[\s\S]*?CMD \["node", "-e", "(.*)"\]/.exec(read('Dockerfile'))?.[1];
    expect(healthcheck.test.at(-1)).toBe(dockerfileProbe);
  });

  it('runs Redis 7 with persistence and noeviction on a named volume', () => {
    const redis = compose.services.redis as { image: string; command: string[]; volumes: string[]; healthcheck: { test: string[] } };
    expect(redis.image).toBe('redis:7');
    expect(redis.command.join(' ')).toBe('redis-server --appendonly yes --appendfsync everysec --maxmemory-policy noeviction');
    expect(redis.volumes).toEqual(['redis-data:/data']);
    expect(Object.keys(compose.volumes)).toEqual(['redis-data']);
    expect(redis.healthcheck.test).toEqual(['CMD', 'redis-cli', 'ping']);
  });

  it('carries a worker service example that becomes valid once uncommented', () => {
    const block = composeText
      .split('\n')
      .filter((line) => line.startsWith('  #   ') || line === '  # worker:')
      .map((line) => line.replace(/^ {2}# ?/, '  '))
      .join('\n');
    const worker = (parse(`services:\n${block}`) as { services: { worker: Record<string, unknown> } }).services.worker;
    expect(worker.command).toEqual(['node', 'dist/src/main.js', 'worker']);
    expect(worker.environment).toEqual({ REDIS_URL: 'redis://redis:6379' });
    expect(worker.healthcheck).toBeUndefined(); // the worker role serves /healthz too
    expect(worker.depends_on).toEqual({ redis: { condition: 'service_healthy' } });
  });
});
