/**
 * Approval policy: who may decide a request, how many distinct approvers it needs, how long it waits, when the
 * thread is reminded and escalated, and which requests keywarden approves by itself. Pure: no I/O, no clock.
 *
 * The policy file (YAML, at KEYWARDEN_POLICY_FILE) is the contract:
 * ```yaml
 * defaults:        { approvers: [S0KEYAPPR, U0ALICE], approvals: 1, request_ttl: 72h, remind_after: 4h, escalate_after: 24h }
 * projects:        { research: { approvers: [S0LEADS], approvals: 2, auto_approve: { max_days: 7, requesters: [S0RESEARCH] } } }
 * kinds:           { limit: { approvals: 2 } }
 * ```
 * Precedence, field by field: kind override > project > defaults > the environment (KEYWARDEN_APPROVERS,
 * KEYWARDEN_REQUEST_TTL). Admins (KEYWARDEN_ADMINS) may always decide and count as one approver each.
 */
import { z } from 'zod';
import { parseDuration } from '../../platform/domain/duration.js';
import { err, ok, type Result } from '../../platform/domain/result.js';

/** The kinds of request decided in a thread. Later issues add more (extension, rotation, scopes, raise). */
export const REQUEST_KIND_NAMES = ['key', 'limit'] as const;
export type RequestKindName = (typeof REQUEST_KIND_NAMES)[number];

/** Requests keywarden approves by itself: a request must match every condition given. */
export interface AutoApproveRule {
  /** key lifetime at most this many days (a condition only key-like kinds can meet) */
  readonly maxDays?: number;
  /** the requester is one of these users, or a member of one of these user groups */
  readonly requesters?: readonly string[];
  /** where the rule was written, for the thread and the audit entry: e.g. `projects.research.auto_approve` */
  readonly source: string;
}

/** One level of the file (defaults, a project, a kind): every field optional, durations in ms. */
export interface PolicyLevel {
  readonly approvers?: readonly string[];
  readonly approvals?: number;
  readonly requestTtlMs?: number;
  /** null: no reminder at this level (an explicit `remind_after: null` or `off`) */
  readonly remindAfterMs?: number | null;
  readonly escalateAfterMs?: number | null;
  readonly autoApprove?: AutoApproveRule;
}

export interface Policy {
  readonly defaults: PolicyLevel;
  /** keyed by project id or project name, as written in the file */
  readonly projects: Readonly<Record<string, PolicyLevel>>;
  readonly kinds: Readonly<Partial<Record<RequestKindName, PolicyLevel>>>;
  /** KEYWARDEN_ADMINS: may always decide; each counts as one approver */
  readonly admins: readonly string[];
}

/** What applies to one request: every field resolved. */
export interface EffectivePolicy {
  readonly approvers: readonly string[];
  readonly admins: readonly string[];
  /** distinct eligible approvers needed, ≥ 1 */
  readonly approvals: number;
  readonly requestTtlMs: number;
  readonly remindAfterMs: number | null;
  readonly escalateAfterMs: number | null;
  readonly autoApprove: AutoApproveRule | null;
  /** the project key of the file that applied (id or name as written), or null when only defaults applied */
  readonly projectKey: string | null;
}

/** The environment's policy, used when there is no policy file and beneath the file's defaults. */
export interface EnvironmentPolicy {
  readonly approvers: readonly string[];
  readonly admins: readonly string[];
  readonly requestTtlMs: number;
}

/** A problem in the policy file: `path` as written in YAML (`projects.research.approvals`), what was expected. */
export interface PolicyProblem {
  readonly path: string;
  readonly message: string;
}

const SLACK_ID = /^[USW][A-Z0-9]{2,}$/;
const DURATION_FORMS = 'a duration like 90s, 15m, 4h or 2d';

const idList = z
  .array(z.string({ error: 'a Slack user id (U…) or user-group id (S…)' }), { error: 'a list of Slack user ids (U…) or user-group ids (S…)' })
  .superRefine((ids, ctx) => {
    ids.forEach((id, index) => {
      if (!SLACK_ID.test(id)) ctx.addIssue({ code: 'custom', path: [index], message: `"${id}" is not a Slack user id (U…) or user-group id (S…)` });
    });
  });

const duration = z.union([z.string(), z.number()], { error: DURATION_FORMS }).transform((value, ctx) => {
  const parsed = parseDuration(String(value));
  if (parsed.ok) return parsed.value;
  ctx.addIssue({ code: 'custom', message: `${parsed.error.message.replace(/\.$/, '')} (expected ${DURATION_FORMS})` });
  return z.NEVER;
});

/** `remind_after: off` / `null` switch a reminder off where a lower level turned it on. */
const optionalDuration = z.union([z.null(), z.literal('off'), duration]).transform((value) => (value === 'off' ? null : value));

const autoApproveSchema = z
  .strictObject(
    {
      max_days: z.number({ error: 'a whole number of days' }).int('a whole number of days').min(1, 'at least 1 day').max(3650, 'at most 3650 days').optional(),
      requesters: idList.optional(),
    },
    { error: 'conditions: max_days and/or requesters' },
  )
  .refine((rule) => rule.max_days !== undefined || rule.requesters !== undefined, 'give at least one condition (max_days, requesters): an empty rule would approve everything');

const levelSchema = z.strictObject(
  {
    approvers: idList.optional(),
    approvals: z.number({ error: 'a whole number of approvers' }).int('a whole number of approvers').min(1, 'at least 1').max(20, 'at most 20').optional(),
    request_ttl: duration.optional(),
    remind_after: optionalDuration.optional(),
    escalate_after: optionalDuration.optional(),
    auto_approve: autoApproveSchema.optional(),
  },
  { error: 'a map with approvers, approvals, request_ttl, remind_after, escalate_after and auto_approve' },
);

const kindsShape = Object.fromEntries(REQUEST_KIND_NAMES.map((kind) => [kind, levelSchema.optional()])) as Record<RequestKindName, z.ZodOptional<typeof levelSchema>>;

const fileSchema = z.strictObject(
  {
    defaults: levelSchema.optional(),
    projects: z.record(z.string(), levelSchema, { error: 'a map from project id or name to its policy' }).optional(),
    kinds: z.strictObject(kindsShape, { error: `a map from request kind (${REQUEST_KIND_NAMES.join(', ')}) to its policy` }).optional(),
  },
  { error: 'a map with defaults, projects and kinds' },
);

type LevelInput = z.infer<typeof levelSchema>;

const levelOf = (input: LevelInput | undefined, source: string): PolicyLevel => {
  if (!input) return {};
  return {
    ...(input.approvers !== undefined ? { approvers: input.approvers } : {}),
    ...(input.approvals !== undefined ? { approvals: input.approvals } : {}),
    ...(input.request_ttl !== undefined ? { requestTtlMs: input.request_ttl } : {}),
    ...(input.remind_after !== undefined ? { remindAfterMs: input.remind_after } : {}),
    ...(input.escalate_after !== undefined ? { escalateAfterMs: input.escalate_after } : {}),
    ...(input.auto_approve !== undefined
      ? {
          autoApprove: {
            ...(input.auto_approve.max_days !== undefined ? { maxDays: input.auto_approve.max_days } : {}),
            ...(input.auto_approve.requesters !== undefined ? { requesters: input.auto_approve.requesters } : {}),
            source: `${source}.auto_approve`,
          },
        }
      : {}),
  };
};

const pathOf = (path: readonly PropertyKey[]): string => (path.length === 0 ? '(the whole file)' : path.map(String).join('.'));

/**
 * The policy from the file's parsed YAML document (`document` is what the `yaml` package returns; null for an
 * empty file). Errors: every problem at once, each with its path in the file and what was expected.
 */
export function policyFromDocument(document: unknown, admins: readonly string[]): Result<Policy, PolicyProblem[]> {
  const parsed = fileSchema.safeParse(document ?? {});
  if (!parsed.success) {
    return err(parsed.error.issues.map((issue) => ({ path: pathOf(issue.path), message: issue.message })));
  }
  const file = parsed.data;
  const projects: Record<string, PolicyLevel> = {};
  for (const [key, level] of Object.entries(file.projects ?? {})) projects[key] = levelOf(level, `projects.${key}`);
  const kinds: Partial<Record<RequestKindName, PolicyLevel>> = {};
  for (const kind of REQUEST_KIND_NAMES) {
    const level = file.kinds?.[kind];
    if (level) kinds[kind] = levelOf(level, `kinds.${kind}`);
  }
  return ok({ defaults: levelOf(file.defaults, 'defaults'), projects, kinds, admins });
}

/** The policy when there is no file: today's behaviour from the environment. */
export const policyFromEnvironment = (env: EnvironmentPolicy): Policy => ({
  defaults: { approvers: env.approvers, approvals: 1, requestTtlMs: env.requestTtlMs },
  projects: {},
  kinds: {},
  admins: env.admins,
});

/** The file's entry for a project: by id first, then by name (names compared without regard to case). */
export function projectLevelOf(policy: Policy, project: { readonly id: string; readonly name: string }): { key: string; level: PolicyLevel } | null {
  const byId = policy.projects[project.id];
  if (byId) return { key: project.id, level: byId };
  const wanted = project.name.trim().toLowerCase();
  for (const [key, level] of Object.entries(policy.projects)) {
    if (key.trim().toLowerCase() === wanted) return { key, level };
  }
  return null;
}

/**
 * The policy for one request of `kind` on `project`: each field from the most specific level that sets it
 * (kind > project > defaults > environment). `env` supplies what the file leaves unset.
 */
export function effectivePolicy(
  policy: Policy,
  env: EnvironmentPolicy,
  project: { readonly id: string; readonly name: string },
  kind: RequestKindName,
): EffectivePolicy {
  const projectEntry = projectLevelOf(policy, project);
  const levels: PolicyLevel[] = [policy.kinds[kind] ?? {}, projectEntry?.level ?? {}, policy.defaults];
  const pick = <K extends keyof PolicyLevel>(field: K): PolicyLevel[K] | undefined => {
    for (const level of levels) if (level[field] !== undefined) return level[field];
    return undefined;
  };
  return {
    approvers: pick('approvers') ?? env.approvers,
    admins: policy.admins,
    approvals: pick('approvals') ?? 1,
    requestTtlMs: pick('requestTtlMs') ?? env.requestTtlMs,
    remindAfterMs: pick('remindAfterMs') ?? null,
    escalateAfterMs: pick('escalateAfterMs') ?? null,
    autoApprove: pick('autoApprove') ?? null,
    projectKey: projectEntry?.key ?? null,
  };
}

/** Is the user one of `ids`, directly or through one of `groupIds` (the user groups the user belongs to)? */
export const isAmong = (ids: readonly string[], userId: string, groupIds: readonly string[]): boolean =>
  ids.includes(userId) || groupIds.some((group) => ids.includes(group));

/** May this user decide a request under `policy`? Admins always may. The requester rule is checked apart. */
export const mayDecide = (policy: Pick<EffectivePolicy, 'approvers' | 'admins'>, userId: string, groupIds: readonly string[]): boolean =>
  isAmong(policy.admins, userId, groupIds) || isAmong(policy.approvers, userId, groupIds);

/** What the auto-approve rule is checked against. */
export interface AutoApproveFacts {
  readonly requesterId: string;
  /** the requester's user groups */
  readonly requesterGroupIds: readonly string[];
  /** the key's lifetime in days, for kinds that have one */
  readonly lifetimeDays?: number;
}

/** The rule that approves this request by itself, or null. A condition the request cannot meet fails the rule. */
export function autoApprovalRule(policy: Pick<EffectivePolicy, 'autoApprove'>, facts: AutoApproveFacts): AutoApproveRule | null {
  const rule = policy.autoApprove;
  if (!rule) return null;
  if (rule.maxDays !== undefined && (facts.lifetimeDays === undefined || facts.lifetimeDays > rule.maxDays)) return null;
  if (rule.requesters !== undefined && !isAmong(rule.requesters, facts.requesterId, facts.requesterGroupIds)) return null;
  return rule;
}

/** The rule in words, for the thread and the audit entry: "keys of at most 7 days, requested by @S0RESEARCH". */
export function describeAutoApproveRule(rule: AutoApproveRule, mention: (id: string) => string): string {
  const parts: string[] = [];
  if (rule.maxDays !== undefined) parts.push(`keys of at most ${rule.maxDays} day${rule.maxDays === 1 ? '' : 's'}`);
  if (rule.requesters !== undefined) parts.push(`requested by ${rule.requesters.map(mention).join(', ')}`);
  return parts.join(', ');
}

/** One approval recorded on a request. */
export interface ApprovalVote {
  readonly userId: string;
  /** ms since epoch */
  readonly at: number;
}

/** How far a request is towards its quorum. */
export interface Tally {
  /** distinct approvers, in the order they approved; the requester never counts */
  readonly approvers: readonly string[];
  readonly needed: number;
  readonly met: boolean;
}

/**
 * The quorum: distinct approvers other than the requester, in order. The same person twice counts once.
 * Eligibility is checked when a vote is cast (see `mayDecide`); votes here are already eligible.
 */
export function tally(votes: readonly ApprovalVote[], requesterId: string, needed: number): Tally {
  const approvers: string[] = [];
  for (const vote of votes) {
    if (vote.userId === requesterId || approvers.includes(vote.userId)) continue;
    approvers.push(vote.userId);
  }
  return { approvers, needed, met: approvers.length >= needed };
}
