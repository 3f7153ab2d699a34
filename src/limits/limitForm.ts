/** The limit form's check, answered in place before the form closes. */
import { applyLimitChange as applyChangeToLimits, checkHigherCap, fieldOfLimitError, withoutUnchangedFields, type LimitChange, type LimitField } from './domain/limits.js';
import { withoutBookkeeping } from './domain/storedLimits.js';
import { err, ok, type Result } from '../platform/domain/result.js';
import { monthOf } from '../platform/domain/month.js';
import type { LimitDeps, MonthToDateSpend } from './deps.js';

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
    input.higherCap ? deps.spend.totals(monthOf(deps.clock()), [input.projectId]) : Promise.resolve(new Map<string, MonthToDateSpend>()),
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
