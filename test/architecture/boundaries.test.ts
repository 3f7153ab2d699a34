/**
 * The module boundaries of .dependency-cruiser.cjs (no cycles, pure domain/ folders, a platform that imports no
 * feature, features reaching each other only through index.ts or domain/, no test/emulator/sandbox imports from the
 * app), checked by running dependency-cruiser's CLI on src/. The second test runs the same config on a fixture tree
 * that breaks each rule once, so a config that stopped matching anything would fail here instead of passing quietly.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const config = join(repoRoot, '.dependency-cruiser.cjs');
/** The depcruise CLI (a devDependency); KEYWARDEN_DEPCRUISE names another copy, e.g. one installed outside the repo. */
const depcruise = process.env.KEYWARDEN_DEPCRUISE ?? join(repoRoot, 'node_modules', '.bin', 'depcruise');

interface Violation {
  readonly type: string;
  readonly from: string;
  readonly to: string;
  readonly rule: { readonly name: string };
  readonly cycle?: readonly { readonly name: string }[];
}

interface CruiseSummary {
  readonly violations: readonly Violation[];
  readonly totalCruised: number;
}

/**
 * Runs depcruise on `src` under `cwd` with the repository's config and returns its JSON summary. depcruise exits
 * with the number of errors it found, so its exit code is not a failure here; output that is not JSON is.
 */
async function cruise(cwd: string): Promise<CruiseSummary> {
  if (!existsSync(depcruise)) throw new Error(`dependency-cruiser is not installed at ${depcruise}: run npm ci (it is a devDependency)`);
  const child = spawn(process.execPath, [depcruise, 'src', '--config', config, '--output-type', 'json'], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  try {
    return (JSON.parse(Buffer.concat(out).toString('utf8')) as { summary: CruiseSummary }).summary;
  } catch {
    throw new Error(`depcruise (exit ${code}) printed no JSON report:\n${Buffer.concat(err).toString('utf8')}`);
  }
}

/**
 * One line per violation, `rule: from → to`; a cycle reads `rule: a → b → a`, an orphan `rule: module`. A package
 * path is cut to `node_modules/...`, wherever node_modules is.
 */
function described(violations: readonly Violation[]): string[] {
  const shown = (path: string) => path.replace(/^.*node_modules\//, 'node_modules/');
  return violations
    .map((v) => {
      if (v.cycle) return `${v.rule.name}: ${[v.from, ...v.cycle.map((c) => c.name)].join(' → ')}`;
      if (v.from === v.to) return `${v.rule.name}: ${v.from}`;
      return `${v.rule.name}: ${v.from} → ${shown(v.to)}`;
    })
    .sort();
}

describe('module boundaries (dependency-cruiser, .dependency-cruiser.cjs)', () => {
  it('src/ has zero module-boundary violations', async () => {
    const summary = await cruise(repoRoot);
    // A cruise that found next to nothing would report nothing too.
    expect(summary.totalCruised).toBeGreaterThan(100);
    expect(described(summary.violations)).toEqual([]);
  }, 60_000);

  it('reports each rule broken in the fixture tree, and nothing the rules allow', async () => {
    const summary = await cruise(join(repoRoot, 'test', 'architecture', 'fixtures'));
    expect(described(summary.violations)).toEqual(
      [
        'no-circular: src/keys/first.ts → src/keys/second.ts → src/keys/first.ts',
        'domain-imports-only-domain: src/limits/domain/rules.ts → src/limits/limitStore.ts',
        'domain-no-node-builtins: src/platform/domain/readsFile.ts → fs',
        'domain-no-io-packages: src/spend/domain/logs.ts → node_modules/pino/pino.js',
        'platform-not-to-features: src/platform/listsKeys.ts → src/keys/first.ts',
        // src/spend/report.ts also imports limits' index.ts and domain/: those are allowed.
        'feature-through-public-api: src/spend/report.ts → src/limits/limitStore.ts',
        'src-not-to-test-or-bench: src/keys/usesTestHarness.ts → test/harness.ts',
        'emulators-only-for-sandbox-and-tests: src/platform/listsKeys.ts → src/emulators/slack.ts',
        'sandbox-only-for-tests: src/spend/report.ts → src/sandbox/demo.ts',
        'no-orphans: src/keys/unused.ts',
        'not-to-unresolvable: src/keys/broken.ts → ./missing.js',
        'features-not-to-commands: src/limits/usesRouter.ts → src/commands/router.ts',
        'approvals-knows-no-kind: src/approvals/engine.ts → src/limits/index.ts',
      ].sort(),
    );
  }, 60_000);
});
