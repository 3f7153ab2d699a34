/** Failures told to a person in Slack, shared by every feature: what was wrong, and what to do instead. Pure. */
import type { ProjectLookupError } from './projects.js';

/** A failure a person can act on: what was wrong, and what to do instead. */
export interface UserFacingError {
  readonly what: string;
  readonly hint?: string;
}

/**
 * A project lookup failure in words, with the next step for the command it came from: the request form lists the
 * projects one may ask a key for; every other command points to `limits`, which lists every project.
 */
export function projectError(e: ProjectLookupError, command: 'request' | 'other' = 'other'): UserFacingError {
  if (e.kind === 'unknown' && e.suggestions.length === 0) {
    return {
      what: e.message,
      hint: command === 'request' ? 'Use `/openai-key request` alone to pick the project from a list.' : '`/openai-key limits` lists every project.',
    };
  }
  return { what: e.message };
}
