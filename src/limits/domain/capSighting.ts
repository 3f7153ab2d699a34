/**
 * Comparing OpenAI's spend limit (a project's hard cap) with what keywarden last set or saw, and the record that
 * takes OpenAI's value as the truth when they differ. Pure: `hardCapSync.ts` reads and writes.
 */
import { formatCents, type Cents } from '../../platform/domain/money.js';
import type { ProjectRef } from '../../platform/domain/projects.js';
import { DEFAULT_THRESHOLDS } from './limits.js';
import { withoutBookkeeping, type StoredLimits } from './storedLimits.js';

/** What keywarden makes of OpenAI's cap for a project when it differs from what keywarden holds. */
export type CapSighting = 'adopted' | 'changed' | 'removed';

/** How OpenAI's cap compares with the stored limits. */
export type CapComparison =
  /** keywarden holds no limits and OpenAI has no cap: nothing to keep */
  | { readonly kind: 'nothing-held' }
  /** the same cap as keywarden's, already known */
  | { readonly kind: 'in-step' }
  /** the same cap (none at all) seen for the first time: from now on a cap appearing there is a change */
  | { readonly kind: 'in-step-first-seen'; readonly stored: StoredLimits }
  | { readonly kind: 'differs'; readonly sighting: CapSighting };

/**
 * Compares OpenAI's cap (`observedCents`, null: none) with `stored`:
 * - a cap keywarden has never set nor seen for the project (the project was not managed, or only its soft limits
 *   were) is *adopted*;
 * - a cap that differs from the one keywarden set or saw is *drift*: `changed`, or `removed` (OpenAI no longer
 *   enforces any cap).
 * A record that predates `capKnown` counts as knowing OpenAI's cap when it holds one.
 */
export function compareCapWithOpenAI(stored: StoredLimits | null, observedCents: Cents | null): CapComparison {
  if (!stored && observedCents === null) return { kind: 'nothing-held' };
  const capKnown = stored !== null && (stored.capKnown ?? stored.hardAtOpenAI !== null);
  if (stored && stored.hardAtOpenAI === observedCents) return capKnown ? { kind: 'in-step' } : { kind: 'in-step-first-seen', stored };
  return { kind: 'differs', sighting: !capKnown ? 'adopted' : observedCents === null ? 'removed' : 'changed' };
}

/**
 * The record after OpenAI's cap is taken as the truth: its cap as the hard limit, the version bumped (thresholds
 * re-arm), the soft limit, thresholds (default 50/80/100) and channel (default `alertChannel`) kept. A raise stays
 * until its end, which then reports that the cap was changed at OpenAI meanwhile.
 */
export function limitsTakenFromOpenAI(
  stored: StoredLimits | null,
  project: Pick<ProjectRef, 'id' | 'name'>,
  observedCents: Cents | null,
  context: { readonly now: number; readonly alertChannel: string },
): StoredLimits {
  const base = withoutBookkeeping(stored);
  return {
    projectId: project.id,
    softCents: base?.softCents ?? null,
    hardCents: observedCents,
    thresholds: base?.thresholds ?? [...DEFAULT_THRESHOLDS],
    channelId: base?.channelId ?? context.alertChannel,
    version: (stored?.version ?? 0) + 1,
    updatedAt: context.now,
    updatedBy: 'openai',
    hardAtOpenAI: observedCents,
    capKnown: true,
    projectName: project.name,
    ...(base?.raise !== undefined ? { raise: base.raise } : {}),
    ...(stored?.endedRaise !== undefined ? { endedRaise: stored.endedRaise } : {}),
  };
}

/** The audit log's words for a sighting, e.g. `Hard limit: $500.00 → off`. */
export function capSightingInWords(sighting: CapSighting, before: Cents | null, observedCents: Cents | null): string {
  return sighting === 'adopted' ? `Hard limit: ${formatCap(observedCents)}` : `Hard limit: ${formatCap(before)} → ${formatCap(observedCents)}`;
}

const formatCap = (cents: Cents | null): string => (cents === null ? 'off' : formatCents(cents));
