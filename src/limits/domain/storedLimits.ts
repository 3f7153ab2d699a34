/**
 * Project limits as keywarden stores them: the domain's limits plus what keywarden keeps to compare with OpenAI
 * (the cap it last set or saw there, whether it knows OpenAI's cap, the last raise whose end it dealt with). Pure.
 */
import type { Cents } from '../../platform/domain/money.js';
import type { CapRaise, ProjectLimits } from './limits.js';

/** A project's limits as stored, with keywarden's bookkeeping about OpenAI's cap. */
export interface StoredLimits extends ProjectLimits {
  /** the hard cap keywarden last set at (or adopted from) OpenAI, in cents; null when none */
  readonly hardAtOpenAI: Cents | null;
  /** the project's name when the limits were last saved, so polls and alerts need not list every project */
  readonly projectName?: string;
  /**
   * true once keywarden has set the project's cap at OpenAI or seen what OpenAI has (a cap or none), so a different
   * cap there is drift; absent on records that predate it, which count as known when they hold a cap.
   */
  readonly capKnown?: boolean;
  /**
   * The last temporary raise whose end was dealt with, saved in the same write that removed the raise, so a job
   * retried after a crash (or the reconcile sweep) can still announce it, and knows not to end it twice.
   */
  readonly endedRaise?: EndedRaise;
}

/** How a temporary raise ended: its cap set back (`restored`), or left because it had been changed since. */
export interface EndedRaise extends CapRaise {
  readonly outcome: 'restored' | 'changed';
  /** the cap found at the end, in cents, when it had been changed (null: no cap) */
  readonly foundCents?: Cents | null;
  /** when keywarden dealt with the end (ms) */
  readonly endedAt: number;
  /** the limits version after the end */
  readonly limitsVersion: number;
}

/** The limits as the domain knows them: the stored record without the store's bookkeeping fields. */
export const withoutBookkeeping = (stored: StoredLimits | null): ProjectLimits | null => {
  if (!stored) return null;
  const { hardAtOpenAI: _hard, projectName: _name, capKnown: _known, endedRaise: _ended, ...limits } = stored;
  return limits;
};
