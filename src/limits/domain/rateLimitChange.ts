/** A change of a model's rate limits at OpenAI, in words, and finding the model it is for. Pure. */
import type { RateLimitChange } from './limitCommands.js';
import { closestNames, type ProjectRef } from '../../platform/domain/projects.js';
import { err, ok, type Result } from '../../platform/domain/result.js';
import type { UserFacingError } from '../../platform/domain/userFacingError.js';

/** A rate-limit change for the audit log, e.g. `requests a minute 100, tokens a minute 20,000`. */
export const rateLimitChangeInWords = (change: RateLimitChange): string =>
  [
    change.rpm === undefined ? null : `requests a minute ${change.rpm.toLocaleString('en-US')}`,
    change.tpm === undefined ? null : `tokens a minute ${change.tpm.toLocaleString('en-US')}`,
    change.rpd === undefined ? null : `requests a day ${change.rpd.toLocaleString('en-US')}`,
  ]
    .filter((part): part is string => part !== null)
    .join(', ');

/**
 * The project's rate limit for `model` (case ignored), or words naming the closest models and listing them all.
 */
export function rateLimitOfModel<R extends { readonly model: string }>(project: ProjectRef, rateLimits: readonly R[], model: string): Result<R, UserFacingError> {
  const found = rateLimits.find((r) => r.model.toLowerCase() === model.toLowerCase());
  if (found) return ok(found);
  const models = rateLimits.map((r) => r.model);
  const close = closestNames(model, models);
  return err({
    what: `${project.name} has no rate limit for a model called “${model}”.`,
    hint: `${close.length > 0 ? `Did you mean ${close.map((m) => `\`${m}\``).join(', ')}? ` : ''}Its models: ${models.map((m) => `\`${m}\``).join(', ')}.`,
  });
}
