/**
 * What every parser of a slash command's text shares: Slack's escaped text as plain text, its tokens, the errors a
 * parser answers with, and the help entries that describe each subcommand. Slack sends the text with `&`, `<` and `>`
 * escaped as `&amp;`, `&lt;`, `&gt;`, and with channels, users and links as `<#C123|name>`, `<@U123>`,
 * `<https://…|label>`; a raw `<` is therefore always the start of such a link.
 * https://api.slack.com/reference/surfaces/formatting#escaping
 */
import { closingQuotes } from './projects.js';
import { err, ok, type Result } from './result.js';

/** The words that may follow the slash command, in the order its help lists them. */
export const SUBCOMMANDS = ['help', 'request', 'list', 'cancel', 'revoke', 'limits', 'limit', 'ratelimit', 'audit', 'policy'] as const;
export type Subcommand = (typeof SUBCOMMANDS)[number];

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

/** The entries of one subcommand among `entries` (two for `request`). */
export const helpEntriesIn = (entries: readonly HelpEntry[], command: Subcommand): HelpEntry[] => entries.filter((entry) => entry.command === command);

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

export interface Token {
  /** as Slack sent it */
  readonly raw: string;
  /** plain text, without quotes */
  readonly value: string;
  readonly quoted: boolean;
}

/** A parser's refusal: `kind`, the words for the person, and the subcommand whose help goes with it. */
export const commandFailure = (kind: CommandErrorKind, message: string, subcommand?: Subcommand): Result<never, CommandError> =>
  err(subcommand === undefined ? { kind, message } : { kind, message, subcommand });

/** Splits on spaces; a quoted name (straight or typographic quotes) and a Slack link are one token each. */
export const tokenize = (text: string, subcommand: Subcommand): Result<Token[], CommandError> => {
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
        return commandFailure(
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

const SLACK_PERSON_LINK = /^<(?:@|!subteam\^)[^>]*>$/;
const SLACK_CHANNEL_ANY = /^<#[^>]*>$/;

/**
 * Refuses a mention or a channel where a project name belongs (`limits @riley`): Slack turned it into a link, so it
 * cannot be a project. Returns null for anything else.
 */
export const notAProject = (token: Token | undefined, subcommand: Subcommand, example: string): Result<never, CommandError> | null => {
  if (!token || token.quoted) return null;
  const what = SLACK_PERSON_LINK.test(token.raw) ? 'a person or group' : SLACK_CHANNEL_ANY.test(token.raw) ? 'a channel' : null;
  if (what === null) return null;
  return commandFailure(
    'not_a_project',
    `${token.value} is ${what}, not a project. Name a project (in quotes if it has spaces) or give its id (proj_…), like: ${example}. \`/openai-key limits\` lists every project.`,
    subcommand,
  );
};
