/** What keywarden says when OpenAI's cap for a project is not the one keywarden holds: adoption or drift. */
import { formatCents, type Cents } from '../../platform/domain/money.js';
import { composeMessage, contextBlock, sectionBlock, type RenderedMessage } from '../../platform/slack/render/blocks.js';
import { commandCode, projectArgument, projectLabel, projectName } from './format.js';
import type { LimitsProject } from './types.js';

export interface CapSightingInput {
  readonly project: LimitsProject;
  /** the cap keywarden had set or seen; null when none */
  readonly keywardenCents: Cents | null;
  /** the cap OpenAI has now; null when it has none */
  readonly openaiCents: Cents | null;
  /** true: keywarden had never set nor seen this project's cap (first sighting), so it is adopted, not drift */
  readonly adopted?: boolean;
}

/**
 * One notice in the project's alert channel, posted once per change:
 * - adopted: "keywarden now tracks the $X cap set at OpenAI" (neutral: nothing was changed behind anyone's back);
 * - changed: both amounts, and that keywarden follows OpenAI's;
 * - removed: the cap keywarden had, and that OpenAI no longer stops the project at any amount.
 */
export const renderCapSighting = (input: CapSightingInput): RenderedMessage => {
  const label = projectLabel(input.project);
  const name = projectName(input.project);
  const change = commandCode(`limit ${projectArgument(input.project)} hard <amount>`);
  if (input.adopted === true) {
    if (input.openaiCents === null) {
      const text = `:information_source: ${label} has no hard cap at OpenAI.`;
      return composeMessage(`${name} has no hard cap at OpenAI.`, [sectionBlock(text)]);
    }
    const amount = formatCents(input.openaiCents);
    const text = `:information_source: keywarden now tracks the ${amount} hard cap set at OpenAI for ${label}. Alerts follow it from now on.`;
    return composeMessage(`keywarden now tracks the ${amount} hard cap set at OpenAI for ${name}.`, [
      sectionBlock(text),
      contextBlock(`Change it through keywarden with ${change}.`),
    ]);
  }
  const before = input.keywardenCents === null ? 'no cap' : formatCents(input.keywardenCents);
  if (input.openaiCents === null) {
    const text =
      `:warning: The ${before} hard cap of ${label} was removed at OpenAI, outside keywarden: ` +
      'OpenAI no longer stops the project’s requests at any amount. keywarden now shows no hard cap for it.';
    return composeMessage(`The ${before} hard cap of ${name} was removed at OpenAI, outside keywarden.`, [
      sectionBlock(text),
      contextBlock(`Hard cap: ${before} → off. Set one again with ${change}.`),
    ]);
  }
  const after = formatCents(input.openaiCents);
  const text =
    `:warning: The hard cap of ${label} was changed at OpenAI, outside keywarden: from ${before} to ${after}. ` +
    'OpenAI enforces its own figure, so keywarden and its alerts follow it from now on.';
  return composeMessage(`The hard cap of ${name} was changed at OpenAI, outside keywarden: from ${before} to ${after}.`, [
    sectionBlock(text),
    contextBlock(`Hard cap: ${before} → ${after}. Change it through keywarden with ${change}.`),
  ]);
};
