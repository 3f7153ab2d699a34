/**
 * The operational settings: the queue dashboard's credentials and write switch, and the shutdown grace period.
 * Read like `readConfig`: never throws, and returns every problem at once, each naming its variable.
 */
import { z } from 'zod';
import { err, ok, type Result } from '../domain/result.js';
import type { ConfigProblem } from './configProblem.js';

export interface AdminCredentials {
  readonly user: string;
  readonly password: string;
  /** false: the dashboard only shows; no retry, remove, pause or clean */
  readonly write: boolean;
}

export interface OpsConfig {
  /** null: the queue dashboard at /admin/queues is off (the path answers 404) */
  readonly admin: AdminCredentials | null;
  /** how long a stopping process waits for running jobs and open requests before it exits anyway */
  readonly shutdownSeconds: number;
}

type Env = Readonly<Record<string, string | undefined>>;

export const MIN_ADMIN_PASSWORD_LENGTH = 12;

const schema = z.object({
  KEYWARDEN_ADMIN_USER: z
    .string()
    .max(128, 'at most 128 characters')
    // Basic auth sends "user:password"; a colon in the user name would make the split ambiguous.
    .refine((v) => !v.includes(':'), 'a user name without ":" (HTTP basic auth cannot carry one)')
    .optional(),
  KEYWARDEN_ADMIN_PASSWORD: z
    .string()
    .min(MIN_ADMIN_PASSWORD_LENGTH, `at least ${MIN_ADMIN_PASSWORD_LENGTH} characters (openssl rand -base64 18 makes one)`)
    .max(1024, 'at most 1024 characters')
    .optional(),
  KEYWARDEN_ADMIN_WRITE: z
    .enum(['true', 'false'], { error: 'true or false' })
    .default('false')
    .transform((v) => v === 'true'),
  KEYWARDEN_SHUTDOWN_S: z.coerce
    .number({ error: 'a whole number of seconds from 1 to 120' })
    .int('a whole number of seconds from 1 to 120')
    .min(1, 'a whole number of seconds from 1 to 120')
    .max(120, 'a whole number of seconds from 1 to 120')
    .default(10),
});

export function readOpsConfig(env: Env): Result<OpsConfig, ConfigProblem[]> {
  const input = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(input);
  const problems: ConfigProblem[] = parsed.success
    ? []
    : parsed.error.issues.map((issue) => ({ variable: String(issue.path[0] ?? '(environment)'), problem: issue.message }));

  const hasUser = input.KEYWARDEN_ADMIN_USER !== undefined;
  const hasPassword = input.KEYWARDEN_ADMIN_PASSWORD !== undefined;
  if (hasUser && !hasPassword) {
    problems.push({
      variable: 'KEYWARDEN_ADMIN_PASSWORD',
      problem: 'required with KEYWARDEN_ADMIN_USER: set both to turn the queue dashboard on, or neither to keep it off',
    });
  }
  if (hasPassword && !hasUser) {
    problems.push({
      variable: 'KEYWARDEN_ADMIN_USER',
      problem: 'required with KEYWARDEN_ADMIN_PASSWORD: set both to turn the queue dashboard on, or neither to keep it off',
    });
  }
  if (input.KEYWARDEN_ADMIN_WRITE === 'true' && !hasUser && !hasPassword) {
    problems.push({
      variable: 'KEYWARDEN_ADMIN_WRITE',
      problem: 'true only has an effect with the dashboard on: set KEYWARDEN_ADMIN_USER and KEYWARDEN_ADMIN_PASSWORD too, or remove it',
    });
  }

  if (!parsed.success || problems.length > 0) return err(problems);
  const e = parsed.data;
  const admin =
    e.KEYWARDEN_ADMIN_USER !== undefined && e.KEYWARDEN_ADMIN_PASSWORD !== undefined
      ? Object.freeze({ user: e.KEYWARDEN_ADMIN_USER, password: e.KEYWARDEN_ADMIN_PASSWORD, write: e.KEYWARDEN_ADMIN_WRITE })
      : null;
  return ok(Object.freeze({ admin, shutdownSeconds: e.KEYWARDEN_SHUTDOWN_S }));
}
