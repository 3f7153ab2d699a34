import { REQUEST_STATES, type RequestState } from '../domain/keyRequest.js';

const STATE_WORDS: Readonly<Record<RequestState, string>> = {
  pending: 'waiting for an approver',
  approved: 'approved, key not created yet',
  provisioning: 'creating the key',
  awaiting_reveal: 'key ready to reveal',
  active: 'key in use',
  denied: 'denied',
  expired: 'expired',
  failed: 'failed',
  revoked: 'key revoked',
  cancelled: 'cancelled',
};

/** A request's state as a person would say it. */
export const renderStateInWords = (state: RequestState): string => STATE_WORDS[state];

/**
 * Any state a key request's document may hold, as a person would say it: a key request's state in its words, any
 * other (read back from a document written by another release) with its underscores as spaces.
 */
export const keyStateInWords = (state: string): string =>
  (REQUEST_STATES as readonly string[]).includes(state) ? renderStateInWords(state as RequestState) : state.replaceAll('_', ' ');
