/** The words and mrkdwn pieces every limits surface shares, so a limit reads the same everywhere. */
import type { KnownBlock } from '@slack/types';
import type { ProjectLimits } from '../domain/limits.js';
import { formatCents, type Cents } from '../../platform/domain/money.js';
import { SLASH_COMMAND } from '../../platform/slack/ids.js';
import { sectionBlock } from '../../platform/slack/render/blocks.js';
import { BLOCK_KIT_LIMITS } from '../../platform/slack/render/blockKitLimits.js';
import { codeSpan, escapeMrkdwn, fitUserText, mentionChannel, mentionUser, truncateMrkdwn } from '../../platform/slack/render/mrkdwn.js';
import type { HardCapEnforcement, LimitsProject, LimitsRow } from './types.js';

const PROJECT_NAME_MAX = 200;
const PROJECT_ID_MAX = 100;
/** Longer names are typed back as their id: a command hint should stay short enough to retype. */
const TYPED_NAME_MAX = 60;

export const ENFORCING_WORDS = ':no_entry: enforcing — OpenAI is refusing requests';

/**
 * `*Name*`, escaped: people know projects by name, so the id is shown only when there is no name (then as code).
 */
export const projectLabel = (project: LimitsProject): string =>
  project.name.trim() === '' || project.name === project.id
    ? codeSpan(project.id, PROJECT_ID_MAX)
    : `*${fitUserText(project.name, PROJECT_NAME_MAX)}*`;

/** The project's name for fallback text and headers: escaped, shortened, the id when there is no name. */
export const projectName = (project: LimitsProject, max = 150): string =>
  fitUserText(project.name.trim() === '' ? project.id : project.name, max);

/**
 * How to name the project in a command someone copies: the name (quoted when it has spaces) when it can be typed
 * back exactly, else the id.
 */
export const projectArgument = (project: LimitsProject): string => {
  const name = project.name.trim();
  if (name === '' || name.length > TYPED_NAME_MAX || /["“”'‘’`\n\r\t]/.test(name)) return project.id;
  return /\s/.test(name) ? `"${name}"` : name;
};

/**
 * Who did something, in words: a person as a mention Slack renders; keywarden's own work (`keywarden`, `system`)
 * as keywarden; `openai` (a change made at OpenAI, outside keywarden) as such.
 */
export const actorText = (actor: string): string => {
  if (actor === 'keywarden' || actor === 'system') return 'keywarden';
  if (actor === 'openai') return 'someone at OpenAI (outside keywarden)';
  return mentionUser(actor);
};

/** A command shown as inline code, e.g. `/openai-key limits "Support Bot"`; user text in it is escaped. */
export const commandCode = (args: string): string => codeSpan(`${SLASH_COMMAND} ${args}`, 300);

export const formatLimit = (amount: Cents | null): string => (amount === null ? 'none' : formatCents(amount));

export const formatThresholds = (values: readonly number[]): string => values.map((value) => `${value}%`).join(', ');

export const channelText = (channelId: string | null): string => (channelId === null ? 'none set' : mentionChannel(channelId));

export const groupDigits = (value: number): string => {
  if (!Number.isFinite(value)) return '—';
  const sign = value < 0 ? '-' : '';
  const [whole = '0', fraction] = String(Math.abs(value)).split('.');
  return `${sign}${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${fraction === undefined ? '' : `.${fraction}`}`;
};

export const plural = (count: number, one: string, many = `${one}s`): string => `${groupDigits(count)} ${count === 1 ? one : many}`;

/** Whole percent of `limit` spent, rounded down so 99.9% never reads as 100%. */
const percentOf = (spent: Cents, limit: Cents): number => Math.floor((spent * 100) / limit);

/** Month-to-date spend with how much of each limit it is, e.g. `$312.40 · 62% of soft, 39% of hard`. */
export const spendText = (
  row: Pick<LimitsRow, 'monthToDateCents' | 'estimateIncluded' | 'limits'>,
  opts: { readonly bold: boolean } = { bold: true },
): string => {
  if (row.monthToDateCents === null) return 'unknown';
  const spent = row.monthToDateCents;
  const shares: string[] = [];
  const soft = row.limits?.softCents ?? null;
  const hard = row.limits?.hardCents ?? null;
  if (soft !== null && soft > 0) shares.push(`${percentOf(spent, soft)}% of soft`);
  if (hard !== null && hard > 0) shares.push(`${percentOf(spent, hard)}% of hard`);
  return (
    `${opts.bold ? `*${formatCents(spent)}*` : formatCents(spent)}${row.estimateIncluded === true ? ' (partly estimated)' : ''}` +
    (shares.length === 0 ? '' : ` · ${shares.join(', ')}`)
  );
};

/** The hard cap keywarden set and what OpenAI says about it. */
export const hardCapText = (hardCents: Cents | null, enforcement: HardCapEnforcement): string => {
  if (hardCents === null) {
    switch (enforcement) {
      case 'enforcing':
        return `set at OpenAI, not by keywarden · ${ENFORCING_WORDS}`;
      case 'inactive':
        return 'set at OpenAI, not by keywarden · not enforcing';
      case 'none':
      case null:
        return 'none';
    }
  }
  const amount = formatCents(hardCents);
  switch (enforcement) {
    case 'enforcing':
      return `${amount} · ${ENFORCING_WORDS}`;
    case 'inactive':
      return `${amount} · OpenAI: not enforcing`;
    case 'none':
      return `${amount} · :warning: not set at OpenAI`;
    case null:
      return `${amount} · OpenAI's status unknown`;
  }
};

/** Soft limit and its alert thresholds, e.g. `$500.00 · alerts at 50%, 80%, 100%`. */
export const softLimitText = (limits: ProjectLimits): string =>
  `${formatLimit(limits.softCents)} · alerts at ${formatThresholds(limits.thresholds)}`;

/**
 * A line the domain wrote (e.g. by `describeLimitChange`), made safe for mrkdwn: everything is escaped except
 * channel mentions by id, which the domain writes as `<#C…>` on purpose.
 */
export const domainLine = (line: string): string =>
  escapeMrkdwn(line).replace(/&lt;#([CGD][A-Z0-9]{2,30})&gt;/g, '<#$1>');

/**
 * Packs lines into at most `maxSections` section texts within Slack's section limit. `packed` is how many lines
 * made it in, so the caller can say how many were left out.
 */
export const packLines = (
  lines: readonly string[],
  maxSections: number,
  separator = '\n',
): { readonly sections: string[]; readonly packed: number } => {
  const sections: string[] = [];
  let packed = 0;
  for (const raw of lines) {
    const line = truncateMrkdwn(raw, BLOCK_KIT_LIMITS.sectionText);
    const current = sections[sections.length - 1];
    if (current !== undefined && current.length + separator.length + line.length <= BLOCK_KIT_LIMITS.sectionText) {
      sections[sections.length - 1] = `${current}${separator}${line}`;
    } else if (sections.length < maxSections) {
      sections.push(line);
    } else {
      break;
    }
    packed += 1;
  }
  return { sections, packed };
};

export const sectionsOf = (texts: readonly string[]): KnownBlock[] => texts.map((text) => sectionBlock(text));
