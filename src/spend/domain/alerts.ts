/**
 * Which spend alerts hold for a project right now. `evaluate` is pure and returns every alert whose condition
 * holds, each with an identity; the ledger's SET NX on the identity decides which are new, so each
 * (project, month, limits version, kind, threshold) is posted once, and a new month or limits version re-arms all.
 */
import type { ProjectLimits } from '../../limits/domain/limits.js';
import type { Cents } from '../../platform/domain/money.js';
import { totalSpendCents, type MonthSpend } from './aggregate.js';
import { forecastCrossing, forecastMonthEnd } from './forecast.js';


export type AlertKind = 'soft' | 'hard' | 'forecast';

/** OpenAI's enforcement status of the project's spend limit; null when the project has none or it was not read. */
export type Enforcement = 'inactive' | 'enforcing' | null;

/** The threshold recorded for hard-cap and forecast alerts: both are about 100% of the hard cap. */
export const HARD_CAP_THRESHOLD = 100;

export interface AlertIdentityParts {
  readonly projectId: string;
  /** `2026-11` */
  readonly month: string;
  readonly limitsVersion: number;
  readonly kind: AlertKind;
  readonly threshold: number;
}

/**
 * Anything outside [A-Za-z0-9_-] in a project id is percent-encoded, so the identity never holds a `:` (BullMQ job
 * ids may not) and its dots always separate its parts.
 */
const identityPart = (text: string): string =>
  text.replace(/[^A-Za-z0-9_-]/g, (char) =>
    [...new TextEncoder().encode(char)].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
  );

/** `alert.proj_x.2026-11.v3.soft.80`: the ledger key suffix and the notify job's id. */
export const alertIdentity = (parts: AlertIdentityParts): string => {
  if (!/^\d{4}-\d{2}$/.test(parts.month)) throw new RangeError(`month must be YYYY-MM, got ${parts.month}`);
  if (!Number.isSafeInteger(parts.limitsVersion) || parts.limitsVersion < 0) {
    throw new RangeError(`limits version must be a whole number, got ${parts.limitsVersion}`);
  }
  if (!Number.isSafeInteger(parts.threshold) || parts.threshold < 0) {
    throw new RangeError(`threshold must be a whole percentage, got ${parts.threshold}`);
  }
  return `alert.${identityPart(parts.projectId)}.${parts.month}.v${parts.limitsVersion}.${parts.kind}.${parts.threshold}`;
};

interface AlertBase {
  readonly identity: string;
  readonly projectId: string;
  readonly month: string;
  readonly limitsVersion: number;
  readonly threshold: number;
  /** billed plus estimated */
  readonly spendCents: Cents;
  /** the part of `spendCents` that is estimated from usage */
  readonly estimateCents: Cents;
  /** usage could not be read, so `spendCents` may be short of the truth */
  readonly estimateMissing: boolean;
}

export interface SoftAlert extends AlertBase {
  readonly kind: 'soft';
  readonly limitCents: Cents;
}

export interface HardAlert extends AlertBase {
  readonly kind: 'hard';
  /** null when OpenAI enforces a cap keywarden has no record of */
  readonly limitCents: Cents | null;
  /** `reached`: spend is at or over the cap; `enforcing`: OpenAI says it enforces the cap, whatever spend shows */
  readonly reason: 'reached' | 'enforcing';
  /**
   * OpenAI's enforcement status when the alert was claimed: it enforces a reached cap with a lag, so a reached cap
   * may still read `inactive`; null when it could not be read. Absent on alerts claimed before it was recorded.
   */
  readonly enforcement?: Enforcement;
}

export interface ForecastAlert extends AlertBase {
  readonly kind: 'forecast';
  readonly limitCents: Cents;
  /** ms; when spend is expected to pass the hard cap */
  readonly expectedAt: number;
  readonly projectedCents: Cents;
  readonly dailyAverageCents: Cents;
  readonly basisDays: number;
}

export type Alert = SoftAlert | HardAlert | ForecastAlert;

export interface EvaluateInput {
  readonly spend: MonthSpend;
  readonly limits: ProjectLimits;
  readonly enforcement: Enforcement;
  readonly now: number;
}

/**
 * Every alert whose condition holds: one soft alert per threshold crossed (spend ≥ threshold% of the soft limit),
 * a hard alert when spend reaches the hard cap or OpenAI reports it enforcing, and a forecast alert when, below the
 * cap, the month is on pace to pass it. Alerts come in order: soft by threshold, then hard or forecast.
 */
export const evaluate = ({ spend, limits, enforcement, now }: EvaluateInput): Alert[] => {
  if (limits.projectId !== spend.projectId) {
    throw new Error(`limits of ${limits.projectId} cannot be evaluated against spend of ${spend.projectId}`);
  }
  const spendCents = totalSpendCents(spend);
  const base = (kind: AlertKind, threshold: number): AlertBase => ({
    identity: alertIdentity({ projectId: spend.projectId, month: spend.month, limitsVersion: limits.version, kind, threshold }),
    projectId: spend.projectId,
    month: spend.month,
    limitsVersion: limits.version,
    threshold,
    spendCents,
    estimateCents: spend.estimateCents,
    estimateMissing: spend.estimateMissing,
  });
  const alerts: Alert[] = [];
  const soft = limits.softCents;
  if (soft !== null) {
    for (const threshold of limits.thresholds) {
      if (spendCents * 100 >= soft * threshold) alerts.push({ ...base('soft', threshold), kind: 'soft', limitCents: soft });
    }
  }
  const hard = limits.hardCents;
  const reached = hard !== null && spendCents >= hard;
  if (reached || enforcement === 'enforcing') {
    alerts.push({ ...base('hard', HARD_CAP_THRESHOLD), kind: 'hard', limitCents: hard, reason: reached ? 'reached' : 'enforcing', enforcement });
    return alerts;
  }
  if (hard !== null) {
    const forecast = forecastMonthEnd(spend.daily, now, spend.monthStart, spendCents);
    const expectedAt = forecastCrossing(forecast, hard);
    if (forecast.kind === 'projected' && expectedAt !== null && forecast.projectedCents > hard) {
      alerts.push({
        ...base('forecast', HARD_CAP_THRESHOLD),
        kind: 'forecast',
        limitCents: hard,
        expectedAt,
        projectedCents: forecast.projectedCents,
        dailyAverageCents: forecast.dailyAverageCents,
        basisDays: forecast.basisDays,
      });
    }
  }
  return alerts;
};

/** Spend as a whole percentage of a limit, rounded down, so 100% is only shown once the limit is reached. */
export const percentOf = (spendCents: Cents, limitCents: Cents): number =>
  limitCents <= 0 ? 0 : Math.max(0, Math.floor((spendCents * 100) / limitCents));

/** Whether the hard cap is reached: spend at or over it, or OpenAI enforcing it. Nothing is forecast past this. */
export const hardCapReached = (spendCents: Cents, hardCents: Cents | null, enforcement: Enforcement): boolean =>
  enforcement === 'enforcing' || (hardCents !== null && spendCents >= hardCents);

/**
 * How high a threshold an alert stands for, for telling one alert per poll: soft thresholds by their percentage,
 * the hard cap above them all; null for a forecast, which is not a threshold and is told on its own. When one poll
 * crosses several thresholds, the highest is told and names the others.
 */
export const thresholdRank = (alert: Alert): number | null =>
  alert.kind === 'forecast' ? null : alert.kind === 'hard' ? Number.MAX_SAFE_INTEGER : alert.threshold;
