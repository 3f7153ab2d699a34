/**
 * Applying a limit change: the hard cap at OpenAI first, then the record, then the announcement and the audit log.
 * If OpenAI refuses, nothing changes; if the record cannot be saved, OpenAI is put back.
 */
import { applyLimitChange as applyChangeToLimits, limitChangeInOneLine, type LimitChange, type ProjectLimits } from './domain/limits.js';
import { withoutBookkeeping, type StoredLimits } from './domain/storedLimits.js';
import type { Cents } from '../platform/domain/money.js';
import type { ProjectRef } from '../platform/domain/projects.js';
import { err, ok, type Result } from '../platform/domain/result.js';
import type { UserFacingError } from '../platform/domain/userFacingError.js';
import { jobId } from '../platform/queues/registry.js';
import { describeOpenAIFailure } from '../platform/openai/failures.js';
import { CapLockBusy, withCapLock } from './capLock.js';
import { scheduleRaiseEnd } from './capRaises.js';
import type { LimitDeps } from './deps.js';

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
      detail: `${limitChangeInOneLine(before, limits)}${input.approvedBy ? ` (approved by <@${input.approvedBy}>)` : ''}`,
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
