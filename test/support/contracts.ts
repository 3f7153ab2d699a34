/**
 * Where the third-party contracts live (OpenAI's Admin API OpenAPI document, Slack's app-manifest JSON Schema). They
 * are not in the repository: their folder comes from the `KEYWARDEN_CONTRACTS` environment variable, e.g.
 * `KEYWARDEN_CONTRACTS=../shared/contracts npm test` (a path relative to the repository root, or absolute).
 *
 * Without the variable the suites that need a contract are skipped, and vitest's global setup (this file's `setup`,
 * named in vitest.config.ts) prints one line saying so. With the variable set to a folder that does not hold the
 * contracts, the run fails at once rather than skipping quietly.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';

export const CONTRACTS_ENV = 'KEYWARDEN_CONTRACTS';

/** The files the contract suites read, by what they are. */
export const CONTRACT_FILES = {
  openaiAdmin: 'openai-admin-openapi.json',
  slackManifestSchema: 'slack-manifest.schema.json',
} as const;

export type ContractName = keyof typeof CONTRACT_FILES;

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The contracts folder as an absolute path (relative values are taken from the repository root); null when unset. */
export function contractsDir(env: Readonly<Record<string, string | undefined>> = process.env): string | null {
  const value = env[CONTRACTS_ENV]?.trim();
  return value ? path.resolve(repoRoot, value) : null;
}

/** True when KEYWARDEN_CONTRACTS is set; the contract suites run only then. */
export const contractsAvailable: boolean = contractsDir() !== null;

/**
 * The absolute path of one contract file.
 * @throws Error when KEYWARDEN_CONTRACTS is unset (call only inside suites guarded by `describeWithContracts` /
 * `itWithContracts`) or the file is not in that folder.
 */
export function contractPath(name: ContractName): string {
  const dir = contractsDir();
  if (dir === null) throw new Error(`${CONTRACTS_ENV} is not set: this suite needs the contracts folder (${skipNotice()})`);
  const file = path.join(dir, CONTRACT_FILES[name]);
  if (!existsSync(file)) throw new Error(`${CONTRACTS_ENV}=${dir} holds no ${CONTRACT_FILES[name]}`);
  return file;
}

/** `describe` that runs only when the contracts are available (skipped, and counted as skipped, otherwise). */
export const describeWithContracts = describe.skipIf(!contractsAvailable);
/** `it` that runs only when the contracts are available. */
export const itWithContracts = it.skipIf(!contractsAvailable);

/** The one line a run without contracts prints. */
export function skipNotice(): string {
  return `contract suites skipped (OpenAI Admin API and Slack manifest schema checks): ${CONTRACTS_ENV} is not set; run them with ${CONTRACTS_ENV}=../shared/contracts npm test`;
}

/**
 * vitest global setup: prints the skip line once per run when KEYWARDEN_CONTRACTS is unset, and fails the run when it
 * names a folder that is missing a contract.
 * @throws Error naming the folder and the missing file
 */
export function setup(): void {
  const dir = contractsDir();
  if (dir === null) {
    console.warn(`\n${skipNotice()}\n`);
    return;
  }
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`${CONTRACTS_ENV}=${dir} is not a folder`);
  for (const file of Object.values(CONTRACT_FILES)) {
    if (!existsSync(path.join(dir, file))) throw new Error(`${CONTRACTS_ENV}=${dir} holds no ${file}`);
  }
}
