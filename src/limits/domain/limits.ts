/**
 * A project's spend limits and the alert thresholds that watch them. Every change bumps `version`, and the version
 * is part of an alert's identity, so a change re-arms the thresholds: a change that changes nothing is refused.
 */
import { formatCents, type Cents } from '../../platform/domain/money.js';
import { err, ok, type Result } from '../../platform/domain/result.js';

export interface ProjectLimits {
  readonly projectId: string;
  /** alerts only */
  readonly softCents: Cents | null;
  /** the spend limit set at OpenAI */
  readonly hardCents: Cents | null;
  /** percentages of the limit at which to alert, strictly ascending */
  readonly thresholds: number[];
  readonly channelId: string | null;
  readonly version: number;
  /** ms since epoch */
  readonly updatedAt: number;
  readonly updatedBy: string;
  /**
   * A temporary hard-cap raise, kept from the change that made it until its end is dealt with (restored, or found
   * overtaken by another cap): a later change of the soft limit, thresholds or channel carries it along.
   */
  readonly raise?: CapRaise;
}

/**
 * A temporary raise of the hard cap (`/openai-key limit <project> hard <amount> until <date>`). At `endsAt`
 * keywarden sets the cap back to `previousCents` (null: the project had no cap, so the spend limit is deleted),
 * provided the cap is still `raisedCents` at OpenAI and in keywarden.
 */
export interface CapRaise {
  /** the cap to come back to, in cents; null when the project had none */
  readonly previousCents: Cents | null;
  /** the raised cap, in cents */
  readonly raisedCents: Cents;
  /** when the raise ends: ms since epoch, a whole minute */
  readonly endsAt: number;
  /** the limits version that made this raise: with the project id, its identity (job ids, announcements) */
  readonly version: number;
  /** who raised it (a Slack user id) */
  readonly by: string;
}

/** The longest a temporary raise may last, from the moment it is typed: a year (365 days). */
export const MAX_RAISE_MS = 365 * 86_400_000;

export const DEFAULT_THRESHOLDS: readonly number[] = Object.freeze([50, 80, 100]);
export const MAX_THRESHOLDS = 5;

export interface LimitChange {
  readonly soft?: Cents;
  readonly hard?: Cents | 'off';
  readonly thresholds?: number[];
  readonly channelId?: string;
  /**
   * With `hard: <amount>` only: the cap is raised until this moment (ms since epoch, a whole minute), then set back.
   * Kept as a number so a limit-change request (stored as JSON) carries it to whoever applies it.
   */
  readonly until?: number;
}

export interface ThresholdsError {
  readonly message: string;
}

export interface LimitChangeError {
  readonly kind: 'no_change' | 'soft_above_hard' | 'invalid_thresholds' | 'invalid_amount' | 'invalid_raise';
  readonly message: string;
}

const THRESHOLD_FORMS = 'Give 1 to 5 percentages from 1 to 100, going up, like 50,80,100.';

/** Checks thresholds however they were given (typed, from a modal, stored). */
const checkThresholds = (values: readonly number[]): Result<number[], ThresholdsError> => {
  if (values.length === 0) return err({ message: `Give at least one threshold. ${THRESHOLD_FORMS}` });
  if (values.length > MAX_THRESHOLDS) {
    return err({ message: `That is ${values.length} thresholds; the most is ${MAX_THRESHOLDS}. ${THRESHOLD_FORMS}` });
  }
  for (const [index, value] of values.entries()) {
    if (!Number.isInteger(value) || value < 1 || value > 100) {
      return err({ message: `${value}% is not a threshold: each is a whole percentage from 1 to 100. ${THRESHOLD_FORMS}` });
    }
    const previous = values[index - 1];
    if (previous !== undefined && value <= previous) {
      return err({
        message:
          value === previous
            ? `${value}% is listed twice. ${THRESHOLD_FORMS}`
            : `Thresholds must go up: ${value}% comes after ${previous}%. ${THRESHOLD_FORMS}`,
      });
    }
  }
  return ok([...values]);
};

/** `50,80,100`, `50%, 80%, 100%`: 1 to 5 whole percentages in 1..100, strictly ascending. */
export const parseThresholds = (text: string): Result<number[], ThresholdsError> => {
  const input = text.trim();
  if (input === '') return err({ message: `Give the alert thresholds. ${THRESHOLD_FORMS}` });
  const pieces = input.split(',').map((piece) => piece.trim());
  const values: number[] = [];
  for (const piece of pieces) {
    const match = /^(\d{1,3})\s*%?$/.exec(piece);
    if (!match) {
      return err({
        message:
          piece === ''
            ? `"${input}" has an empty place between commas. ${THRESHOLD_FORMS}`
            : `"${piece}" is not a whole percentage. ${THRESHOLD_FORMS}`,
      });
    }
    values.push(Number(match[1]));
  }
  return checkThresholds(values);
};

const formatLimit = (value: Cents | null): string => (value === null ? 'none' : formatCents(value));
const formatThresholds = (values: readonly number[]): string => values.map((value) => `${value}%`).join(', ');
const formatChannel = (channelId: string | null): string => (channelId === null ? 'none' : `<#${channelId}>`);
const pad2 = (value: number): string => String(value).padStart(2, '0');

/** `2027-03-01 18:00 UTC`: a moment exact to the minute, in UTC, for lines the domain writes. */
export const formatUtcMinute = (ms: number): string => {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())} UTC`;
};

/**
 * The raise that is in force: the stored raise while the hard cap is still its raised amount; null when there is
 * none, or when the cap was changed since (the raise then only waits for its end to be reported).
 */
export const raiseInForce = (limits: Pick<ProjectLimits, 'hardCents' | 'raise'> | null): CapRaise | null =>
  limits?.raise !== undefined && limits.hardCents === limits.raise.raisedCents ? limits.raise : null;

/**
 * Checks a raise's end against `now` (ms): not in the past, and at most `MAX_RAISE_MS` ahead. The message names
 * the moment in UTC and the forms `until` takes.
 */
export const checkRaiseEnd = (endsAt: number, now: number): Result<number, { readonly message: string }> => {
  const forms = 'Give a date or time ahead, within a year, like until 2027-03-01, until 2027-03-01T18:00Z, until 7d or until 12h.';
  if (!Number.isSafeInteger(endsAt)) return err({ message: `That is not a moment in time. ${forms}` });
  if (endsAt <= now) return err({ message: `The raise would end ${formatUtcMinute(endsAt)}, which has already passed. ${forms}` });
  if (endsAt - now > MAX_RAISE_MS) {
    return err({ message: `The raise would end ${formatUtcMinute(endsAt)}, more than a year ahead; a raise lasts at most a year. ${forms}` });
  }
  return ok(endsAt);
};

/**
 * Applies `change` to the stored limits (or to the defaults when nothing is stored): the result has the next
 * version, `now` and `actor`. The soft limit may not exceed the hard limit, whichever of the two was just set.
 */
export const applyLimitChange = (
  current: ProjectLimits | null,
  change: LimitChange,
  context: { readonly projectId: string; readonly now: number; readonly actor: string; readonly defaultChannel: string | null },
): Result<ProjectLimits, LimitChangeError> => {
  if (current !== null && current.projectId !== context.projectId) {
    throw new Error(`limits for ${current.projectId} cannot be changed as ${context.projectId}`);
  }
  const base = current ?? {
    softCents: null,
    hardCents: null,
    thresholds: [...DEFAULT_THRESHOLDS],
    channelId: context.defaultChannel,
    version: 0,
  };
  if (change.until !== undefined && typeof change.hard !== 'number') {
    return err({ kind: 'invalid_raise', message: 'A raise needs a new cap to last until then, like: hard 2k until 7d (not with hard off).' });
  }
  if (change.soft === undefined && change.hard === undefined && change.thresholds === undefined && change.channelId === undefined) {
    return err({ kind: 'no_change', message: 'Say what to change: soft <amount>, hard <amount> or hard off, at <thresholds>, or channel <#channel>.' });
  }
  for (const amount of [change.soft, change.hard]) {
    if (typeof amount === 'number' && (!Number.isSafeInteger(amount) || amount <= 0)) {
      return err({ kind: 'invalid_amount', message: `A limit must be more than $0.00; ${formatCents(amount)} is not.` });
    }
  }
  let thresholds = base.thresholds;
  if (change.thresholds !== undefined) {
    const checked = checkThresholds(change.thresholds);
    if (!checked.ok) return err({ kind: 'invalid_thresholds', message: checked.error.message });
    thresholds = checked.value;
  }
  const softCents = change.soft ?? base.softCents;
  const hardCents = change.hard === 'off' ? null : (change.hard ?? base.hardCents);
  if (softCents !== null && hardCents !== null && softCents > hardCents) {
    const fix =
      change.soft !== undefined && change.hard !== undefined
        ? 'Make the soft limit no more than the hard limit.'
        : change.hard === undefined
          ? `Lower the soft limit, or raise the hard limit too, like: soft ${formatCents(softCents)} hard ${formatCents(softCents)}`
          : `Set a hard limit of at least ${formatCents(softCents)}, or lower the soft limit too, like: soft ${formatCents(hardCents)} hard ${formatCents(hardCents)}`;
    return err({
      kind: 'soft_above_hard',
      message: `The ${change.soft === undefined ? 'current ' : ''}soft limit (${formatCents(softCents)}) can't be above the ${change.hard === undefined ? 'current ' : ''}hard limit (${formatCents(hardCents)}). ${fix}`,
    });
  }
  const channelId = change.channelId ?? base.channelId;
  const inForce = raiseInForce(current);
  let raise: CapRaise | undefined;
  if (change.until !== undefined && hardCents !== null) {
    const end = checkRaiseEnd(change.until, context.now);
    if (!end.ok) return err({ kind: 'invalid_raise', message: end.error.message });
    // Raising again while raised moves the end (and the amount): the cap to come back to stays the one before.
    const previousCents = inForce !== null ? inForce.previousCents : base.hardCents;
    if (previousCents !== null && hardCents <= previousCents) {
      return err({
        kind: 'invalid_raise',
        message: `A temporary raise must be above the cap it returns to (${formatCents(previousCents)}); ${formatCents(hardCents)} is not. To lower the cap, leave out until.`,
      });
    }
    raise = { previousCents, raisedCents: hardCents, endsAt: change.until, version: base.version + 1, by: context.actor };
  } else if (current?.raise !== undefined) {
    // Kept until its end is dealt with, even when this change sets another cap: the end then reports it.
    raise = current.raise;
  }
  const returningTo = raise !== undefined && raise.raisedCents === hardCents ? raise.previousCents : null;
  if (softCents !== null && returningTo !== null && softCents > returningTo && raise !== undefined) {
    return err({
      kind: 'soft_above_hard',
      message: `The soft limit (${formatCents(softCents)}) can't be above the cap the raise returns to on ${formatUtcMinute(raise.endsAt)} (${formatCents(returningTo)}). Give a soft limit of at most ${formatCents(returningTo)}.`,
    });
  }
  const unchanged =
    softCents === base.softCents &&
    hardCents === base.hardCents &&
    channelId === base.channelId &&
    formatThresholds(thresholds) === formatThresholds(base.thresholds) &&
    (change.until === undefined || (inForce !== null && inForce.endsAt === change.until));
  if (unchanged) {
    return err({
      kind: 'no_change',
      message: `Nothing would change: the limits are already soft ${formatLimit(softCents)}, hard ${formatLimit(hardCents)}, alerts at ${formatThresholds(thresholds)}.`,
    });
  }
  return ok({
    projectId: context.projectId,
    softCents,
    hardCents,
    thresholds,
    channelId,
    version: base.version + 1,
    updatedAt: context.now,
    updatedBy: context.actor,
    ...(raise !== undefined ? { raise } : {}),
  });
};

/** One line per field that differs, e.g. `Soft limit: $500.00 → $800.00`; `before` null reads as nothing set. */
export const describeLimitChange = (before: ProjectLimits | null, after: ProjectLimits): string[] => {
  const lines: string[] = [];
  const softBefore = before?.softCents ?? null;
  const hardBefore = before?.hardCents ?? null;
  if (softBefore !== after.softCents) lines.push(`Soft limit: ${formatLimit(softBefore)} → ${formatLimit(after.softCents)}`);
  const raiseBefore = raiseInForce(before);
  const raiseAfter = raiseInForce(after);
  const newRaise = raiseAfter !== null && (raiseBefore === null || raiseBefore.version !== raiseAfter.version) ? raiseAfter : null;
  const raiseWords = (raise: CapRaise): string =>
    ` until ${formatUtcMinute(raise.endsAt)}, then back to ${raise.previousCents === null ? 'no cap' : formatCents(raise.previousCents)}`;
  if (hardBefore !== after.hardCents) {
    lines.push(`Hard limit: ${formatLimit(hardBefore)} → ${after.hardCents === null ? 'off' : formatCents(after.hardCents)}${newRaise ? raiseWords(newRaise) : ''}`);
  } else if (newRaise) {
    lines.push(`Raised hard limit ${formatCents(newRaise.raisedCents)}: until ${raiseBefore ? formatUtcMinute(raiseBefore.endsAt) : 'no end'} → ${raiseWords(newRaise).trim()}`);
  }
  const thresholdsBefore = before?.thresholds ?? DEFAULT_THRESHOLDS;
  if (formatThresholds(thresholdsBefore) !== formatThresholds(after.thresholds)) {
    lines.push(`Alert thresholds: ${formatThresholds(thresholdsBefore)} → ${formatThresholds(after.thresholds)}`);
  }
  const channelBefore = before === null ? null : before.channelId;
  if (channelBefore !== after.channelId) {
    lines.push(`Alert channel: ${formatChannel(channelBefore)} → ${formatChannel(after.channelId)}`);
  }
  return lines;
};

/** The lines of `describeLimitChange` joined with `; `, for the audit log. */
export const limitChangeInOneLine = (before: ProjectLimits | null, after: ProjectLimits): string => describeLimitChange(before, after).join('; ');

/** A higher hard cap to suggest after the cap was hit: half as much again, rounded up to a whole $50. */
export const suggestHigherCap = (current: Cents): Cents => {
  const raised = Math.ceil((current * 1.5) / 5_000) * 5_000;
  return Math.min(Math.max(raised, current + 5_000), 100_000_000) as Cents;
};

/** The part of a limit change a form field holds: where a check's complaint belongs. */
export type LimitField = 'soft' | 'hard' | 'thresholds' | 'channel';

/**
 * Which field a refused change should be blamed on in a form: the field that was changed (for soft above hard,
 * the one of the two the person just typed; the hard cap when they typed both).
 */
export const fieldOfLimitError = (error: LimitChangeError, change: LimitChange): LimitField => {
  switch (error.kind) {
    case 'invalid_raise':
      return 'hard';
    case 'invalid_thresholds':
      return 'thresholds';
    case 'invalid_amount':
      return typeof change.soft === 'number' && change.soft <= 0 ? 'soft' : 'hard';
    case 'soft_above_hard':
      return change.soft !== undefined ? 'soft' : 'hard';
    case 'no_change':
      return change.hard !== undefined || change.soft === undefined ? 'hard' : 'soft';
  }
};

/**
 * A form's values minus the ones left as they were filled in (equal to what is stored): those are not changes.
 * `current` null: nothing is stored, so every given value is a change.
 */
export const withoutUnchangedFields = (change: LimitChange, current: ProjectLimits | null): LimitChange => {
  if (current === null) return change;
  const { soft, hard, thresholds, channelId, until } = change;
  return {
    ...(until !== undefined ? { until } : {}),
    ...(soft !== undefined && soft !== current.softCents ? { soft } : {}),
    ...(hard !== undefined && (until !== undefined || !(hard === 'off' ? current.hardCents === null : hard === current.hardCents)) ? { hard } : {}),
    ...(thresholds !== undefined && formatThresholds(thresholds) !== formatThresholds(current.thresholds) ? { thresholds } : {}),
    ...(channelId !== undefined && channelId !== current.channelId ? { channelId } : {}),
  };
};

/**
 * The rule of the "Request a higher cap" form (opened from a hard-cap notice): a new hard cap must be above the
 * current one and above what was already spent this month (`spentCents`, month-to-date as keywarden last polled
 * it; null when unknown), else OpenAI would go on refusing the project's requests at once. `off` (no cap) and no
 * hard change at all pass. The message gives the figures.
 */
export const checkHigherCap = (
  currentHard: Cents | null,
  wanted: Cents | 'off' | undefined,
  spentCents: Cents | null,
): Result<void, { readonly message: string }> => {
  if (wanted === undefined || wanted === 'off') return ok(undefined);
  if (currentHard !== null && wanted < currentHard) {
    return err({
      message: `A higher cap must be above the current ${formatCents(currentHard)}; ${formatCents(wanted)} is lower. Give more than ${formatCents(currentHard)}, like ${formatCents(suggestHigherCap(currentHard))}.`,
    });
  }
  if (spentCents !== null && wanted <= spentCents) {
    return err({
      message: `${formatCents(spentCents)} is already spent this month, so a cap of ${formatCents(wanted)} would keep the project stopped. Give more than ${formatCents(spentCents)}, like ${formatCents(suggestHigherCap(spentCents))}.`,
    });
  }
  return ok(undefined);
};

/** How a raise's end turns out (`endCapRaise` in the domain): see the kinds. */
export type RaiseEnding =
  /** no raise of that version is stored: it already ended, or a newer raise replaced it (that one ends it) */
  | { readonly kind: 'not_held' }
  /** its end has not come yet (ms) */
  | { readonly kind: 'not_due'; readonly endsAt: number }
  /** the cap is still the raised amount at OpenAI and in keywarden: set it back, then record `limits` */
  | { readonly kind: 'restore'; readonly raise: CapRaise; readonly limits: ProjectLimits }
  /** the cap was changed since (at OpenAI or through keywarden): leave it, and say so with both amounts */
  | { readonly kind: 'changed'; readonly raise: CapRaise; readonly foundCents: Cents | null };

/**
 * What ending the raise made at limits version `raiseVersion` means now. `stored`: keywarden's limits; `atOpenAI`:
 * OpenAI's cap in cents (null: none); `restoring`: keywarden already began setting this raise's cap back at OpenAI
 * (a crash or a lost lock cut it short), so OpenAI holding the previous cap is keywarden's own doing, not a change.
 * A restore bumps the version (thresholds re-arm, as after any limit change) and is recorded as keywarden's.
 */
export const endCapRaise = (
  stored: ProjectLimits | null,
  raiseVersion: number,
  atOpenAI: Cents | null,
  context: { readonly now: number; readonly restoring: boolean },
): RaiseEnding => {
  const raise = stored?.raise;
  if (!stored || raise === undefined || raise.version !== raiseVersion) return { kind: 'not_held' };
  if (context.now < raise.endsAt) return { kind: 'not_due', endsAt: raise.endsAt };
  const openAIAsRaised = atOpenAI === raise.raisedCents || (context.restoring && atOpenAI === raise.previousCents);
  if (stored.hardCents !== raise.raisedCents || !openAIAsRaised) {
    return { kind: 'changed', raise, foundCents: atOpenAI !== raise.raisedCents ? atOpenAI : stored.hardCents };
  }
  const { raise: _ended, ...rest } = stored;
  return {
    kind: 'restore',
    raise,
    limits: { ...rest, hardCents: raise.previousCents, version: stored.version + 1, updatedAt: context.now, updatedBy: 'keywarden' },
  };
};
