/** The real entry point, as a child process: a bad environment stops it with exit code 2 and a list of problems. */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function runMain(env: Record<string, string>, args: readonly string[] = []): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // a clean environment: nothing from the test runner's own environment may satisfy a variable
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('starting keywarden with a bad environment', () => {
  it('exits with code 2, names every bad variable and prints no secret', async () => {
    const secrets = {
      SLACK_BOT_TOKEN: `xoxp-${randomBytes(12).toString('hex')}`,
      SLACK_SIGNING_SECRET: randomBytes(16).toString('hex'),
      OPENAI_ADMIN_KEY: `sk-proj-${randomBytes(16).toString('hex')}`,
      KEYWARDEN_SECRET: randomBytes(20).toString('base64'),
    };
    const env = {
      ...secrets,
      KEYWARDEN_APPROVAL_CHANNEL: 'approvals',
      KEYWARDEN_ALERT_CHANNEL: 'C0SPENDALERTS',
      KEYWARDEN_APPROVERS: 'alice',
      KEYWARDEN_REQUEST_TTL: 'forever',
      KEYWARDEN_KEY_DAYS: '90,30',
      PORT: 'eighty',
    };
    const { code, stdout, stderr } = await runMain(env);
    expect(code, stderr).toBe(2);
    const bad = ['SLACK_BOT_TOKEN', 'OPENAI_ADMIN_KEY', 'KEYWARDEN_SECRET', 'KEYWARDEN_APPROVAL_CHANNEL', 'KEYWARDEN_APPROVERS', 'KEYWARDEN_REQUEST_TTL', 'KEYWARDEN_KEY_DAYS', 'PORT'];
    expect(stderr).toContain(`keywarden cannot start: ${bad.length} configuration problems`);
    for (const variable of bad) expect(stderr).toMatch(new RegExp(`^  - ${variable}: `, 'm'));
    expect(stderr).not.toMatch(/^  - SLACK_SIGNING_SECRET: /m);
    for (const [variable, value] of Object.entries(secrets)) {
      expect(stderr, `the value of ${variable}`).not.toContain(value);
      expect(stdout, `the value of ${variable}`).not.toContain(value);
    }
  });

  it('lists the missing variables of an empty environment', async () => {
    const { code, stderr } = await runMain({});
    expect(code).toBe(2);
    for (const variable of ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'OPENAI_ADMIN_KEY', 'KEYWARDEN_SECRET', 'KEYWARDEN_APPROVAL_CHANNEL', 'KEYWARDEN_ALERT_CHANNEL', 'KEYWARDEN_APPROVERS']) {
      expect(stderr).toMatch(new RegExp(`^  - ${variable}: (required|at least one)`, 'm'));
    }
  });

  it('exits with code 2 for an unknown role', async () => {
    const { code, stderr } = await runMain({}, ['everything']);
    expect(code).toBe(2);
    expect(stderr).toContain('unknown role “everything”');
  });
});
