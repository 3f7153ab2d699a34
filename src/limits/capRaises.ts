/**
 * The end of a temporary hard-cap raise (`/openai-key limit <project> hard <amount> until <date>`).
 *
 * A raise is applied like any limit change (`applyProjectLimits`), which queues `end-cap-raise` delayed until the
 * raise's end (job id: project + the limits version that made the raise). At the end, under the project's cap lock:
 * - the cap is still the raised amount at OpenAI and in keywarden's record → the previous cap is set back at OpenAI
 *   (or the spend limit deleted when there was none), then recorded with the version bumped (thresholds re-arm),
 *   then announced once in the project's alert channel — intent first, as every cap keywarden sets;
 * - the cap was changed since (at OpenAI or through keywarden) → it is left, and the end says so once, with both
 *   amounts.
 * Exactly once: the record's compare-and-set on its version decides, the outcome is saved in the same write
 * (`endedRaise`), the announcement's job id is the raise's identity, and a "restoring" mark written before OpenAI is
 * asked lets a retry after a crash between OpenAI and the record finish the restore instead of calling it a change.
 * A lost delayed job is covered by `sweepCapRaises`, run from every `reconcile` tick.
 */
import type { CapRaise } from './domain/limits.js';
import { endCapRaise } from './domain/limits.js';
import { formatCents, type Cents } from '../platform/domain/money.js';
import { jobId } from '../platform/queues/registry.js';
import { withoutBookkeeping, type EndedRaise, type StoredLimits } from './domain/storedLimits.js';
import { CapLockBusy, withCapLock } from './capLock.js';
import type { LimitDeps } from './deps.js';

export type CapRaiseDeps = Pick<LimitDeps, 'limits' | 'openai' | 'audit' | 'queues' | 'clock' | 'settings'>;

/** The job id of a raise's end: one per project and raise. */
export const raiseEndJobId = (projectId: string, raiseVersion: number): string => jobId('end-cap-raise', projectId, raiseVersion);

/**
 * Queues the end of `raise` for `endsAt` (BullMQ's delay, in real ms from the injectable clock's now); adding it
 * again changes nothing (same job id).
 */
export async function scheduleRaiseEnd(deps: Pick<CapRaiseDeps, 'queues' | 'clock'>, projectId: string, raise: CapRaise): Promise<void> {
  await deps.queues.add(
    'openai',
    'end-cap-raise',
    { projectId, raiseVersion: raise.version },
    { jobId: raiseEndJobId(projectId, raise.version), delayMs: Math.max(0, raise.endsAt - deps.clock()) },
  );
}

/** Queues the announcement of an ended raise; its job id is the raise's identity, so it is posted once. */
async function announceRaiseEnd(deps: Pick<CapRaiseDeps, 'queues' | 'settings'>, stored: StoredLimits, ended: EndedRaise): Promise<void> {
  await deps.queues.add(
    'slack',
    'post',
    {
      kind: 'cap-raise-ended',
      projectId: stored.projectId,
      projectName: stored.projectName ?? stored.projectId,
      channel: stored.channelId ?? deps.settings.alertChannel,
      ended,
    },
    { jobId: jobId('raise-ended', stored.projectId, ended.version) },
  );
}

const capWords = (cents: Cents | null): string => (cents === null ? 'none' : formatCents(cents));

export type RaiseEndOutcome = 'restored' | 'changed' | 'already-ended' | 'not-held' | 'not-due';

/**
 * Ends the raise made at limits version `raiseVersion` of `projectId`, if it is due (see the file's comment).
 * @returns what happened; `already-ended` re-queues the announcement (a no-op once it is queued)
 * @throws CapLockBusy when another step holds the cap lock (the job retries), and OpenAI's failures (retried by the
 *   job by their kind); a refusal to set the cap back leaves the raise in place for the next try
 */
export async function endRaise(deps: CapRaiseDeps, projectId: string, raiseVersion: number): Promise<RaiseEndOutcome> {
  return withCapLock(deps.limits, projectId, async () => {
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const stored = await deps.limits.get(projectId);
      if (stored?.endedRaise?.version === raiseVersion) {
        await announceRaiseEnd(deps, stored, stored.endedRaise);
        return 'already-ended';
      }
      const raise = stored?.raise;
      if (!stored || raise === undefined || raise.version !== raiseVersion) return 'not-held';
      const now = deps.clock();
      if (now < raise.endsAt) return 'not-due';

      const restoring = await deps.limits.isRaiseRestoring(projectId, raiseVersion);
      const observed = await deps.openai.getSpendLimit(projectId);
      const atOpenAI = (observed ? observed.cents : null) as Cents | null;
      const ending = endCapRaise(withoutBookkeeping(stored), raiseVersion, atOpenAI, { now, restoring });
      if (ending.kind === 'not_held') return 'not-held';
      if (ending.kind === 'not_due') return 'not-due';

      if (ending.kind === 'restore') {
        const previous = raise.previousCents;
        if (atOpenAI !== previous) {
          // Intent first: a poll reading OpenAI before the record is saved knows the cap is keywarden's own.
          await deps.limits.recordIntendedCap(projectId, previous);
          await deps.limits.markRaiseRestoring(projectId, raiseVersion);
          if (previous === null) await deps.openai.deleteSpendLimit(projectId);
          else await deps.openai.setSpendLimit(projectId, previous);
        }
        const ended: EndedRaise = { ...raise, outcome: 'restored', endedAt: now, limitsVersion: ending.limits.version };
        const next: StoredLimits = { ...stored, ...ending.limits, hardAtOpenAI: previous, capKnown: true, endedRaise: ended };
        delete (next as { raise?: CapRaise }).raise;
        if (!(await deps.limits.save(next, stored.version))) continue; // changed meanwhile (a poll): decide again
        await deps.limits.forgetIntendedCap(projectId);
        await deps.audit.append({
          actor: 'keywarden',
          action: 'limits.raise-end',
          target: projectId,
          outcome: `restored:v${next.version}`,
          at: now,
          project: projectId,
          detail: `Hard limit: ${capWords(raise.raisedCents)} → ${capWords(previous)} (the temporary raise ended)`,
        });
        await announceRaiseEnd(deps, next, ended);
        return 'restored';
      }

      // Changed since: leave the cap; the record drops the raise without a new version (no limit changed here).
      const ended: EndedRaise = { ...raise, outcome: 'changed', foundCents: ending.foundCents, endedAt: now, limitsVersion: stored.version };
      const next: StoredLimits = { ...stored, endedRaise: ended };
      delete (next as { raise?: CapRaise }).raise;
      if (!(await deps.limits.save(next, stored.version))) continue;
      await deps.audit.append({
        actor: 'keywarden',
        action: 'limits.raise-end',
        target: projectId,
        outcome: 'left:changed',
        at: now,
        project: projectId,
        detail: `The raise to ${capWords(raise.raisedCents)} ended, but the cap is now ${capWords(ending.foundCents)}; left as it is`,
      });
      await announceRaiseEnd(deps, next, ended);
      return 'changed';
    }
    throw new Error('the limits kept changing while the raise was ended; the job retries');
  });
}

/** How long after its end an ended raise's announcement is queued again by the sweep (in case it was cut short). */
const ANNOUNCE_AGAIN_MS = 60 * 60_000;

/**
 * The reconcile tick's part for raises: ends every raise that is due (its delayed job lost, or run too early by a
 * clock that differs from keywarden's), and queues again the announcement of raises ended in the last hour (a no-op
 * when it is already queued or posted). A project whose cap lock is taken, or whose end failed (OpenAI busy, say),
 * is left for the next tick; the others go on.
 * @returns how many raises it ended now, and how many it could not end this time
 */
export async function sweepCapRaises(deps: CapRaiseDeps): Promise<{ ended: number; failed: number }> {
  const now = deps.clock();
  let ended = 0;
  let failed = 0;
  for (const stored of await deps.limits.all()) {
    if (stored.raise !== undefined && stored.raise.endsAt <= now) {
      try {
        const outcome = await endRaise(deps, stored.projectId, stored.raise.version);
        if (outcome === 'restored' || outcome === 'changed') ended += 1;
      } catch (error) {
        if (!(error instanceof CapLockBusy)) failed += 1;
      }
    } else if (stored.endedRaise !== undefined && now - stored.endedRaise.endedAt < ANNOUNCE_AGAIN_MS) {
      await announceRaiseEnd(deps, stored, stored.endedRaise);
    }
  }
  return { ended, failed };
}
