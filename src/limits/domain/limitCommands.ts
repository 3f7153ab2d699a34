/**
 * The limit subcommands of `/openai-key`: `limits`, `limit`, `ratelimit` and `audit`, their help entries and their
 * parsers (tokens in, a command or a refusal in words out). Pure: no I/O; `limit … until` reads the time it is given.
 * The slash command's router composes these with the other features' subcommands (src/commands/domain/command.ts).
 */
import { commandFailure, notAProject, type CommandError, type HelpEntry, type Token } from '../../platform/domain/commandText.js';
import { parseAmount, type Cents } from '../../platform/domain/money.js';
import { err, ok, type Result } from '../../platform/domain/result.js';
import { checkRaiseEnd, parseThresholds, type LimitChange } from './limits.js';

export type LimitSubcommand = 'limits' | 'limit' | 'ratelimit' | 'audit';

export interface RateLimitChange {
  readonly rpm?: number;
  readonly tpm?: number;
  readonly rpd?: number;
}

export type LimitCommand =
  /** project names or ids as typed; empty means every project */
  | { readonly kind: 'limits'; readonly projects: string[] }
  | { readonly kind: 'limit'; readonly project: string; readonly change: LimitChange }
  | { readonly kind: 'ratelimit-show'; readonly project: string }
  | { readonly kind: 'ratelimit'; readonly project: string; readonly model: string; readonly change: RateLimitChange }
  | { readonly kind: 'audit'; readonly project: string | null; readonly days: number };

export const AUDIT_DEFAULT_DAYS = 7;
export const AUDIT_MAX_DAYS = 90;
const MAX_RATE_LIMIT = 1_000_000_000;

/** The help entries of the limit subcommands, in the order help lists them. */
export const LIMIT_HELP: readonly HelpEntry[] = [
  {
    command: 'limits',
    usage: 'limits [project …]',
    example: 'limits "Support Bot" Billing',
    summary: "Show projects' spend limits, alert thresholds and alert channels (every project if none is named).",
    who: 'Anyone.',
    details: ['project: names (in quotes if they have spaces) or ids (proj_…); none shows every project.'],
  },
  {
    command: 'limit',
    usage: 'limit <project> [soft <amount>] [hard <amount> [until <date or Nd>] | hard off] [at <percentages>] [channel <#channel>]',
    example: 'limit "Support Bot" soft 500 hard 1k at 50,80,100 channel #ai-spend',
    summary: "Change a project's monthly spend limits or where and when its alerts go.",
    who: "Anyone: an admin's change applies at once; anyone else's becomes a request that an approver decides.",
    details: [
      'soft <amount>: alerts only, in dollars (500, $1,250.50, 2.5k).',
      'hard <amount> | hard off: the cap set at OpenAI, or none.',
      'until <date or Nd>: with hard <amount>, a temporary raise, then the cap goes back: until 2027-03-01 (00:00 UTC), until 2027-03-01T18:00Z, until 7d or until 12h; within a year.',
      'at <percentages>: when to alert, like 50,80,100 (whole percentages from 1 to 100).',
      'channel <#channel>: where the alerts go.',
    ],
    moreExamples: ['limit Billing hard off', 'limit Billing hard 5k until 7d'],
  },
  {
    command: 'ratelimit',
    usage: 'ratelimit <project> [<model> [rpm <n>] [tpm <n>] [rpd <n>]]',
    example: 'ratelimit Billing gpt-4o-mini rpm 500 tpm 200k',
    summary: "Show a project's rate limits per model, or set a model's requests per minute, tokens per minute and requests per day.",
    who: 'Anyone can see rate limits; only admins can change them.',
    details: [
      'ratelimit <project> shows the limits; adding a model and values changes them.',
      'rpm, tpm, rpd: positive whole numbers, like 500, 10,000 or 200k (at most 1,000,000,000).',
    ],
    moreExamples: ['ratelimit Billing'],
  },
  {
    command: 'audit',
    usage: 'audit [project] [days]',
    example: 'audit "Support Bot" 30',
    summary: `Show who requested, approved, revoked and changed what, over the last 1 to ${90} days (${7} unless you say).`,
    who: 'Admins only.',
    adminOnly: true,
    details: ['project: a name or id; none shows every project.', 'days: a whole number from 1 to 90, like 30 or 30d.'],
  },
];

/** A name as the user should type it back: quoted when it has spaces. */
const asTyped = (name: string): string => (/\s/.test(name) ? `"${name}"` : name);

/** `limits [project …]`: names or ids as typed; none means every project. */
export const parseLimits = (tokens: readonly Token[]): Result<LimitCommand, CommandError> => {
  for (const token of tokens) {
    const mention = notAProject(token, 'limits', 'limits "Support Bot"');
    if (mention) return mention;
  }
  const projects = tokens.map((token) => token.value).filter((name) => name !== '');
  return ok({ kind: 'limits', projects });
};

const LIMIT_OPTIONS = ['soft', 'hard', 'until', 'at', 'channel'] as const;
type LimitOption = (typeof LIMIT_OPTIONS)[number];
const LIMIT_OPTIONS_TEXT = 'soft <amount>, hard <amount> (until <date or Nd> for a temporary raise) or hard off, at <percentages>, channel <#channel>';

const UNTIL_FORMS = 'like until 2027-03-01, until 2027-03-01T18:00Z, until 7d or until 12h';
const UNTIL_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(00))?(Z|[+-]\d{2}:?\d{2})?)?$/i;
const UNTIL_SPAN = /^(\d{1,4})\s*(d|h|days?|hours?)$/i;
const MINUTE_MS = 60_000;

/**
 * The end of a temporary raise, as ms since epoch, exact to the minute: a date (`2027-03-01`, 00:00 UTC that day),
 * a UTC time (`2027-03-01T18:00Z`, or with an offset such as `+01:00`; a time without a zone is read as UTC), or a
 * span from `now` (`7d`, `12h`, rounded up to the next whole minute). Refused: impossible dates, the past, and more
 * than a year ahead (`checkRaiseEnd`). Source for the date forms: ISO 8601 / RFC 3339 (date, time, offset).
 */
export const parseRaiseEnd = (text: string, now: number): Result<number, string> => {
  const input = text.trim();
  const span = UNTIL_SPAN.exec(input);
  let endsAt: number;
  if (span) {
    const count = Number(span[1]);
    if (count < 1) return err(`"${input}" is no time at all; the raise must last at least a minute, ${UNTIL_FORMS}.`);
    const unit = (span[2] ?? 'd').toLowerCase().startsWith('d') ? 86_400_000 : 3_600_000;
    endsAt = Math.floor((now + count * unit) / MINUTE_MS) * MINUTE_MS;
  } else {
    const date = UNTIL_DATE.exec(input);
    if (!date) return err(`"${input}" is not a date or a number of days or hours, ${UNTIL_FORMS}.`);
    const [, y = '', mo = '', d = '', h = '00', mi = '00', , zone] = date;
    const parts = [Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi)] as const;
    const utc = Date.UTC(...parts);
    const check = new Date(utc);
    if (check.getUTCMonth() !== parts[1] || check.getUTCDate() !== parts[2] || Number(h) > 23 || Number(mi) > 59) {
      return err(`${input} is not a real date and time, ${UNTIL_FORMS}.`);
    }
    let offsetMinutes = 0;
    if (zone !== undefined && zone.toUpperCase() !== 'Z') {
      const digits = zone.replace(':', '');
      offsetMinutes = (digits.startsWith('-') ? -1 : 1) * (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5)));
    }
    endsAt = utc - offsetMinutes * MINUTE_MS;
  }
  const checked = checkRaiseEnd(endsAt, now);
  return checked.ok ? ok(checked.value) : err(checked.error.message);
};

const limitOptionOf = (token: Token | undefined): LimitOption | null => {
  if (!token || token.quoted) return null;
  const word = token.value.toLowerCase();
  return (LIMIT_OPTIONS as readonly string[]).includes(word) ? (word as LimitOption) : null;
};

const SLACK_CHANNEL_LINK = /^<#([CG][A-Z0-9]{2,})(?:\|[^>]*)?>$/;
const CHANNEL_ID = /^#?([CG](?=[A-Z0-9]*\d)[A-Z0-9]{2,})$/;

const parseChannel = (token: Token): Result<string, CommandError> => {
  const id = SLACK_CHANNEL_LINK.exec(token.raw)?.[1] ?? CHANNEL_ID.exec(token.value)?.[1];
  if (id) return ok(id);
  const plain = token.value.startsWith('#')
    ? `Slack sent "${token.value}" as plain text, so I can't tell which channel it is. `
    : `"${token.value}" is not a channel. `;
  return commandFailure(
    'invalid_channel',
    `${plain}Pick the channel from the list Slack shows when you type #, or give its id (like C0123ABCD, at the bottom of the channel's details).`,
    'limit',
  );
};

/**
 * `limit <project> [soft <amount>] [hard <amount> [until <date or Nd>] | hard off] [at <percentages>] [channel <#channel>]`.
 * `now` (ms since epoch) is needed to read `until`; without it such a command throws.
 */
export const parseLimit = (tokens: readonly Token[], now: number | undefined): Result<LimitCommand, CommandError> => {
  const first = tokens[0];
  if (!first || limitOptionOf(first) !== null) {
    return commandFailure('missing_argument', `Name the project first, like: limit "Support Bot" soft 500 hard 1k`, 'limit');
  }
  const mention = notAProject(first, 'limit', 'limit "Support Bot" soft 500');
  if (mention) return mention;
  let index = 1;
  let project = first.value;
  if (!first.quoted) {
    while (index < tokens.length && limitOptionOf(tokens[index]) === null) {
      project += ` ${tokens[index]?.value ?? ''}`;
      index += 1;
    }
  }
  if (project.trim() === '') return commandFailure('missing_argument', 'The project name in quotes is empty. Name the project, like "Support Bot".', 'limit');

  const change: { soft?: Cents; hard?: Cents | 'off'; thresholds?: number[]; channelId?: string; until?: number } = {};
  const seen = new Set<LimitOption>();
  while (index < tokens.length) {
    const token = tokens[index];
    const option = limitOptionOf(token);
    if (option === null) {
      return commandFailure(
        'unknown_option',
        `"${token?.value ?? ''}" is not something limit can change. Use ${LIMIT_OPTIONS_TEXT}. Put project names with spaces in quotes.`,
        'limit',
      );
    }
    if (seen.has(option)) return commandFailure('duplicate_option', `${option} is given twice; give each option once.`, 'limit');
    seen.add(option);
    const value = tokens[index + 1];
    if (!value || limitOptionOf(value) !== null) {
      const wanted = {
        soft: 'an amount, like soft 500',
        hard: 'an amount or off, like hard 1k or hard off',
        at: 'percentages, like at 50,80,100',
        channel: 'a channel, like channel #ai-spend',
        until: `a date or a number of days or hours, ${UNTIL_FORMS}`,
      }[option];
      return commandFailure('missing_argument', `${option} needs ${wanted}.`, 'limit');
    }
    index += 2;
    if (option === 'soft' || option === 'hard') {
      if (option === 'hard' && !value.quoted && value.value.toLowerCase() === 'off') {
        change.hard = 'off';
        continue;
      }
      const amount = parseAmount(value.value);
      if (!amount.ok) {
        return commandFailure('invalid_amount', `${option === 'soft' ? 'Soft' : 'Hard'} limit: ${amount.error.message}`, 'limit');
      }
      change[option] = amount.value;
    } else if (option === 'until') {
      if (now === undefined) throw new Error('parseLimit needs the clock (now) to read until');
      let typed = value.value;
      // `until 7 days` arrives as two tokens: take the unit along.
      const unit = tokens[index];
      if (/^\d+$/.test(typed) && unit && !unit.quoted && /^(d|h|days?|hours?)$/i.test(unit.value)) {
        typed = `${typed}${unit.value}`;
        index += 1;
      }
      const end = parseRaiseEnd(typed, now);
      if (!end.ok) return commandFailure('invalid_date', `Until: ${end.error}`, 'limit');
      change.until = end.value;
    } else if (option === 'at') {
      // `at 50, 80, 100` and `at 50 80 100` arrive as several tokens: take every one that can be part of the list.
      const pieces = [value.value];
      while (index < tokens.length) {
        const next = tokens[index];
        if (!next || next.quoted || !/^[\d%,]+$/.test(next.value)) break;
        pieces.push(next.value);
        index += 1;
      }
      const negative = pieces.find((piece) => /^-\d/.test(piece.trim()));
      if (negative !== undefined) {
        return commandFailure(
          'invalid_thresholds',
          `Alert thresholds must be positive whole percentages from 1 to 100; "${negative}" is not. Like: at 50,80,100`,
          'limit',
        );
      }
      const thresholds = parseThresholds(pieces.join(',').replace(/,+/g, ',').replace(/^,|,$/g, ''));
      if (!thresholds.ok) return commandFailure('invalid_thresholds', `Alert thresholds: ${thresholds.error.message}`, 'limit');
      change.thresholds = thresholds.value;
    } else {
      const channel = parseChannel(value);
      if (!channel.ok) return channel;
      change.channelId = channel.value;
    }
  }
  if (change.until !== undefined && typeof change.hard !== 'number') {
    return commandFailure(
      'missing_option',
      change.hard === 'off'
        ? 'until raises the cap for a while, so it cannot go with hard off. Give the raised cap, like: hard 2k until 7d'
        : `until needs the raised cap before it, like: limit ${asTyped(project)} hard 2k until 7d`,
      'limit',
    );
  }
  if (seen.size === 0) {
    return commandFailure(
      'missing_option',
      `Say what to change for ${asTyped(project)}, like: limit ${asTyped(project)} soft 500 hard 1k. You can use ${LIMIT_OPTIONS_TEXT}.`,
      'limit',
    );
  }
  return ok({ kind: 'limit', project, change });
};

const COUNT = /^(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?([km])?$/i;

/** `500`, `10,000`, `200k`, `1.5m`: a whole number from 1 to a billion. The error is a sentence for people. */
const parseCount = (text: string): Result<number, string> => {
  const forms = 'Use a positive whole number like 500, 10,000 or 200k.';
  if (/^\s*[-−]/.test(text)) return err(`It must be a positive whole number; "${text}" is negative. ${forms}`);
  const match = COUNT.exec(text.trim());
  if (!match) return err(`"${text}" is not a number. ${forms}`);
  const [, whole = '', fraction = '', suffix = ''] = match;
  const scale = suffix.toLowerCase() === 'k' ? 3 : suffix.toLowerCase() === 'm' ? 6 : 0;
  if (fraction.length > scale) return err(`"${text}" is not a whole number. ${forms}`);
  const digits = whole.replaceAll(',', '');
  if (digits.length > 10) return err(`"${text}" is too large; the most is 1,000,000,000.`);
  const value = Number(digits) * 10 ** scale + Number(fraction.padEnd(scale, '0') || '0');
  if (value < 1) return err(`It must be a positive whole number (at least 1); "${text}" is not. ${forms}`);
  if (value > MAX_RATE_LIMIT) return err(`"${text}" is too large; the most is 1,000,000,000.`);
  return ok(value);
};

const RATE_OPTIONS = ['rpm', 'tpm', 'rpd'] as const;
type RateOption = (typeof RATE_OPTIONS)[number];
const RATE_OPTIONS_TEXT = 'rpm <n> (requests per minute), tpm <n> (tokens per minute), rpd <n> (requests per day)';
const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/;

const rateOptionOf = (token: Token | undefined): RateOption | null => {
  if (!token || token.quoted) return null;
  const word = token.value.toLowerCase();
  return (RATE_OPTIONS as readonly string[]).includes(word) ? (word as RateOption) : null;
};

/** `ratelimit <project>` shows; `ratelimit <project> <model> [rpm <n>] [tpm <n>] [rpd <n>]` sets. */
export const parseRateLimit = (tokens: readonly Token[]): Result<LimitCommand, CommandError> => {
  const [projectToken, modelToken] = tokens;
  if (!projectToken || projectToken.value === '') {
    return commandFailure('missing_argument', 'Name the project, like: ratelimit Billing, or ratelimit Billing gpt-4o-mini rpm 500', 'ratelimit');
  }
  const mention = notAProject(projectToken, 'ratelimit', 'ratelimit Billing');
  if (mention) return mention;
  const project = projectToken.value;
  if (!modelToken) return ok({ kind: 'ratelimit-show', project });
  if (rateOptionOf(modelToken) !== null) {
    return commandFailure('missing_argument', `Name the model before ${modelToken.value}, like: ratelimit ${asTyped(project)} gpt-4o-mini rpm 500`, 'ratelimit');
  }
  const model = modelToken.value;
  if (!MODEL_NAME.test(model)) {
    return commandFailure('invalid_model', `"${model}" is not a model name. Use a model id like gpt-4o-mini.`, 'ratelimit');
  }
  const change: { rpm?: number; tpm?: number; rpd?: number } = {};
  let index = 2;
  while (index < tokens.length) {
    const token = tokens[index];
    const option = rateOptionOf(token);
    if (option === null) {
      return commandFailure(
        'unknown_option',
        `"${token?.value ?? ''}" is not a rate limit. Use ${RATE_OPTIONS_TEXT}. Put project names with spaces in quotes, like "Support Bot".`,
        'ratelimit',
      );
    }
    if (change[option] !== undefined) return commandFailure('duplicate_option', `${option} is given twice; give each once.`, 'ratelimit');
    const value = tokens[index + 1];
    if (!value) return commandFailure('missing_argument', `${option} needs a number, like ${option} 500.`, 'ratelimit');
    const count = parseCount(value.value);
    if (!count.ok) return commandFailure('invalid_number', `${option}: ${count.error}`, 'ratelimit');
    change[option] = count.value;
    index += 2;
  }
  if (Object.keys(change).length === 0) {
    return commandFailure(
      'missing_option',
      `Say which limit to set for ${model}: ${RATE_OPTIONS_TEXT}, like: ratelimit ${asTyped(project)} ${model} rpm 500. To see the current limits, leave the model out.`,
      'ratelimit',
    );
  }
  return ok({ kind: 'ratelimit', project, model, change });
};

/** `audit [project] [days]`: `days` from 1 to 90, 7 unless given. */
export const parseAudit = (tokens: readonly Token[]): Result<LimitCommand, CommandError> => {
  const rest = [...tokens];
  let days = AUDIT_DEFAULT_DAYS;
  const last = rest[rest.length - 1];
  if (last && !last.quoted && /^days?$/i.test(last.value) && rest.length >= 2) {
    const count = rest[rest.length - 2];
    if (count && !count.quoted && /^\d+$/.test(count.value)) {
      rest.pop();
      rest[rest.length - 1] = { ...count, value: `${count.value}d` };
    }
  }
  const daysToken = rest[rest.length - 1];
  if (daysToken && !daysToken.quoted && /^[-−+]?\d*[.,]?\d+d?$/i.test(daysToken.value) && !/^\d+d?$/i.test(daysToken.value)) {
    return commandFailure(
      'invalid_days',
      `The number of days must be a positive whole number from 1 to ${AUDIT_MAX_DAYS}; "${daysToken.value}" is not. Like: audit "Support Bot" 30`,
      'audit',
    );
  }
  const daysMatch = daysToken && !daysToken.quoted ? /^(\d+)d?$/i.exec(daysToken.value) : null;
  if (daysMatch) {
    rest.pop();
    days = Number(daysMatch[1]);
    if (!Number.isSafeInteger(days) || days < 1 || days > AUDIT_MAX_DAYS) {
      return commandFailure(
        'invalid_days',
        `The audit covers 1 to ${AUDIT_MAX_DAYS} days; ${daysMatch[1]} is out of range. Like: audit "Support Bot" 30`,
        'audit',
      );
    }
  }
  if (rest.length === 0) return ok({ kind: 'audit', project: null, days });
  const mention = notAProject(rest[0], 'audit', 'audit "Support Bot" 30');
  if (mention) return mention;
  if (rest[0]?.quoted && rest.length > 1) {
    return commandFailure(
      'extra_argument',
      `After the project name comes only the number of days, like: audit ${rest[0].raw} 30`,
      'audit',
    );
  }
  const project = rest.map((token) => token.value).join(' ').trim();
  return ok({ kind: 'audit', project: project === '' ? null : project, days });
};
