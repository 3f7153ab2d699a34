/** A temporary hard-cap raise as Slack shows it: its end in the limits views, and the announcement of its end. */
import { raiseInForce, type ProjectLimits } from '../domain/limits.js';
import { formatCents, type Cents } from '../../platform/domain/money.js';
import type { EndedRaise } from '../limitStore.js';
import { composeMessage, contextBlock, sectionBlock, type RenderedMessage } from '../../platform/slack/render/blocks.js';
import { mentionUser, slackDate, utcDateText } from '../../platform/slack/render/mrkdwn.js';
import { commandCode, projectArgument, projectLabel, projectName } from './format.js';
import type { LimitsProject } from './types.js';

const capWords = (cents: Cents | null): string => (cents === null ? 'no cap' : formatCents(cents));

/**
 * A raise's end in Slack's date format (each reader's own time zone) and in UTC, exact to the minute, e.g.
 * `<!date^1803916800^{date_short_pretty} {time}|2027-03-01 00:00 UTC> (2027-03-01 00:00 UTC)`.
 */
export const raiseEndText = (ms: number): string => `${slackDate(ms)} (${utcDateText(ms)})`;

/**
 * The raise in force, as one line for the limits views: `Raised until <date> (UTC) · then back to $1,000.00`;
 * null when the project has no raise in force.
 */
export const raiseLine = (limits: Pick<ProjectLimits, 'hardCents' | 'raise'> | null): string | null => {
  const raise = raiseInForce(limits);
  if (raise === null) return null;
  return `:arrow_up: Raised until ${raiseEndText(raise.endsAt)} · then back to ${capWords(raise.previousCents)}`;
};

/**
 * The announcement in the project's alert channel that a temporary raise ended, posted once:
 * - restored: the cap is back at the previous amount (or none), at OpenAI and in keywarden; thresholds re-arm;
 * - changed: the cap had been changed since the raise (both amounts), so keywarden left it as it is.
 */
export const renderCapRaiseEnded = (input: { readonly project: LimitsProject; readonly ended: EndedRaise }): RenderedMessage => {
  const { project, ended } = input;
  const label = projectLabel(project);
  const name = projectName(project);
  const raised = formatCents(ended.raisedCents);
  const previous = capWords(ended.previousCents);
  const see = `See the limits with ${commandCode(`limits ${projectArgument(project)}`)}`;
  if (ended.outcome === 'restored') {
    const text =
      `:arrow_down: The temporary raise of ${label}'s hard cap to ${raised} ended ${raiseEndText(ended.endsAt)}: ` +
      (ended.previousCents === null ? 'the project has no hard cap again, at OpenAI and in keywarden.' : `the cap is back to ${previous}, at OpenAI and in keywarden.`);
    return composeMessage(
      `The temporary raise of ${name}'s hard cap to ${raised} ended: ${ended.previousCents === null ? 'no hard cap again' : `back to ${previous}`}.`,
      [
        sectionBlock(text),
        contextBlock(`Hard cap: ${raised} → ${ended.previousCents === null ? 'off' : previous} · raised by ${mentionUser(ended.by)} · alerts start again from the thresholds this month · ${see}`),
      ],
    );
  }
  const found = capWords(ended.foundCents ?? null);
  const text =
    `:information_source: The temporary raise of ${label}'s hard cap to ${raised} ended ${raiseEndText(ended.endsAt)}, ` +
    `but the cap had been changed since: it is ${found} now, not ${raised}. keywarden left it as it is instead of setting ${previous} back.`;
  return composeMessage(
    `The temporary raise of ${name}'s hard cap to ${raised} ended, but the cap had been changed since (now ${found}); keywarden left it as it is.`,
    [sectionBlock(text), contextBlock(`Raised to ${raised} by ${mentionUser(ended.by)} · now ${found} · ${see}`)],
  );
};
