/**
 * The grammar of `/openai-key <text>`. Slack sends the text with `&`, `<` and `>` escaped as `&amp;`, `&lt;`, `&gt;`,
 * and with channels, users and links as `<#C123|name>`, `<@U123>`, `<https://…|label>`; a raw `<` is therefore
 * always the start of such a link.
 */
import { redactSecret } from '../../platform/domain/redact.js';
import { checkRaiseEnd, parseThresholds, type LimitChange } from '../../limits/domain/limits.js';
import { parseAmount, type Cents } from '../../platform/domain/money.js';
import { closestNames, closingQuotes } from '../../platform/domain/projects.js';
import { err, ok, type Result } from '../../platform/domain/result.js';

export const SUBCOMMANDS = ['help', 'request', 'list', 'cancel', 'revoke', 'limits', 'limit', 'ratelimit', 'audit', 'policy'] as const;
export type Subcommand = (typeof SUBCOMMANDS)[number];

export interface RateLimitChange {
  readonly rpm?: number;
  readonly tpm?: number;
  readonly rpd?: number;
}

export type Command =
  /**
   * `topic` is the subcommand asked about (`help limit`), if any; `unknownTopic` is a word after `help` that is no
   * subcommand (`help fly`), as typed, so the answer can say so.
   */
  | { readonly kind: 'help'; readonly topic: Subcommand | null; readonly unknownTopic?: string }
  | { readonly kind: 'request-modal' }
  /** plain text (Slack escaping undone); project and purpose are split against the project list */
  | { readonly kind: 'request'; readonly args: string }
  | { readonly kind: 'list' }
  /**
   * `target` says what `id` is: a request id (`req_…`), a key id (`key_…`), or the masked key value people see
   * (`sk-svcacct-…nUAA`, always written with `…`), which the service matches against the stored masked values.
   */
  | { readonly kind: 'revoke'; readonly id: string; readonly target: 'request' | 'key' | 'masked' }
  /** withdraws a request that is still waiting for an approver */
  | { readonly kind: 'cancel'; readonly requestId: string }
  /** project names or ids as typed; empty means every project */
  | { readonly kind: 'limits'; readonly projects: string[] }
  | { readonly kind: 'limit'; readonly project: string; readonly change: LimitChange }
  | { readonly kind: 'ratelimit-show'; readonly project: string }
  | { readonly kind: 'ratelimit'; readonly project: string; readonly model: string; readonly change: RateLimitChange }
  | { readonly kind: 'audit'; readonly project: string | null; readonly days: number }
  /** the effective approval policy for one project, or the defaults and every project the policy names */
  | { readonly kind: 'policy'; readonly project: string | null };

export type CommandErrorKind =
  | 'too_long'
  | 'control_characters'
  | 'unknown_subcommand'
  | 'unclosed_quote'
  | 'missing_argument'
  | 'extra_argument'
  | 'invalid_id'
  | 'invalid_amount'
  | 'invalid_thresholds'
  | 'invalid_channel'
  | 'invalid_model'
  | 'invalid_number'
  | 'invalid_days'
  | 'invalid_date'
  | 'not_a_project'
  | 'unknown_help_topic'
  | 'unknown_option'
  | 'duplicate_option'
  | 'missing_option';

export interface CommandError {
  readonly kind: CommandErrorKind;
  readonly message: string;
  /** the subcommand the error is about, so its help entry can be shown next to the message */
  readonly subcommand?: Subcommand;
}

export interface HelpEntry {
  /** the subcommand this entry describes (`request` has two entries: the form and the one-line form) */
  readonly command: Subcommand;
  /** what to type after the slash command, e.g. `list` (the renderer puts `/openai-key` in front) */
  readonly usage: string;
  readonly example: string;
  readonly summary: string;
  /** who may use it, in words (checked against the services' rules by the tests) */
  readonly who: string;
  /** the arguments and behaviour in detail, one line each, for `help <command>` */
  readonly details?: readonly string[];
  /** further examples for `help <command>` */
  readonly moreExamples?: readonly string[];
  /** only admins may use it at all */
  readonly adminOnly?: boolean;
}

export const HELP_ENTRIES: readonly HelpEntry[] = [
  {
    command: 'help',
    usage: 'help [command]',
    example: 'help limit',
    summary: 'Show these commands, or one command in detail.',
    who: 'Anyone.',
    details: [`command: one of ${SUBCOMMANDS.join(', ')}.`],
  },
  {
    command: 'request',
    usage: 'request',
    example: 'request',
    summary: 'Open a form to ask for an OpenAI API key for a project.',
    who: 'Anyone.',
    details: ['The form lists the active projects and lets you choose how many days the key lives.'],
  },
  {
    command: 'request',
    usage: 'request <project> <purpose>',
    example: 'request "Support Bot" answer support tickets faster',
    summary: 'Ask for an OpenAI API key for a project; an approver decides in the approvals channel.',
    who: 'Anyone.',
    details: [
      'project: the project\'s name (in quotes if it has spaces) or its id (proj_…).',
      'purpose: what the key is for, 10 to 500 characters; approvers read it before they decide.',
      'If you already have a request waiting for the same project, keywarden shows its id and asks before sending another.',
      'You get a DM when it is decided; an approved key is revealed once, from that DM.',
    ],
    moreExamples: ['request proj_abc123 nightly summaries of the support inbox'],
  },
  {
    command: 'list',
    usage: 'list',
    example: 'list',
    summary: 'List your key requests and keys, with their request ids (req_…), key ids (key_…) and states.',
    who: 'Anyone; you see only your own requests and keys.',
  },
  {
    command: 'cancel',
    usage: 'cancel <request id>',
    example: 'cancel req_8f3k2m9q1z',
    summary: 'Withdraw a request that is still waiting for an approver.',
    who: 'The person who made the request, or an admin.',
    details: [
      'request id: req_ and 10 letters or digits, shown by `list` and in the request message.',
      'The request message loses its buttons and says who cancelled it; approvers can no longer decide it.',
      'A request that was already approved holds a key: stop that key with `revoke` instead.',
    ],
  },
  {
    command: 'revoke',
    usage: 'revoke <request id | key id | masked key>',
    example: 'revoke req_8f3k2m9q1z',
    summary: 'Revoke a key now, by the id of its request (req_…), of the key (key_…), or the masked key shown in messages (sk-…abcd).',
    who: "The key's owner, or an admin.",
    details: [
      'Its service account is deleted at OpenAI; anything using the key stops working.',
      'A masked key that matches more than one key is refused with the request ids to choose from.',
      'A request still waiting for an approver holds no key: withdraw it with `cancel`.',
    ],
    moreExamples: ['revoke key_7xk2p9', 'revoke sk-svcacct-…nUAA'],
  },
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
  {
    command: 'policy',
    usage: 'policy [project]',
    example: 'policy "Research Assistant"',
    summary: 'Show who approves requests for a project, how many approvals they need, how long they wait, reminders and auto-approve rules.',
    who: 'Anyone.',
    details: [
      'project: a name or id; none shows the defaults and every project the policy file names.',
      'Shown for key requests and for spend limit changes: approvers, approvals needed, time to decide, reminder, escalation and auto-approve rule.',
      'Admins may always decide a request and count as one approver; the requester never counts.',
    ],
    moreExamples: ['policy'],
  },
];

/** The help entries of one subcommand (two for `request`). */
export const helpEntriesOf = (command: Subcommand): HelpEntry[] => HELP_ENTRIES.filter((entry) => entry.command === command);

export const MAX_COMMAND_CHARS = 2_000;
export const AUDIT_DEFAULT_DAYS = 7;
export const AUDIT_MAX_DAYS = 90;
const MAX_RATE_LIMIT = 1_000_000_000;

/** C0 and C1 controls except tab and line breaks, and the bidirectional overrides that can disguise text. */
const FORBIDDEN_CHARACTERS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/;

const unescapeSlack = (text: string): string =>
  text.replace(/&(amp|lt|gt);/g, (_, name: string) => (name === 'amp' ? '&' : name === 'lt' ? '<' : '>'));

/** What a Slack link shows: `<#C1|general>` → `#general`, `<@U1>` → `@U1`, `<https://x|site>` → `site (https://x)`. */
const labelOfSlackLink = (inner: string): string => {
  const bar = inner.indexOf('|');
  const target = bar === -1 ? inner : inner.slice(0, bar);
  const label = bar === -1 ? '' : unescapeSlack(inner.slice(bar + 1));
  if (target.startsWith('#')) return `#${label || target.slice(1)}`;
  if (target.startsWith('@')) return `@${label || target.slice(1)}`;
  if (target.startsWith('!subteam^')) return label ? (label.startsWith('@') ? label : `@${label}`) : `@${target.slice(9)}`;
  if (target.startsWith('!date^')) return label;
  if (target.startsWith('!')) return label ? (label.startsWith('@') ? label : `@${label}`) : `@${target.slice(1)}`;
  const url = unescapeSlack(target);
  if (!label || label === url || `mailto:${label}` === url) return label || url;
  return `${label} (${url})`;
};

/** Slack's escaped message text as the plain text a person typed. */
export const plainTextFromSlack = (text: string): string =>
  text
    .split(/(<[^<>]*>)/)
    .map((segment, index) => (index % 2 === 1 ? labelOfSlackLink(segment.slice(1, -1)) : unescapeSlack(segment)))
    .join('');

interface Token {
  /** as Slack sent it */
  readonly raw: string;
  /** plain text, without quotes */
  readonly value: string;
  readonly quoted: boolean;
}

const failure = (kind: CommandErrorKind, message: string, subcommand?: Subcommand): Result<never, CommandError> =>
  err(subcommand === undefined ? { kind, message } : { kind, message, subcommand });

/** Splits on spaces; a quoted name (straight or typographic quotes) and a Slack link are one token each. */
const tokenize = (text: string, subcommand: Subcommand): Result<Token[], CommandError> => {
  const chars = [...text];
  const tokens: Token[] = [];
  let i = 0;
  while (i < chars.length) {
    const char = chars[i] ?? '';
    if (char === ' ') {
      i += 1;
      continue;
    }
    const closers = closingQuotes(char);
    if (closers) {
      let end = i + 1;
      while (end < chars.length && !closers.includes(chars[end] ?? '')) end += 1;
      if (end >= chars.length) {
        return failure(
          'unclosed_quote',
          `The name starting with ${char} has no closing quote. Put names with spaces in quotes, like "Support Bot".`,
          subcommand,
        );
      }
      const inner = chars.slice(i + 1, end).join('');
      tokens.push({ raw: chars.slice(i, end + 1).join(''), value: plainTextFromSlack(inner).trim(), quoted: true });
      i = end + 1;
      continue;
    }
    let end = i;
    while (end < chars.length && chars[end] !== ' ') {
      if (chars[end] === '<') {
        const close = chars.indexOf('>', end);
        if (close !== -1) {
          end = close + 1;
          continue;
        }
      }
      end += 1;
    }
    const raw = chars.slice(i, end).join('');
    tokens.push({ raw, value: plainTextFromSlack(raw), quoted: false });
    i = end;
  }
  return ok(tokens);
};

/** A name as the user should type it back: quoted when it has spaces. */
const asTyped = (name: string): string => (/\s/.test(name) ? `"${name}"` : name);

const REQUEST_ID = /^req_[A-Za-z0-9]{10}$/i;
const KEY_ID = /^key_[A-Za-z0-9_-]{1,64}$/i;
/**
 * A masked key value as keywarden shows it (`sk-svcacct-…nUAA`, see domain/redact.ts), also typed with three dots
 * (`sk-svcacct-...nUAA`) since `…` is hard to type. Group 1 is the public prefix, group 2 the last characters.
 */
const MASKED_KEY = /^(sk-(?:svcacct-|admin-|proj-)?)(?:…|\.\.\.)([A-Za-z0-9_-]{0,4})$/;

/** Strips backticks a pasted id may carry. */
const bareId = (token: Token | undefined): string => (token?.value ?? '').replace(/^`+|`+$/g, '');
/** `REQ_x` → `req_x`: the prefix in lower case, the rest as typed. */
const normalizedId = (id: string): string => `${id.slice(0, 4).toLowerCase()}${id.slice(4)}`;

const parseRevoke = (tokens: readonly Token[]): Result<Command, CommandError> => {
  const example = 'like: revoke req_8f3k2m9q1z. `/openai-key list` shows your request and key ids.';
  if (tokens.length === 0) return failure('missing_argument', `Give the id of the request or key to revoke, ${example}`, 'revoke');
  if (tokens.length > 1) {
    return failure('extra_argument', `revoke takes one id, and you gave ${tokens.length}; revoke them one at a time, ${example}`, 'revoke');
  }
  const id = bareId(tokens[0]);
  if (REQUEST_ID.test(id)) return ok({ kind: 'revoke', id: normalizedId(id), target: 'request' });
  if (KEY_ID.test(id)) return ok({ kind: 'revoke', id: normalizedId(id), target: 'key' });
  const masked = MASKED_KEY.exec(id);
  if (masked) return ok({ kind: 'revoke', id: `${masked[1] ?? ''}…${masked[2] ?? ''}`, target: 'masked' });
  return failure(
    'invalid_id',
    /^sk-/i.test(id)
      ? `That looks like a whole key (${quotable(id)}); revoke takes its masked form as keywarden shows it (sk-…abcd), its key id (key_…) or its request id. Give one, ${example}`
      : `"${id}" is not a request id (req_ and 10 letters or digits), a key id (key_…) or a masked key (sk-…abcd). Give one, ${example}`,
    'revoke',
  );
};

/**
 * A token as an answer may quote it back: a pasted secret (an OpenAI key, a Slack token) is never repeated whole,
 * only its masked form, since answers can be stored (a Socket Mode acknowledgement is kept for redelivery).
 */
const quotable = (token: string): string => (/^(sk-|xox[a-z]-|xapp-)/i.test(token) ? redactSecret(token) : token);

const parseCancel = (tokens: readonly Token[]): Result<Command, CommandError> => {
  const example = 'like: cancel req_8f3k2m9q1z. `/openai-key list` shows your request ids.';
  if (tokens.length === 0) return failure('missing_argument', `Give the id of the request to cancel, ${example}`, 'cancel');
  if (tokens.length > 1) {
    return failure('extra_argument', `cancel takes one request id, and you gave ${tokens.length}; cancel them one at a time, ${example}`, 'cancel');
  }
  const id = bareId(tokens[0]);
  if (REQUEST_ID.test(id)) return ok({ kind: 'cancel', requestId: normalizedId(id) });
  if (KEY_ID.test(id) || MASKED_KEY.test(id)) {
    return failure(
      'invalid_id',
      `"${quotable(id)}" is a key, and cancel withdraws a request that is still waiting for an approver. To stop a key, use: revoke ${quotable(id)}`,
      'cancel',
    );
  }
  return failure('invalid_id', `"${quotable(id)}" is not a request id (req_ and 10 letters or digits). Give one, ${example}`, 'cancel');
};

const SLACK_PERSON_LINK = /^<(?:@|!subteam\^)[^>]*>$/;
const SLACK_CHANNEL_ANY = /^<#[^>]*>$/;

/**
 * Refuses a mention or a channel where a project name belongs (`limits @riley`): Slack turned it into a link, so it
 * cannot be a project. Returns null for anything else.
 */
const notAProject = (token: Token | undefined, subcommand: Subcommand, example: string): Result<never, CommandError> | null => {
  if (!token || token.quoted) return null;
  const what = SLACK_PERSON_LINK.test(token.raw) ? 'a person or group' : SLACK_CHANNEL_ANY.test(token.raw) ? 'a channel' : null;
  if (what === null) return null;
  return failure(
    'not_a_project',
    `${token.value} is ${what}, not a project. Name a project (in quotes if it has spaces) or give its id (proj_…), like: ${example}. \`/openai-key limits\` lists every project.`,
    subcommand,
  );
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
  return failure(
    'invalid_channel',
    `${plain}Pick the channel from the list Slack shows when you type #, or give its id (like C0123ABCD, at the bottom of the channel's details).`,
    'limit',
  );
};

const parseLimit = (tokens: readonly Token[], now: number | undefined): Result<Command, CommandError> => {
  const first = tokens[0];
  if (!first || limitOptionOf(first) !== null) {
    return failure('missing_argument', `Name the project first, like: limit "Support Bot" soft 500 hard 1k`, 'limit');
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
  if (project.trim() === '') return failure('missing_argument', 'The project name in quotes is empty. Name the project, like "Support Bot".', 'limit');

  const change: { soft?: Cents; hard?: Cents | 'off'; thresholds?: number[]; channelId?: string; until?: number } = {};
  const seen = new Set<LimitOption>();
  while (index < tokens.length) {
    const token = tokens[index];
    const option = limitOptionOf(token);
    if (option === null) {
      return failure(
        'unknown_option',
        `"${token?.value ?? ''}" is not something limit can change. Use ${LIMIT_OPTIONS_TEXT}. Put project names with spaces in quotes.`,
        'limit',
      );
    }
    if (seen.has(option)) return failure('duplicate_option', `${option} is given twice; give each option once.`, 'limit');
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
      return failure('missing_argument', `${option} needs ${wanted}.`, 'limit');
    }
    index += 2;
    if (option === 'soft' || option === 'hard') {
      if (option === 'hard' && !value.quoted && value.value.toLowerCase() === 'off') {
        change.hard = 'off';
        continue;
      }
      const amount = parseAmount(value.value);
      if (!amount.ok) {
        return failure('invalid_amount', `${option === 'soft' ? 'Soft' : 'Hard'} limit: ${amount.error.message}`, 'limit');
      }
      change[option] = amount.value;
    } else if (option === 'until') {
      if (now === undefined) throw new Error('parseCommand needs the clock (now) to read until');
      let typed = value.value;
      // `until 7 days` arrives as two tokens: take the unit along.
      const unit = tokens[index];
      if (/^\d+$/.test(typed) && unit && !unit.quoted && /^(d|h|days?|hours?)$/i.test(unit.value)) {
        typed = `${typed}${unit.value}`;
        index += 1;
      }
      const end = parseRaiseEnd(typed, now);
      if (!end.ok) return failure('invalid_date', `Until: ${end.error}`, 'limit');
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
        return failure(
          'invalid_thresholds',
          `Alert thresholds must be positive whole percentages from 1 to 100; "${negative}" is not. Like: at 50,80,100`,
          'limit',
        );
      }
      const thresholds = parseThresholds(pieces.join(',').replace(/,+/g, ',').replace(/^,|,$/g, ''));
      if (!thresholds.ok) return failure('invalid_thresholds', `Alert thresholds: ${thresholds.error.message}`, 'limit');
      change.thresholds = thresholds.value;
    } else {
      const channel = parseChannel(value);
      if (!channel.ok) return channel;
      change.channelId = channel.value;
    }
  }
  if (change.until !== undefined && typeof change.hard !== 'number') {
    return failure(
      'missing_option',
      change.hard === 'off'
        ? 'until raises the cap for a while, so it cannot go with hard off. Give the raised cap, like: hard 2k until 7d'
        : `until needs the raised cap before it, like: limit ${asTyped(project)} hard 2k until 7d`,
      'limit',
    );
  }
  if (seen.size === 0) {
    return failure(
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

const parseRateLimit = (tokens: readonly Token[]): Result<Command, CommandError> => {
  const [projectToken, modelToken] = tokens;
  if (!projectToken || projectToken.value === '') {
    return failure('missing_argument', 'Name the project, like: ratelimit Billing, or ratelimit Billing gpt-4o-mini rpm 500', 'ratelimit');
  }
  const mention = notAProject(projectToken, 'ratelimit', 'ratelimit Billing');
  if (mention) return mention;
  const project = projectToken.value;
  if (!modelToken) return ok({ kind: 'ratelimit-show', project });
  if (rateOptionOf(modelToken) !== null) {
    return failure('missing_argument', `Name the model before ${modelToken.value}, like: ratelimit ${asTyped(project)} gpt-4o-mini rpm 500`, 'ratelimit');
  }
  const model = modelToken.value;
  if (!MODEL_NAME.test(model)) {
    return failure('invalid_model', `"${model}" is not a model name. Use a model id like gpt-4o-mini.`, 'ratelimit');
  }
  const change: { rpm?: number; tpm?: number; rpd?: number } = {};
  let index = 2;
  while (index < tokens.length) {
    const token = tokens[index];
    const option = rateOptionOf(token);
    if (option === null) {
      return failure(
        'unknown_option',
        `"${token?.value ?? ''}" is not a rate limit. Use ${RATE_OPTIONS_TEXT}. Put project names with spaces in quotes, like "Support Bot".`,
        'ratelimit',
      );
    }
    if (change[option] !== undefined) return failure('duplicate_option', `${option} is given twice; give each once.`, 'ratelimit');
    const value = tokens[index + 1];
    if (!value) return failure('missing_argument', `${option} needs a number, like ${option} 500.`, 'ratelimit');
    const count = parseCount(value.value);
    if (!count.ok) return failure('invalid_number', `${option}: ${count.error}`, 'ratelimit');
    change[option] = count.value;
    index += 2;
  }
  if (Object.keys(change).length === 0) {
    return failure(
      'missing_option',
      `Say which limit to set for ${model}: ${RATE_OPTIONS_TEXT}, like: ratelimit ${asTyped(project)} ${model} rpm 500. To see the current limits, leave the model out.`,
      'ratelimit',
    );
  }
  return ok({ kind: 'ratelimit', project, model, change });
};

const parseAudit = (tokens: readonly Token[]): Result<Command, CommandError> => {
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
    return failure(
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
      return failure(
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
    return failure(
      'extra_argument',
      `After the project name comes only the number of days, like: audit ${rest[0].raw} 30`,
      'audit',
    );
  }
  const project = rest.map((token) => token.value).join(' ').trim();
  return ok({ kind: 'audit', project: project === '' ? null : project, days });
};

const groupDigits = (count: number): string => String(count).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

const isSubcommand = (word: string): word is Subcommand => (SUBCOMMANDS as readonly string[]).includes(word);

/**
 * Parses the text after `/openai-key`. Subcommands ignore case; runs of whitespace count as one space.
 * `context.now` (ms since epoch, from the injectable clock) is needed to read `limit … until`, which is refused in
 * the past or more than a year ahead; without it such a command throws.
 */
export const parseCommand = (text: string, context: { readonly now?: number } = {}): Result<Command, CommandError> => {
  const length = text.length > MAX_COMMAND_CHARS * 2 ? text.length : [...text].length;
  if (length > MAX_COMMAND_CHARS) {
    return failure(
      'too_long',
      `That is ${groupDigits(length)} characters; a command can be at most ${groupDigits(MAX_COMMAND_CHARS)}. For a long purpose, use the form: /openai-key request`,
    );
  }
  if (FORBIDDEN_CHARACTERS.test(text)) {
    return failure(
      'control_characters',
      'The command contains invisible control characters (often from pasting). Type it again, or paste it as plain text.',
    );
  }
  const input = text.replace(/\s+/g, ' ').trim();
  if (input === '') return ok({ kind: 'help', topic: null });
  const space = input.indexOf(' ');
  const word = (space === -1 ? input : input.slice(0, space)).toLowerCase();
  const rest = space === -1 ? '' : input.slice(space + 1);

  if (word === '?' || word === '-h' || word === '--help') return ok({ kind: 'help', topic: null });
  if (!isSubcommand(word)) {
    const shown = plainTextFromSlack(space === -1 ? input : input.slice(0, space));
    const [suggestion] = closestNames(word, SUBCOMMANDS, 1);
    return failure(
      'unknown_subcommand',
      `"${shown}" is not an /openai-key command. ${suggestion ? `Did you mean ${suggestion}?` : `The commands are: ${SUBCOMMANDS.join(', ')}.`}`,
    );
  }
  if (word === 'request') return ok(rest === '' ? { kind: 'request-modal' } : { kind: 'request', args: plainTextFromSlack(rest) });

  const tokens = tokenize(rest, word);
  if (!tokens.ok) return tokens;
  switch (word) {
    case 'help': {
      const asked = tokens.value[0]?.value ?? '';
      const topic = asked.toLowerCase();
      if (topic === '') return ok({ kind: 'help', topic: null });
      return ok(isSubcommand(topic) ? { kind: 'help', topic } : { kind: 'help', topic: null, unknownTopic: asked });
    }
    case 'list':
      return tokens.value.length === 0
        ? ok({ kind: 'list' })
        : failure('extra_argument', 'list takes nothing after it; it shows all your requests and keys. Type: /openai-key list', 'list');
    case 'revoke':
      return parseRevoke(tokens.value);
    case 'cancel':
      return parseCancel(tokens.value);
    case 'limits': {
      for (const token of tokens.value) {
        const mention = notAProject(token, 'limits', 'limits "Support Bot"');
        if (mention) return mention;
      }
      const projects = tokens.value.map((token) => token.value).filter((name) => name !== '');
      return ok({ kind: 'limits', projects });
    }
    case 'limit':
      return parseLimit(tokens.value, context.now);
    case 'ratelimit':
      return parseRateLimit(tokens.value);
    case 'audit':
      return parseAudit(tokens.value);
    case 'policy': {
      for (const token of tokens.value) {
        const mention = notAProject(token, 'policy', 'policy "Research Assistant"');
        if (mention) return mention;
      }
      const project = tokens.value.map((token) => token.value).join(' ').trim();
      return ok({ kind: 'policy', project: project === '' ? null : project });
    }
  }
};
