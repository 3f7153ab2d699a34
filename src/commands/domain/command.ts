/**
 * The grammar of `/openai-key <text>`: the checks every text gets (length, control characters), the subcommand word,
 * `help`, and the composition of the features' own subcommand parsers (keys/domain/keyCommands.ts,
 * limits/domain/limitCommands.ts, approvals/domain/policyCommand.ts). The tokens and errors they share are in
 * platform/domain/commandText.ts. Pure: no I/O.
 */
import { parsePolicy, POLICY_HELP, type PolicyCommand } from '../../approvals/domain/policyCommand.js';
import { KEY_HELP, parseCancel, parseList, parseRequest, parseRevoke, type KeyCommand } from '../../keys/domain/keyCommands.js';
import { LIMIT_HELP, parseAudit, parseLimit, parseLimits, parseRateLimit, type LimitCommand } from '../../limits/domain/limitCommands.js';
import { commandFailure, helpEntriesIn, plainTextFromSlack, tokenize, type CommandError, type HelpEntry, type Token } from '../../platform/domain/commandText.js';
import { closestNames } from '../../platform/domain/projects.js';
import { ok, type Result } from '../../platform/domain/result.js';
import { SUBCOMMANDS, type Subcommand } from '../../platform/domain/commandText.js';

export { SUBCOMMANDS, type Subcommand } from '../../platform/domain/commandText.js';
export type { CommandError, CommandErrorKind, HelpEntry } from '../../platform/domain/commandText.js';
export type { KeyCommand } from '../../keys/domain/keyCommands.js';
export type { LimitCommand, RateLimitChange } from '../../limits/domain/limitCommands.js';
export type { PolicyCommand } from '../../approvals/domain/policyCommand.js';

/**
 * `help [command]`: `topic` is the subcommand asked about (`help limit`), if any; `unknownTopic` is a word after
 * `help` that is no subcommand (`help fly`), as typed, so the answer can say so.
 */
export type HelpCommand = { readonly kind: 'help'; readonly topic: Subcommand | null; readonly unknownTopic?: string };

export type Command = HelpCommand | KeyCommand | LimitCommand | PolicyCommand;

/** Every subcommand's help entries, in the order `help` lists them. */
export const HELP_ENTRIES: readonly HelpEntry[] = [
  {
    command: 'help',
    usage: 'help [command]',
    example: 'help limit',
    summary: 'Show these commands, or one command in detail.',
    who: 'Anyone.',
    details: [`command: one of ${SUBCOMMANDS.join(', ')}.`],
  },
  ...KEY_HELP,
  ...LIMIT_HELP,
  ...POLICY_HELP,
];

/** The help entries of one subcommand (two for `request`). */
export const helpEntriesOf = (command: Subcommand): HelpEntry[] => helpEntriesIn(HELP_ENTRIES, command);

export const MAX_COMMAND_CHARS = 2_000;

/** C0 and C1 controls except tab and line breaks, and the bidirectional overrides that can disguise text. */
const FORBIDDEN_CHARACTERS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/;

const groupDigits = (count: number): string => String(count).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

const isSubcommand = (word: string): word is Subcommand => (SUBCOMMANDS as readonly string[]).includes(word);

/** `help [command]`: the subcommand asked about, or the word as typed when it is no subcommand. */
const parseHelp = (tokens: readonly Token[]): HelpCommand => {
  const asked = tokens[0]?.value ?? '';
  const topic = asked.toLowerCase();
  if (topic === '') return { kind: 'help', topic: null };
  return isSubcommand(topic) ? { kind: 'help', topic } : { kind: 'help', topic: null, unknownTopic: asked };
};

/**
 * Parses the text after `/openai-key`. Subcommands ignore case; runs of whitespace count as one space.
 * `context.now` (ms since epoch, from the injectable clock) is needed to read `limit … until`, which is refused in
 * the past or more than a year ahead; without it such a command throws.
 */
export const parseCommand = (text: string, context: { readonly now?: number } = {}): Result<Command, CommandError> => {
  const length = text.length > MAX_COMMAND_CHARS * 2 ? text.length : [...text].length;
  if (length > MAX_COMMAND_CHARS) {
    return commandFailure(
      'too_long',
      `That is ${groupDigits(length)} characters; a command can be at most ${groupDigits(MAX_COMMAND_CHARS)}. For a long purpose, use the form: /openai-key request`,
    );
  }
  if (FORBIDDEN_CHARACTERS.test(text)) {
    return commandFailure(
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
    return commandFailure(
      'unknown_subcommand',
      `"${shown}" is not an /openai-key command. ${suggestion ? `Did you mean ${suggestion}?` : `The commands are: ${SUBCOMMANDS.join(', ')}.`}`,
    );
  }
  if (word === 'request') return ok(parseRequest(rest));

  const tokens = tokenize(rest, word);
  if (!tokens.ok) return tokens;
  switch (word) {
    case 'help':
      return ok(parseHelp(tokens.value));
    case 'list':
      return parseList(tokens.value);
    case 'revoke':
      return parseRevoke(tokens.value);
    case 'cancel':
      return parseCancel(tokens.value);
    case 'limits':
      return parseLimits(tokens.value);
    case 'limit':
      return parseLimit(tokens.value, context.now);
    case 'ratelimit':
      return parseRateLimit(tokens.value);
    case 'audit':
      return parseAudit(tokens.value);
    case 'policy':
      return parsePolicy(tokens.value);
  }
};
