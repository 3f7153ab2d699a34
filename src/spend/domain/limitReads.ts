/**
 * Which projects' spend limits a poll reads at OpenAI, and in what order. OpenAI has no call that returns every
 * project's cap, and its Admin API allows only a few spend-limit reads a minute per organization, so a poll reads
 * by need: every poll, the projects whose cap may matter before the next hourly read; the rest in a rotation that
 * reads each at least hourly. Pure: the caller reads the state from Redis and records what happened.
 */
import type { Cents } from '../../platform/domain/money.js';
import { totalSpendCents, type MonthSpend } from './aggregate.js';
import { HOUR_MS, monthOf } from '../../platform/domain/month.js';

/** Every project with limits is read at least this often (ms). */
export const SPEND_LIMIT_READ_EVERY_MS = HOUR_MS;
/** The tick the rotation's share is sized for: each poll reads `ceil(others × tick / hour)`, at least this tick's share. */
export const ROTATION_TICK_MS = 5 * 60_000;
/** Spend at or above this percentage of the cap is read every poll. */
export const NEAR_CAP_PERCENT = 80;

/** What keywarden knows of a project's last spend-limit read; null for a project never read. */
export interface SpendLimitReadState {
  /** ms (the poll's clock) when OpenAI last answered a read of the project's cap; null if it never has */
  readonly readAt: number | null;
  /**
   * ms when a planned read first went unanswered since `readAt`: it failed (429, 5xx, network) or a rate limit put
   * it off; null when the last planned read was answered. Such a project is read first, the longest waiting first.
   */
  readonly failedAt: number | null;
  /** the project's limits version after that answered read (a later version is a change to read back) */
  readonly version: number | null;
  /** what OpenAI reported then: its enforcement status, or null when the project had no cap */
  readonly status: 'inactive' | 'enforcing' | null;
}

/** The parts of a project's stored limits the plan looks at. */
export interface CapAsKnown {
  /** keywarden's hard cap, cents; null when none */
  readonly hardCents: Cents | null;
  /** the cap keywarden last set at (or saw at) OpenAI, cents; null when none */
  readonly hardAtOpenAI: Cents | null;
  /** true once keywarden has seen what OpenAI holds (see StoredLimits.capKnown); absent on older records */
  readonly capKnown?: boolean;
  readonly version: number;
}

export interface SpendLimitReadCandidate {
  readonly projectId: string;
  readonly limits: CapAsKnown;
  /** the project's month so far, as this poll folded it */
  readonly spend: MonthSpend;
  readonly state: SpendLimitReadState | null;
}

/**
 * Why a project is read this poll. `failed-before`: its last planned read failed or was put off by a rate limit,
 * so it goes first (nothing starves, not even the rotation while the needed reads exceed OpenAI's limit);
 * the next four are read every poll; `rotation`: its turn in the hourly rotation.
 */
export type SpendLimitReadReason =
  | 'failed-before'
  | 'cap-unknown' // keywarden has never seen what OpenAI holds: there may be a cap to adopt
  | 'cap-change-pending' // keywarden's cap differs from the one it set at OpenAI, or its limits changed since the last read
  | 'enforcing' // OpenAI reported the cap enforcing this month
  | 'near-cap' // spend ≥ 80% of the cap
  | 'rotation';

export interface PlannedSpendLimitRead {
  readonly projectId: string;
  readonly reason: SpendLimitReadReason;
}

export interface SpendLimitReadPlan {
  /** the reads, in the order to make them: failed last time first, then never read, then needed, then the rotation, stalest first */
  readonly reads: readonly PlannedSpendLimitRead[];
  /** projects read every poll (near their cap, enforcing, a cap change pending or unknown) */
  readonly needed: number;
  /** projects not needed every poll: each is read at least hourly, `rotationShare` of them this poll */
  readonly others: number;
  readonly rotationShare: number;
}

/**
 * Why the project must be read this poll whatever the rotation says, or null when its turn in the rotation will do.
 * Near the cap: month-to-date (billed plus estimated) at least 80% of the cap; the cap is OpenAI's as keywarden last
 * saw it, else keywarden's. (The month's pace, see forecastMonthEnd, adds nothing here: it is at most a seventh of
 * the month so far per day, a 168th per hour, so below 80% no project reaches its cap by it before the next hourly
 * read; on the 1st, from 6 hours in, at most a sixth per hour, which needs 86%.)
 */
export const spendLimitReadNeed = (candidate: SpendLimitReadCandidate): Exclude<SpendLimitReadReason, 'failed-before' | 'rotation'> | null => {
  const { limits, state, spend } = candidate;
  const capKnown = limits.capKnown ?? limits.hardAtOpenAI !== null;
  if (!capKnown) return 'cap-unknown';
  if (limits.hardCents !== limits.hardAtOpenAI) return 'cap-change-pending';
  if (state && state.readAt !== null && state.version !== limits.version) return 'cap-change-pending';
  if (state && state.status === 'enforcing' && state.readAt !== null && monthOf(state.readAt) === spend.month) return 'enforcing';
  const cap = limits.hardAtOpenAI ?? limits.hardCents;
  if (cap === null) return null;
  const spent = totalSpendCents(spend);
  return spent * 100 >= cap * NEAR_CAP_PERCENT ? 'near-cap' : null;
};

/**
 * How many of `others` projects the rotation reads this poll: `ceil(others × elapsed / hour)`, with `elapsed` the
 * whole minutes since the previous poll, at least one 5-minute tick and at most an hour (a first poll counts as one
 * tick). With 5-minute ticks that is `ceil(others / 12)`, and every project is read within 12 polls, an hour.
 */
export const rotationShare = (others: number, sincePreviousPollMs: number | null): number => {
  const minutes = sincePreviousPollMs === null ? ROTATION_TICK_MS / 60_000 : Math.floor(sincePreviousPollMs / 60_000);
  const clamped = Math.min(SPEND_LIMIT_READ_EVERY_MS / 60_000, Math.max(ROTATION_TICK_MS / 60_000, minutes));
  return Math.min(others, Math.ceil((others * clamped) / (SPEND_LIMIT_READ_EVERY_MS / 60_000)));
};

/**
 * The poll's spend-limit reads. Every needed project (see spendLimitReadNeed), plus `rotationShare` of the others,
 * failed and never-read ones first, then the longest unread. The order puts a project whose last read failed first,
 * so when OpenAI rate limits the poll part way, the ones left out are the first read next time.
 */
export const planSpendLimitReads = (candidates: readonly SpendLimitReadCandidate[], sincePreviousPollMs: number | null): SpendLimitReadPlan => {
  const needed: { candidate: SpendLimitReadCandidate; reason: SpendLimitReadReason }[] = [];
  const others: SpendLimitReadCandidate[] = [];
  for (const candidate of candidates) {
    const reason = spendLimitReadNeed(candidate);
    if (reason) needed.push({ candidate, reason });
    else others.push(candidate);
  }
  const share = rotationShare(others.length, sincePreviousPollMs);
  const rotation = [...others].sort(byStaleness).slice(0, share).map((candidate) => ({ candidate, reason: 'rotation' as SpendLimitReadReason }));
  const tier = (c: SpendLimitReadCandidate, reason: SpendLimitReadReason): number =>
    failedLastTime(c.state) ? 0 : c.state === null || c.state.readAt === null ? 1 : reason === 'rotation' ? 3 : 2;
  const reads = [...needed, ...rotation]
    .sort((a, b) => tier(a.candidate, a.reason) - tier(b.candidate, b.reason) || byStaleness(a.candidate, b.candidate))
    .map(({ candidate, reason }) => ({ projectId: candidate.projectId, reason: failedLastTime(candidate.state) ? 'failed-before' : reason }));
  return { reads, needed: needed.length, others: others.length, rotationShare: share };
};

const failedLastTime = (state: SpendLimitReadState | null): boolean => state !== null && state.failedAt !== null;

/** Failed first (longest ago first), then never read, then the longest unread; ties by project id, so the order is stable. */
const byStaleness = (a: SpendLimitReadCandidate, b: SpendLimitReadCandidate): number => {
  const failedA = failedLastTime(a.state) ? (a.state?.failedAt ?? 0) : Number.POSITIVE_INFINITY;
  const failedB = failedLastTime(b.state) ? (b.state?.failedAt ?? 0) : Number.POSITIVE_INFINITY;
  if (failedA !== failedB) return failedA - failedB < 0 ? -1 : 1;
  const readA = a.state?.readAt ?? Number.NEGATIVE_INFINITY;
  const readB = b.state?.readAt ?? Number.NEGATIVE_INFINITY;
  if (readA !== readB) return readA - readB < 0 ? -1 : 1;
  return a.projectId < b.projectId ? -1 : a.projectId > b.projectId ? 1 : 0;
};
