/**
 * The key subcommands of `/openai-key`: `request`, `list`, `cancel` and `revoke`, their help entries and their
 * parsers (tokens in, a command or a refusal in words out). Pure: no I/O. The slash command's router composes these
 * with the other features' subcommands (src/commands/domain/command.ts).
 */
import { commandFailure, plainTextFromSlack, type CommandError, type HelpEntry, type Token } from '../../platform/domain/commandText.js';
import { redactSecret } from '../../platform/domain/redact.js';
import { ok, type Result } from '../../platform/domain/result.js';
import { PURPOSE_MAX_CHARS, PURPOSE_MIN_CHARS } from './requestInput.js';

export type KeySubcommand = 'request' | 'list' | 'cancel' | 'revoke';

export type KeyCommand =
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
  | { readonly kind: 'cancel'; readonly requestId: string };

/** The help entries of the key subcommands, in the order help lists them. */
export const KEY_HELP: readonly HelpEntry[] = [
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
      `purpose: what the key is for, ${PURPOSE_MIN_CHARS} to ${PURPOSE_MAX_CHARS} characters; approvers read it before they decide.`,
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
];

/** `request` alone opens the form; anything after it is the one-line form, as plain text (Slack escaping undone). */
export const parseRequest = (rest: string): KeyCommand => (rest === '' ? { kind: 'request-modal' } : { kind: 'request', args: plainTextFromSlack(rest) });

/** `list` takes nothing after it. */
export const parseList = (tokens: readonly Token[]): Result<KeyCommand, CommandError> =>
  tokens.length === 0
    ? ok({ kind: 'list' })
    : commandFailure('extra_argument', 'list takes nothing after it; it shows all your requests and keys. Type: /openai-key list', 'list');

const REQUEST_ID = /^req_[A-Za-z0-9]{10}$/i;
const KEY_ID = /^key_[A-Za-z0-9_-]{1,64}$/i;
/**
 * A masked key value as keywarden shows it (`sk-svcacct-…nUAA`, see platform/domain/redact.ts), also typed with three dots
 * (`sk-svcacct-...nUAA`) since `…` is hard to type. Group 1 is the public prefix, group 2 the last characters.
 */
const MASKED_KEY = /^(sk-(?:svcacct-|admin-|proj-)?)(?:…|\.\.\.)([A-Za-z0-9_-]{0,4})$/;

/** Strips backticks a pasted id may carry. */
const bareId = (token: Token | undefined): string => (token?.value ?? '').replace(/^`+|`+$/g, '');
/** `REQ_x` → `req_x`: the prefix in lower case, the rest as typed. */
const normalizedId = (id: string): string => `${id.slice(0, 4).toLowerCase()}${id.slice(4)}`;

/** `revoke <request id | key id | masked key>`: one id, read as whichever of the three it is. */
export const parseRevoke = (tokens: readonly Token[]): Result<KeyCommand, CommandError> => {
  const example = 'like: revoke req_8f3k2m9q1z. `/openai-key list` shows your request and key ids.';
  if (tokens.length === 0) return commandFailure('missing_argument', `Give the id of the request or key to revoke, ${example}`, 'revoke');
  if (tokens.length > 1) {
    return commandFailure('extra_argument', `revoke takes one id, and you gave ${tokens.length}; revoke them one at a time, ${example}`, 'revoke');
  }
  const id = bareId(tokens[0]);
  if (REQUEST_ID.test(id)) return ok({ kind: 'revoke', id: normalizedId(id), target: 'request' });
  if (KEY_ID.test(id)) return ok({ kind: 'revoke', id: normalizedId(id), target: 'key' });
  const masked = MASKED_KEY.exec(id);
  if (masked) return ok({ kind: 'revoke', id: `${masked[1] ?? ''}…${masked[2] ?? ''}`, target: 'masked' });
  return commandFailure(
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

/** `cancel <request id>`: one request id; a key is pointed to `revoke`. */
export const parseCancel = (tokens: readonly Token[]): Result<KeyCommand, CommandError> => {
  const example = 'like: cancel req_8f3k2m9q1z. `/openai-key list` shows your request ids.';
  if (tokens.length === 0) return commandFailure('missing_argument', `Give the id of the request to cancel, ${example}`, 'cancel');
  if (tokens.length > 1) {
    return commandFailure('extra_argument', `cancel takes one request id, and you gave ${tokens.length}; cancel them one at a time, ${example}`, 'cancel');
  }
  const id = bareId(tokens[0]);
  if (REQUEST_ID.test(id)) return ok({ kind: 'cancel', requestId: normalizedId(id) });
  if (KEY_ID.test(id) || MASKED_KEY.test(id)) {
    return commandFailure(
      'invalid_id',
      `"${quotable(id)}" is a key, and cancel withdraws a request that is still waiting for an approver. To stop a key, use: revoke ${quotable(id)}`,
      'cancel',
    );
  }
  return commandFailure('invalid_id', `"${quotable(id)}" is not a request id (req_ and 10 letters or digits). Give one, ${example}`, 'cancel');
};
