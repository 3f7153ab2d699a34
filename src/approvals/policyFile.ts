/**
 * The policy file on disk: read and checked at start (a bad file stops start-up with every problem named, like a
 * bad environment variable), re-read on SIGHUP (a bad file is refused, its problems logged, the old policy kept).
 */
import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { err, ok, type Result } from '../platform/domain/result.js';
import { policyFromDocument, policyFromEnvironment, type EnvironmentPolicy, type Policy, type PolicyProblem } from './domain/policy.js';

/**
 * Reads and checks the policy file at `path` (YAML). Errors: the file cannot be read (path: the file), YAML syntax
 * (path: `line L, column C`), or what the schema refuses (path in the file, e.g. `projects.research.approvals`).
 */
export async function readPolicyFile(path: string, admins: readonly string[]): Promise<Result<Policy, PolicyProblem[]>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'a folder, not a file' : `cannot be read (${code ?? 'unknown error'})`;
    return err([{ path, message: why }]);
  }
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    return err(
      document.errors.map((e) => {
        const at = e.linePos?.[0];
        return { path: at ? `line ${at.line}, column ${at.col}` : path, message: e.message.split('\n')[0] ?? 'not valid YAML' };
      }),
    );
  }
  return policyFromDocument(document.toJS(), admins);
}

/** Every problem on its own line: `KEYWARDEN_POLICY_FILE (policy.yml) projects.research.approvals: at least 1`. */
export const describePolicyProblems = (file: string, problems: readonly PolicyProblem[]): string[] =>
  problems.map((p) => `KEYWARDEN_POLICY_FILE (${file}) ${p.path}: ${p.message}`);

/** The policy in force, swapped whole on reload so a reader never sees half of one. */
export interface PolicySource {
  current(): Policy;
  /** Re-reads the file; on problems keeps the policy in force and returns them. Without a file: nothing to do. */
  reload(): Promise<Result<Policy, PolicyProblem[]>>;
  /** every user and user-group id the policy names (approvers, admins, auto-approve requesters) */
  namedIds(): string[];
}

/**
 * The policy from `file` (when given) over the environment's, checked once now. Errors: the file's problems, so
 * that start-up can print them all and exit.
 */
export async function loadPolicySource(file: string | undefined, env: EnvironmentPolicy): Promise<Result<PolicySource, PolicyProblem[]>> {
  const read = async (): Promise<Result<Policy, PolicyProblem[]>> => (file ? readPolicyFile(file, env.admins) : ok(policyFromEnvironment(env)));
  const first = await read();
  if (!first.ok) return first;
  let policy = first.value;
  return ok({
    current: () => policy,
    reload: async () => {
      const next = await read();
      if (next.ok) policy = next.value;
      return next;
    },
    namedIds: () => idsNamedBy(policy, env),
  });
}

/** Every id a policy names, with the environment's approvers (which apply where the file sets none). */
export function idsNamedBy(policy: Policy, env: EnvironmentPolicy): string[] {
  const ids = new Set<string>([...env.approvers, ...policy.admins]);
  const levels = [policy.defaults, ...Object.values(policy.projects), ...Object.values(policy.kinds)];
  for (const level of levels) {
    for (const id of level?.approvers ?? []) ids.add(id);
    for (const id of level?.autoApprove?.requesters ?? []) ids.add(id);
  }
  return [...ids];
}
