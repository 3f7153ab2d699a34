/**
 * Keeping keywarden's record of each hard cap in step with OpenAI's spend limit, which is the truth: drift (someone
 * changed the cap in OpenAI's dashboard) is recorded and announced once, and caps set at OpenAI on projects
 * keywarden holds nothing for are adopted.
 */
import type { Cents } from '../platform/domain/money.js';
import type { ProjectRef } from '../platform/domain/projects.js';
import { capSightingInWords, compareCapWithOpenAI, limitsTakenFromOpenAI } from './domain/capSighting.js';
import type { StoredLimits } from './domain/storedLimits.js';
import { jobId } from '../platform/queues/registry.js';
import type { SpendLimitAtOpenAI } from '../platform/openai/admin.js';
import { describeOpenAIFailure, SPEND_LIMIT_HOLD_WITHOUT_RETRY_AFTER_MS } from '../platform/openai/failures.js';
import { mapConcurrently } from '../platform/concurrency.js';
import type { LimitDeps } from './deps.js';

/**
 * Compares OpenAI's spend limit (`observed`, null when OpenAI has none) with what keywarden last set or saw, and
 * takes OpenAI's value as the truth:
 * - a cap keywarden has never set nor seen for the project (the project was not managed, or only its soft limits
 *   were) is *adopted*: recorded, and said once in neutral words ("keywarden now tracks the $X cap set at OpenAI");
 * - a cap that differs from the one keywarden set or saw is *drift*: changed (both amounts) or removed (OpenAI no
 *   longer enforces any cap), said once in the project's alert channel.
 * Once per change: the record is saved with a compare-and-set on its version and only the saver queues the notice
 * (its job id is the new version), so polls, `limits` readers and several workers racing tell it once, and later
 * polls find the record equal to OpenAI and say nothing.
 * @returns the stored limits after the check (null when there are none and OpenAI has no cap)
 */
export async function reconcileHardCap(
  deps: Pick<LimitDeps, 'limits' | 'audit' | 'queues' | 'clock'> & { readonly settings: Pick<LimitDeps['settings'], 'alertChannel'> },
  project: Pick<ProjectRef, 'id' | 'name'>,
  observed: SpendLimitAtOpenAI | null,
  /** the stored limits when the caller has just read them */
  known?: StoredLimits | null,
): Promise<StoredLimits | null> {
  const stored = known === undefined ? await deps.limits.get(project.id) : known;
  const observedCents = (observed ? observed.cents : null) as Cents | null;
  const comparison = compareCapWithOpenAI(stored, observedCents);
  if (comparison.kind === 'nothing-held') return null;
  if (comparison.kind === 'in-step') return stored;
  if (comparison.kind === 'in-step-first-seen') {
    // OpenAI has no cap, as keywarden thought: from now on a cap appearing there is a change, not an adoption.
    const current = comparison.stored; // only a stored record can be in step with OpenAI
    const marked: StoredLimits = { ...current, capKnown: true };
    return (await deps.limits.save(marked, current.version)) ? marked : deps.limits.get(project.id);
  }
  // A cap keywarden itself is setting right now (or set and could not record): not drift.
  const intended = await deps.limits.intendedCap(project.id);
  if (intended !== undefined && intended === observedCents) return stored;

  const { sighting } = comparison;
  const now = deps.clock();
  const next = limitsTakenFromOpenAI(stored, project, observedCents, { now, alertChannel: deps.settings.alertChannel });
  if (!(await deps.limits.save(next, stored?.version ?? 0))) return deps.limits.get(project.id);
  const before = stored?.hardAtOpenAI ?? null;
  await deps.audit.append({
    actor: sighting === 'adopted' ? 'keywarden' : 'openai',
    action: sighting === 'adopted' ? 'limits.adopt' : 'limits.drift',
    target: project.id,
    outcome: sighting,
    at: now,
    project: project.id,
    detail: capSightingInWords(sighting, before, observedCents),
  });
  await deps.queues.add(
    'slack',
    'post',
    {
      kind: 'drift',
      projectId: project.id,
      projectName: project.name,
      channel: next.channelId ?? deps.settings.alertChannel,
      keywardenCents: sighting === 'adopted' ? null : before,
      openaiCents: observedCents,
      ...(sighting === 'adopted' ? { adopted: true } : {}),
    },
    { jobId: jobId(sighting === 'adopted' ? 'adopt' : 'drift', project.id, next.version) },
  );
  return next;
}

/** How many projects keywarden holds nothing for are asked about their cap at OpenAI, at most, per `limits`. */
export const CAP_PROBES_PER_READ = 40;
/** At most this many of those reads at once: OpenAI's Admin API rate limits are tight. */
export const CAP_PROBES_AT_ONCE = 4;
/** How long an answer "no cap" is trusted before the project is asked again (ms). */
export const CAP_PROBE_TTL_MS = 15 * 60_000;

/**
 * Finds caps set at OpenAI for active projects keywarden holds no limits for, and adopts them (see
 * `reconcileHardCap`), so `limits` shows every project OpenAI caps. OpenAI has no call that lists caps, so each
 * project is one read: at most `CAP_PROBES_PER_READ` per call, `CAP_PROBES_AT_ONCE` at a time, and a "no cap"
 * answer is remembered for `CAP_PROBE_TTL_MS` (a found cap is adopted, so it is never asked about this way again).
 * @returns how many such projects are still unchecked (over the per-call bound, or OpenAI did not answer)
 */
export async function adoptCapsOfUnlimitedProjects(deps: LimitDeps, projects: readonly ProjectRef[]): Promise<number> {
  if (projects.length === 0) return 0;
  const fresh = await deps.limits.recentlyWithoutCap(projects.map((p) => p.id));
  const toAsk = projects.filter((p) => !fresh.has(p.id));
  const asked = toAsk.slice(0, CAP_PROBES_PER_READ);
  const answered = await mapConcurrently(asked, CAP_PROBES_AT_ONCE, async (project) => {
    const read = await readCapWithinOpenAIsLimit(deps, project.id);
    if (read.kind !== 'read') return false;
    if (read.observed) await reconcileHardCap(deps, project, read.observed, null);
    else await deps.limits.rememberWithoutCap(project.id, CAP_PROBE_TTL_MS);
    return true;
  });
  return toAsk.length - answered.filter(Boolean).length;
}

/**
 * One spend-limit read that keeps to OpenAI's per-organization limit on that endpoint, shared with the spend poll:
 * while a hold is in Redis (after a 429: its Retry-After, else 60 s) nothing is asked; a 429 sets the hold for every
 * worker. An auth failure is thrown (the admin key itself was refused); any other failure is `failed`.
 */
export async function readCapWithinOpenAIsLimit(
  deps: Pick<LimitDeps, 'openai' | 'spend' | 'clock'>,
  projectId: string,
): Promise<{ readonly kind: 'read'; readonly observed: SpendLimitAtOpenAI | null } | { readonly kind: 'held' | 'failed' }> {
  const now = deps.clock();
  if ((await deps.spend.openAIEndpointHeldUntil('spend-limit-read', now)) !== null) return { kind: 'held' };
  try {
    return { kind: 'read', observed: await deps.openai.getSpendLimit(projectId) };
  } catch (error) {
    const failure = describeOpenAIFailure(error);
    if (failure.kind === 'auth') throw error;
    if (failure.kind === 'rate_limited') {
      await deps.spend.holdOpenAIEndpoint('spend-limit-read', now + (failure.retryAfterMs ?? SPEND_LIMIT_HOLD_WITHOUT_RETRY_AFTER_MS), now);
      return { kind: 'held' };
    }
    return { kind: 'failed' };
  }
}
