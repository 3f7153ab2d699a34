/**
 * Project limits: admins change them at once; anyone else asks, and the change is decided in the request's thread
 * like a key request. A hard cap is OpenAI's own project spend limit: it is set at OpenAI first and recorded only
 * when OpenAI accepts it. Drift (someone changed the cap in OpenAI's dashboard) is announced once and OpenAI's
 * value is taken as the truth.
 */
import { randomBytes } from 'node:crypto';
import type { RateLimitChange } from '../commands/domain/command.js';
import { openLimitChangeRequest, type LimitChangeRequest } from './domain/limitRequest.js';
import {
  applyLimitChange as applyChangeToLimits,
  checkHigherCap,
  describeLimitChange,
  fieldOfLimitError,
  withoutUnchangedFields,
  type LimitChange,
  type LimitField,
  type ProjectLimits,
} from './domain/limits.js';
import { formatCents, type Cents } from '../platform/domain/money.js';
import { closestNames, resolveProject, type ProjectRef } from '../platform/domain/projects.js';
import { isAdmin, type Approvers } from '../keys/domain/keyRequest.js';
import type { ApprovalEngine } from '../approvals/engine.js';
import type { RequestStore } from '../approvals/requestStore.js';
import { err, ok, type Result } from '../platform/domain/result.js';
import { jobId } from '../platform/queues/registry.js';
import type { JobQueues } from '../platform/queues/queues.js';
import type { OpenAIAdmin, RateLimitAtOpenAI, SpendLimitAtOpenAI } from '../platform/openai/admin.js';
import { describeOpenAIFailure, OpenAIAdminError, SPEND_LIMIT_HOLD_WITHOUT_RETRY_AFTER_MS } from '../platform/openai/failures.js';
import type { LimitChangeEvent } from '../approvals/domain/requestEvents.js';
import type { AuditLog } from '../platform/redis/auditLog.js';
import type { LimitsStore, StoredLimits } from './limitStore.js';
import type { UserFacingError } from '../keys/keyRequests.js';
import { projectError } from '../keys/keyRequests.js';
import type { ProjectDirectory } from '../platform/openai/projectDirectory.js';
import type { SpendStore, SpendTotal } from '../spend/spendStore.js';
import { monthOf } from '../spend/domain/month.js';
import { mapConcurrently } from '../platform/concurrency.js';
import { CapLockBusy, withCapLock } from './capLock.js';
import { scheduleRaiseEnd } from './capRaises.js';

/** Whether keywarden's bot can post in a channel, from Slack's own answer. */
export type ChannelCheck = (channelId: string) => Promise<Result<void, 'channel_not_found' | 'not_in_channel' | 'is_archived'>>;

export interface LimitDeps {
  readonly limits: LimitsStore;
  /** every request decided in a thread, limit changes among them */
  readonly requests: RequestStore;
  /** the approvals engine: a limit change is one kind of request it decides */
  readonly approvals: ApprovalEngine;
  readonly audit: Pick<AuditLog, 'append' | 'recent'>;
  readonly openai: OpenAIAdmin;
  readonly projects: ProjectDirectory;
  readonly queues: Pick<JobQueues, 'add'>;
  readonly groupsOf: (userId: string) => Promise<readonly string[]>;
  readonly canPostIn: ChannelCheck;
  /** month-to-date spend from the last poll */
  readonly spend: Pick<SpendStore, 'totals' | 'openAIEndpointHeldUntil' | 'holdOpenAIEndpoint'>;
  readonly clock: () => number;
  readonly settings: { readonly requestTtlMs: number; readonly policy: Approvers; readonly alertChannel: string };
}

export const newLimitRequestId = (): string => `lim_${randomBytes(8).toString('base64url').replace(/[-_]/g, '').toLowerCase().slice(0, 10).padEnd(10, 'x')}`;

export interface ChangeApplied {
  readonly kind: 'applied';
  readonly project: ProjectRef;
  readonly before: ProjectLimits | null;
  readonly after: ProjectLimits;
}
export interface ChangeRequested {
  readonly kind: 'requested';
  readonly request: LimitChangeRequest;
}

async function findProject(deps: Pick<LimitDeps, 'projects'>, query: string): Promise<Result<ProjectRef, UserFacingError>> {
  const found = await deps.projects.resolve(query);
  return found.ok ? found : err(projectError(found.error));
}

/** The limits as the domain knows them: the stored record without the store's bookkeeping fields. */
export const withoutBookkeeping = (stored: StoredLimits | null): ProjectLimits | null => {
  if (!stored) return null;
  const { hardAtOpenAI: _hard, projectName: _name, capKnown: _known, endedRaise: _ended, ...limits } = stored;
  return limits;
};

export async function checkChannel(deps: Pick<LimitDeps, 'canPostIn'>, channelId: string): Promise<Result<void, UserFacingError>> {
  const checked = await deps.canPostIn(channelId);
  if (checked.ok) return ok(undefined);
  if (checked.error === 'not_in_channel') {
    return err({ what: `keywarden is not in <#${channelId}>, so it cannot post alerts there.`, hint: 'Invite it first: type `/invite @keywarden` in that channel, then try again.' });
  }
  if (checked.error === 'is_archived') return err({ what: `<#${channelId}> is archived.`, hint: 'Pick an active channel.' });
  return err({ what: `keywarden cannot see a channel ${channelId}.`, hint: 'Pick the channel from Slack’s list (type `#` and choose it), and invite the bot with `/invite @keywarden`.' });
}

/**
 * `/openai-key limit …` and the limit form: an admin's change is applied now; anyone else's becomes a request in
 * the approval channel.
 */
export async function changeLimits(
  deps: LimitDeps,
  input: { readonly actorId: string; readonly project: string; readonly change: LimitChange; readonly reason?: string },
): Promise<Result<ChangeApplied | ChangeRequested, UserFacingError>> {
  const project = await findProject(deps, input.project);
  if (!project.ok) return project;
  const stored = await deps.limits.get(project.value.id);
  // Validate against what is stored now, for admins and requests alike, so a request that cannot apply is not opened.
  const preview = applyChangeToLimits(withoutBookkeeping(stored), input.change, {
    projectId: project.value.id,
    now: deps.clock(),
    actor: input.actorId,
    defaultChannel: deps.settings.alertChannel,
  });
  if (!preview.ok) return err({ what: preview.error.message });
  if (input.change.channelId) {
    const channel = await checkChannel(deps, input.change.channelId);
    if (!channel.ok) return channel;
  }

  const admin = isAdmin(input.actorId, await deps.groupsOf(input.actorId), deps.settings.policy);
  if (admin) {
    const applied = await applyProjectLimits(deps, { project: project.value, change: input.change, actorId: input.actorId });
    return applied.ok ? ok({ kind: 'applied', project: project.value, ...applied.value }) : applied;
  }

  const now = deps.clock();
  const before = withoutBookkeeping(stored);
  const opened = await deps.approvals.open(
    openLimitChangeRequest(
      {
        id: newLimitRequestId(),
        requesterId: input.actorId,
        projectId: project.value.id,
        projectName: project.value.name,
        change: input.change,
        before,
        ...(input.reason ? { reason: input.reason.slice(0, 500) } : {}),
      },
      now,
      deps.settings.requestTtlMs,
    ),
    { action: 'limits.request', detail: describeChange(before, preview.value) },
  );
  if (!opened.ok) return err({ what: 'Could not store the request (id clash); please try again.' });
  return ok({ kind: 'requested', request: opened.value });
}

/** What a limit form's check found wrong, by field, in words for the person; `form` when it is no one field. */
export type LimitFormErrors = Partial<Record<LimitField | 'form', string>>;

/**
 * Checks a limit form's change against what is stored, so the form can answer in place (`response_action:
 * errors`) instead of closing and saying it later. Reads Redis only (the stored limits and the month-to-date spend
 * of the last poll: two fast reads), never Slack or OpenAI, so it fits in Slack's 3 s for a view submission; the
 * caller bounds it with a deadline. Values left as they were filled in are dropped from the change. With
 * `higherCap` (the form opened by "Request a higher cap") a new cap must be above the current cap and above the
 * month's spend (`checkHigherCap`).
 * @returns the change to make, or the errors by field
 */
export async function checkLimitForm(
  deps: Pick<LimitDeps, 'limits' | 'spend' | 'clock' | 'settings'>,
  input: { readonly projectId: string; readonly change: LimitChange; readonly higherCap: boolean },
): Promise<Result<LimitChange, LimitFormErrors>> {
  const [stored, totals] = await Promise.all([
    deps.limits.get(input.projectId),
    input.higherCap ? deps.spend.totals(monthOf(deps.clock()), [input.projectId]) : Promise.resolve(new Map<string, SpendTotal>()),
  ]);
  const current = withoutBookkeeping(stored);
  const change = withoutUnchangedFields(input.change, current);
  if (input.higherCap) {
    const spent = totals.get(input.projectId)?.cents ?? null;
    const higher = checkHigherCap(current?.hardCents ?? null, change.hard, spent);
    if (!higher.ok) return err({ hard: higher.error.message });
  }
  const preview = applyChangeToLimits(current, change, {
    projectId: input.projectId,
    now: deps.clock(),
    actor: 'form',
    defaultChannel: deps.settings.alertChannel,
  });
  if (!preview.ok) return err({ [fieldOfLimitError(preview.error, change)]: preview.error.message });
  return ok(change);
}

const describeChange = (before: ProjectLimits | null, after: ProjectLimits): string => describeLimitChange(before, after).join('; ');

type ApplyDeps = Pick<LimitDeps, 'limits' | 'openai' | 'audit' | 'queues' | 'clock' | 'settings'>;
type ApplyInput = { readonly project: ProjectRef; readonly change: LimitChange; readonly actorId: string; readonly approvedBy?: string };
type ApplyResult = Result<{ before: ProjectLimits | null; after: ProjectLimits }, UserFacingError & { readonly retryable?: boolean }>;

/**
 * Applies a change: the hard cap at OpenAI first, then the record (version bumped), then the announcement in the
 * project's alert channel and the audit log. If OpenAI refuses, nothing changes. A temporary raise (`change.until`)
 * also queues its end (`end-cap-raise`, delayed until then; the reconcile sweep ends it should that job be lost).
 * Runs under the project's cap lock (`withCapLock`), so it never interleaves with a raise's end; when the lock
 * stays taken the answer is a retryable refusal.
 */
export async function applyProjectLimits(deps: ApplyDeps, input: ApplyInput): Promise<ApplyResult> {
  try {
    return await withCapLock(deps.limits, input.project.id, () => applyProjectLimitsLocked(deps, input));
  } catch (error) {
    if (!(error instanceof CapLockBusy)) throw error;
    return err({ what: 'The hard cap of this project is being changed right now, so nothing was changed; please try again in a minute.', retryable: true });
  }
}

async function applyProjectLimitsLocked(deps: ApplyDeps, input: ApplyInput): Promise<ApplyResult> {
  const original = await deps.limits.get(input.project.id);
  let setAtOpenAI: { readonly cents: number | null } | null = null;
  const undoAtOpenAI = async (reason: string) => {
    // The cap went to OpenAI but could not be recorded: put OpenAI back, so what keywarden says stays true.
    if (!setAtOpenAI) return;
    const previous = original?.hardAtOpenAI ?? null;
    try {
      if (previous === null) await deps.openai.deleteSpendLimit(input.project.id);
      else await deps.openai.setSpendLimit(input.project.id, previous);
      await deps.limits.forgetIntendedCap(input.project.id);
    } catch {
      // OpenAI keeps the new cap; the intent record makes the next poll adopt it quietly rather than call it drift.
    }
    await deps.audit.append({ actor: input.actorId, action: 'limits.change', target: input.project.id, outcome: 'rolled-back', at: deps.clock(), project: input.project.id, detail: reason });
  };

  for (let attempt = 0; attempt < 5; attempt += 1) {
    const stored = attempt === 0 ? original : await deps.limits.get(input.project.id);
    const before = withoutBookkeeping(stored);
    const next = applyChangeToLimits(before, input.change, {
      projectId: input.project.id,
      now: deps.clock(),
      actor: input.actorId,
      defaultChannel: deps.settings.alertChannel,
    });
    if (!next.ok) {
      await undoAtOpenAI(next.error.message);
      return err({ what: next.error.message });
    }

    const wanted = input.change.hard;
    const wantedCents = wanted === undefined ? undefined : wanted === 'off' ? null : wanted;
    const atOpenAI: number | null = setAtOpenAI ? setAtOpenAI.cents : (stored?.hardAtOpenAI ?? null);
    if (wantedCents !== undefined && wantedCents !== atOpenAI) {
      // Recorded first, so a poll that reads OpenAI before the limits are saved knows this cap is keywarden's own.
      await deps.limits.recordIntendedCap(input.project.id, wantedCents);
      try {
        if (wantedCents === null) await deps.openai.deleteSpendLimit(input.project.id);
        else await deps.openai.setSpendLimit(input.project.id, wantedCents);
      } catch (error) {
        const failure = describeOpenAIFailure(error);
        await deps.limits.forgetIntendedCap(input.project.id);
        await undoAtOpenAI(failure.message);
        await deps.audit.append({ actor: input.actorId, action: 'limits.change', target: input.project.id, outcome: `refused:openai:${failure.kind}`, at: deps.clock(), project: input.project.id, detail: failure.message });
        return err({ what: `OpenAI did not accept the hard cap, so nothing was changed. ${failure.message}`, retryable: failure.retryable });
      }
      setAtOpenAI = { cents: wantedCents };
    }
    const hardAtOpenAI = (setAtOpenAI ? setAtOpenAI.cents : (stored?.hardAtOpenAI ?? null)) as Cents | null;
    // Once keywarden has set the cap, a different one at OpenAI is drift, never an adoption.
    const capKnown = setAtOpenAI !== null || (stored?.capKnown ?? (stored?.hardAtOpenAI ?? null) !== null);
    const after: StoredLimits = {
      ...next.value,
      hardAtOpenAI,
      projectName: input.project.name,
      ...(capKnown ? { capKnown } : {}),
      ...(stored?.endedRaise !== undefined ? { endedRaise: stored.endedRaise } : {}),
    };
    let saved: boolean;
    try {
      saved = await deps.limits.save(after, stored?.version ?? 0);
    } catch (error) {
      await undoAtOpenAI(`the limits could not be saved: ${(error as Error).message}`);
      throw error;
    }
    if (!saved) continue; // someone changed the limits meanwhile: redo on theirs
    await deps.limits.forgetIntendedCap(input.project.id);

    const limits = withoutBookkeeping(after) as ProjectLimits;
    if (limits.raise !== undefined && limits.raise.version === limits.version) await scheduleRaiseEnd(deps, input.project.id, limits.raise);
    await deps.audit.append({
      actor: input.actorId,
      action: 'limits.change',
      target: input.project.id,
      outcome: `applied:v${after.version}`,
      at: deps.clock(),
      project: input.project.id,
      detail: `${describeChange(before, limits)}${input.approvedBy ? ` (approved by <@${input.approvedBy}>)` : ''}`,
    });
    await deps.queues.add(
      'slack',
      'post',
      { kind: 'limits-applied', projectId: input.project.id, projectName: input.project.name, before, after: limits, actorId: input.actorId, ...(input.approvedBy ? { approvedBy: input.approvedBy } : {}) },
      { jobId: jobId('limits', input.project.id, after.version) },
    );
    return ok({ before, after: limits });
  }
  await undoAtOpenAI('the limits kept changing while this change was applied');
  return err({ what: 'The limits kept changing under keywarden while it applied yours, so nothing was changed; please try again.', retryable: true });
}

// ---------------------------------------------------------------------------------------------------------------
// limit-change requests, decided in their thread

/** The job after approval: apply at OpenAI and record, or mark the request failed with OpenAI's words. */
export async function applyApprovedLimitChange(deps: LimitDeps, requestId: string): Promise<'applied' | 'failed' | 'nothing-to-do'> {
  const request = (await deps.requests.document(requestId)) as unknown as LimitChangeRequest | null;
  if (!request || request.state !== 'approved') return 'nothing-to-do';
  const project = (await deps.projects.list()).find((p) => p.id === request.projectId) ?? { id: request.projectId, name: request.projectName, status: 'active' as const };
  const applied = await applyProjectLimits(deps, {
    project,
    change: request.change,
    actorId: request.requesterId,
    ...(request.decidedBy ? { approvedBy: request.decidedBy } : {}),
  });
  if (!applied.ok) {
    // OpenAI busy or rate limiting: the job retries; on its last attempt the processor calls failLimitChange.
    if (applied.error.retryable) throw new Error(applied.error.what);
    await failLimitChange(deps, request.id, applied.error.what);
    return 'failed';
  }
  const done = await deps.requests.update(request.id, ['approved'], { state: 'applied', appliedVersion: applied.value.after.version, appliedAt: deps.clock() });
  if (done.kind === 'ok') {
    await announceLimitEvent(deps, done.doc as unknown as LimitChangeRequest, { kind: 'applied', before: applied.value.before, after: applied.value.after, ...(applied.value.after.channelId ? { announcedIn: applied.value.after.channelId } : {}) });
  }
  return 'applied';
}

/** An approved change that will not be applied: the request fails, and its thread and requester are told why. */
export async function failLimitChange(deps: Pick<LimitDeps, 'requests' | 'approvals'>, requestId: string, reason: string): Promise<void> {
  const failed = await deps.requests.update(requestId, ['approved'], { state: 'failed', failure: reason });
  if (failed.kind === 'ok') await announceLimitEvent(deps, failed.doc as unknown as LimitChangeRequest, { kind: 'failed', reason });
}

/** Told once per kind of event (the engine's outbox, posted once by name), like a key request's notices. */
async function announceLimitEvent(deps: Pick<LimitDeps, 'approvals'>, request: LimitChangeRequest, event: LimitChangeEvent): Promise<void> {
  await deps.approvals.announce(request, event);
}

// ---------------------------------------------------------------------------------------------------------------
// reading limits, and drift

export interface LimitsView {
  readonly project: ProjectRef;
  readonly limits: ProjectLimits | null;
  readonly enforcement: 'inactive' | 'enforcing' | 'none' | null;
  /** from the last spend poll; null before the first */
  readonly monthToDate: SpendTotal | null;
}

/** What keywarden makes of OpenAI's cap for a project when it differs from what keywarden holds. */
export type CapSighting = 'adopted' | 'changed' | 'removed';

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
  if (!stored && observedCents === null) return null;
  const capKnown = stored !== null && (stored.capKnown ?? stored.hardAtOpenAI !== null);
  if (stored && stored.hardAtOpenAI === observedCents) {
    if (capKnown) return stored;
    // OpenAI has no cap, as keywarden thought: from now on a cap appearing there is a change, not an adoption.
    const marked: StoredLimits = { ...stored, capKnown: true };
    return (await deps.limits.save(marked, stored.version)) ? marked : deps.limits.get(project.id);
  }
  // A cap keywarden itself is setting right now (or set and could not record): not drift.
  const intended = await deps.limits.intendedCap(project.id);
  if (intended !== undefined && intended === observedCents) return stored;

  const sighting: CapSighting = !capKnown ? 'adopted' : observedCents === null ? 'removed' : 'changed';
  const base = withoutBookkeeping(stored);
  const now = deps.clock();
  const next: StoredLimits = {
    projectId: project.id,
    softCents: base?.softCents ?? null,
    hardCents: observedCents,
    thresholds: base?.thresholds ?? [50, 80, 100],
    channelId: base?.channelId ?? deps.settings.alertChannel,
    version: (stored?.version ?? 0) + 1,
    updatedAt: now,
    updatedBy: 'openai',
    hardAtOpenAI: observedCents,
    capKnown: true,
    projectName: project.name,
    // A raise stays until its end, which then reports that the cap was changed at OpenAI meanwhile.
    ...(base?.raise !== undefined ? { raise: base.raise } : {}),
    ...(stored?.endedRaise !== undefined ? { endedRaise: stored.endedRaise } : {}),
  };
  if (!(await deps.limits.save(next, stored?.version ?? 0))) return deps.limits.get(project.id);
  const before = stored?.hardAtOpenAI ?? null;
  await deps.audit.append({
    actor: sighting === 'adopted' ? 'keywarden' : 'openai',
    action: sighting === 'adopted' ? 'limits.adopt' : 'limits.drift',
    target: project.id,
    outcome: sighting,
    at: now,
    project: project.id,
    detail: sighting === 'adopted' ? `Hard limit: ${formatCap(observedCents)}` : `Hard limit: ${formatCap(before)} → ${formatCap(observedCents)}`,
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

const formatCap = (cents: Cents | null): string => (cents === null ? 'off' : formatCents(cents));

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
async function adoptCapsOfUnlimitedProjects(deps: LimitDeps, projects: readonly ProjectRef[]): Promise<number> {
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
async function readCapWithinOpenAIsLimit(
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

/** What `limits` shows: the projects' views, and how many projects could not be checked for a cap at OpenAI. */
export interface LimitsRead {
  readonly views: LimitsView[];
  /** active projects keywarden holds no limits for whose cap at OpenAI was not read this time */
  readonly uncheckedAtOpenAI: number;
}

/**
 * Every project with limits (one when `projectQuery` names it), with OpenAI's enforcement status; drift is checked
 * on the way, and for all projects, caps set at OpenAI on projects keywarden holds nothing for are adopted first.
 */
export async function readLimits(deps: LimitDeps, projectQuery: string | null): Promise<Result<LimitsRead, UserFacingError>> {
  const projects = await deps.projects.list();
  let wanted: ProjectRef[];
  let unchecked = 0;
  if (projectQuery) {
    const one = resolveProject(projectQuery, projects);
    if (!one.ok && one.error.kind !== 'archived') return err(projectError(one.error));
    wanted = [one.ok ? one.value : (one.error as { project: ProjectRef }).project];
  } else {
    const stored = new Set((await deps.limits.all()).map((l) => l.projectId));
    unchecked = await adoptCapsOfUnlimitedProjects(deps, projects.filter((p) => p.status === 'active' && !stored.has(p.id)));
    const withLimits = new Set((await deps.limits.all()).map((l) => l.projectId));
    wanted = projects.filter((p) => withLimits.has(p.id));
  }
  const totals = await deps.spend.totals(monthOf(deps.clock()), wanted.map((p) => p.id));
  const views = await mapConcurrently(wanted, 8, async (project) => {
    let enforcement: LimitsView['enforcement'] = null;
    let limits = withoutBookkeeping(await deps.limits.get(project.id));
    const read = await readCapWithinOpenAIsLimit(deps, project.id);
    if (read.kind === 'read') {
      enforcement = read.observed ? read.observed.status : 'none';
      limits = withoutBookkeeping(await reconcileHardCap(deps, project, read.observed));
    }
    return { project, limits, enforcement, monthToDate: totals.get(project.id) ?? null };
  });
  return ok({ views, uncheckedAtOpenAI: unchecked });
}

// ---------------------------------------------------------------------------------------------------------------
// rate limits and audit (admins)

export async function readRateLimits(deps: Pick<LimitDeps, 'projects' | 'openai'>, projectQuery: string): Promise<Result<{ project: ProjectRef; rateLimits: RateLimitAtOpenAI[] }, UserFacingError>> {
  const project = await findProject(deps, projectQuery);
  if (!project.ok) return project;
  return ok({ project: project.value, rateLimits: await deps.openai.listRateLimits(project.value.id) });
}

/** A rate-limit change for the audit log, e.g. `requests a minute 100, tokens a minute 20,000`. */
const rateLimitChangeInWords = (change: RateLimitChange): string =>
  [
    change.rpm === undefined ? null : `requests a minute ${change.rpm.toLocaleString('en-US')}`,
    change.tpm === undefined ? null : `tokens a minute ${change.tpm.toLocaleString('en-US')}`,
    change.rpd === undefined ? null : `requests a day ${change.rpd.toLocaleString('en-US')}`,
  ]
    .filter((part): part is string => part !== null)
    .join(', ');

export async function changeRateLimit(
  deps: Pick<LimitDeps, 'projects' | 'openai' | 'audit' | 'clock' | 'groupsOf' | 'settings'>,
  input: { readonly actorId: string; readonly project: string; readonly model: string; readonly change: RateLimitChange },
): Promise<Result<{ project: ProjectRef; before: RateLimitAtOpenAI; after: RateLimitAtOpenAI }, UserFacingError>> {
  if (!isAdmin(input.actorId, await deps.groupsOf(input.actorId), deps.settings.policy)) {
    return err({ what: 'Only admins can change rate limits.', hint: 'Ask an admin, or see them with `/openai-key ratelimit <project>`.' });
  }
  const found = await readRateLimits(deps, input.project);
  if (!found.ok) return found;
  const { project, rateLimits } = found.value;
  const before = rateLimits.find((r) => r.model.toLowerCase() === input.model.toLowerCase());
  if (!before) {
    const models = rateLimits.map((r) => r.model);
    const close = closestNames(input.model, models);
    return err({
      what: `${project.name} has no rate limit for a model called “${input.model}”.`,
      hint: `${close.length > 0 ? `Did you mean ${close.map((m) => `\`${m}\``).join(', ')}? ` : ''}Its models: ${models.map((m) => `\`${m}\``).join(', ')}.`,
    });
  }
  try {
    const after = await deps.openai.updateRateLimit(project.id, before.id, {
      ...(input.change.rpm !== undefined ? { maxRequestsPerMinute: input.change.rpm } : {}),
      ...(input.change.tpm !== undefined ? { maxTokensPerMinute: input.change.tpm } : {}),
      ...(input.change.rpd !== undefined ? { maxRequestsPerDay: input.change.rpd } : {}),
    });
    await deps.audit.append({ actor: input.actorId, action: 'ratelimit.change', target: `${project.id}/${before.model}`, outcome: 'applied', at: deps.clock(), project: project.id, detail: rateLimitChangeInWords(input.change) });
    return ok({ project, before, after });
  } catch (error) {
    const failure = describeOpenAIFailure(error);
    await deps.audit.append({ actor: input.actorId, action: 'ratelimit.change', target: `${project.id}/${before.model}`, outcome: `refused:openai:${failure.kind}`, at: deps.clock(), project: project.id, detail: failure.message });
    return err({ what: `OpenAI did not accept the rate limit, so nothing was changed. ${failure.message}` });
  }
}

/**
 * The audit log for admins: the newest 100 entries of the last `days` days, for one project or all, with the
 * projects' names so entries read by name. Non-admins are refused in words.
 */
export async function readAudit(
  deps: Pick<LimitDeps, 'audit' | 'projects' | 'clock' | 'groupsOf' | 'settings'>,
  input: { readonly actorId: string; readonly project: string | null; readonly days: number },
) {
  if (!isAdmin(input.actorId, await deps.groupsOf(input.actorId), deps.settings.policy)) {
    return err<UserFacingError>({ what: 'Only admins can read the audit log.' });
  }
  let projectId: string | undefined;
  if (input.project) {
    const project = await findProject(deps, input.project);
    if (!project.ok) {
      // An archived project's history is still worth reading.
      const archived = (await deps.projects.list()).find((p) => p.name.toLowerCase() === input.project?.toLowerCase() || p.id === input.project);
      if (!archived) return project;
      projectId = archived.id;
    } else projectId = project.value.id;
  }
  const entries = await deps.audit.recent({ limit: 100, sinceMs: deps.clock() - input.days * 86_400_000, ...(projectId ? { project: projectId } : {}) });
  // Names for the projects the entries mention (the directory's cached list, archived projects included).
  const projectNames = new Map((await deps.projects.list()).map((p) => [p.id, p.name] as const));
  return ok({ entries, projectId: projectId ?? null, projectNames });
}
