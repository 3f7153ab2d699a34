import type { KnownBlock } from '@slack/types';
import type { KeyRequest } from '../../domain/request.js';
import { composeMessage, contextBlock, headerBlock, sectionBlock, type RenderedMessage } from './blocks.js';
import { BLOCK_KIT_LIMITS } from './limits.js';
import { codeSpan, fitUserText, mentionChannel, slackDate } from './mrkdwn.js';
import { projectLabel, redactedKeyLabel } from './requestMessage.js';
import { revealRefusalContent, type RevealRefusal } from './revealRefusal.js';
import { renderStateInWords } from './stateWords.js';

/** One subcommand as the command grammar describes it. */
export interface HelpEntry {
  readonly usage: string;
  readonly example: string;
  readonly summary: string;
  readonly adminOnly?: boolean;
}

export const REQUEST_LIST_MAX_ITEMS = 20;

/** Packs lines into as few sections as fit Slack's section limit, leaving `reserved` blocks for the rest. */
const packLines = (lines: readonly string[], reserved: number): KnownBlock[] => {
  const sections: string[] = [];
  for (const line of lines) {
    const current = sections[sections.length - 1];
    if (current !== undefined && current.length + 2 + line.length <= BLOCK_KIT_LIMITS.sectionText) {
      sections[sections.length - 1] = `${current}\n\n${line}`;
    } else {
      sections.push(line);
    }
  }
  return sections.slice(0, BLOCK_KIT_LIMITS.messageBlocks - reserved).map((text) => sectionBlock(text));
};

/** The `/openai-key help` reply: every subcommand with an example. */
export const renderHelp = (entries: readonly HelpEntry[], opts?: { intro?: string }): RenderedMessage => {
  const lines = entries.map(
    (entry) =>
      `${codeSpan(entry.usage, 300)}${entry.adminOnly === true ? ' _(admins only)_' : ''}\n` +
      `${fitUserText(entry.summary, 1000)}\nExample: ${codeSpan(entry.example, 300)}`,
  );
  const blocks: KnownBlock[] = [headerBlock('keywarden: /openai-key commands')];
  if (opts?.intro !== undefined && opts.intro.trim() !== '') blocks.push(sectionBlock(fitUserText(opts.intro, 2000)));
  if (lines.length === 0) blocks.push(sectionBlock('No commands are available.'));
  blocks.push(...packLines(lines, blocks.length));
  const usages = entries.map((entry) => fitUserText(entry.usage, 200)).join(', ');
  return composeMessage(`keywarden commands: ${usages === '' ? 'none' : usages}`, blocks);
};

const deadlineLabel = (req: KeyRequest, now: number): string => {
  const when = (label: string, ms: number): string => `${label} ${slackDate(ms)}${ms <= now ? ' (passed)' : ''}`;
  if (req.keyExpiresAt !== undefined) return when('Expires', req.keyExpiresAt);
  if (req.state === 'pending') return when('Decide by', req.decideBy);
  if (req.state === 'awaiting_reveal' && req.revealBy !== undefined) return when('Reveal by', req.revealBy);
  return 'Expires —';
};

const requestListLine = (req: KeyRequest, now: number): string =>
  `${projectLabel(req)}: ${renderStateInWords(req.state)}\n` +
  `Key ${redactedKeyLabel(req)} · Created ${slackDate(req.keyCreatedAt ?? req.createdAt)} · ${deadlineLabel(req, now)}`;

/** The caller's requests and keys (the caller decides which), newest first. */
export const renderRequestList = (items: readonly KeyRequest[], opts: { now: number }): RenderedMessage => {
  if (items.length === 0) {
    const text = 'You have no key requests or keys yet. Ask for one with `/openai-key request`.';
    return composeMessage(text, [sectionBlock(`:seedling: ${text}`)]);
  }
  const newestFirst = [...items].sort((a, b) => b.createdAt - a.createdAt);
  const shown = newestFirst.slice(0, REQUEST_LIST_MAX_ITEMS);
  const hidden = newestFirst.length - shown.length;
  const blocks: KnownBlock[] = [
    headerBlock('Your OpenAI keys and requests'),
    ...shown.map((req) => sectionBlock(requestListLine(req, opts.now))),
  ];
  if (hidden > 0) blocks.push(contextBlock(`…and ${hidden} more, older ones not shown.`));
  const count = items.length === 1 ? '1 key request' : `${items.length} key requests`;
  const summary = shown
    .slice(0, 5)
    .map((req) => `${fitUserText(req.projectName, 60)} (${renderStateInWords(req.state)})`)
    .join(', ');
  return composeMessage(`You have ${count}: ${summary}${items.length > 5 ? ', …' : ''}`, blocks);
};

/** A plain ephemeral reply. `text` is shown as written (escaped), so it cannot mention or link anyone. */
export const renderNotice = (text: string, opts?: { title?: string }): RenderedMessage => {
  const title = opts?.title?.trim();
  const body = fitUserText(text, BLOCK_KIT_LIMITS.sectionText);
  const blocks: KnownBlock[] = [];
  if (title !== undefined && title !== '') blocks.push(headerBlock(title));
  blocks.push(sectionBlock(body.trim() === '' ? '(no details)' : body));
  const fallback = title === undefined || title === '' ? body : `${fitUserText(title, 150)}: ${body}`;
  return composeMessage(fallback.trim() === '' ? 'keywarden' : fallback, blocks);
};

/** An ephemeral error: what was wrong and, when there is one, the right form. */
export const renderErrorNotice = (error: { what: string; hint?: string }): RenderedMessage => {
  const what = fitUserText(error.what.trim() === '' ? 'Something went wrong.' : error.what, 1500);
  const hint = error.hint === undefined || error.hint.trim() === '' ? undefined : fitUserText(error.hint, 1400);
  const text = `:warning: ${what}${hint === undefined ? '' : `\n*Try:* ${hint}`}`;
  return composeMessage(`${what}${hint === undefined ? '' : ` Try: ${hint}`}`, [sectionBlock(text)]);
};

/** Ephemeral counterpart of `renderRevealRefusalModal`, for clicks where no modal can be opened. */
export const renderRevealRefusalEphemeral = (refusal: RevealRefusal, req: KeyRequest): RenderedMessage => {
  const { body } = revealRefusalContent(refusal, req);
  return composeMessage(body, [sectionBlock(body)]);
};

export const renderAlreadyRevealedEphemeral = (req: KeyRequest): RenderedMessage =>
  renderRevealRefusalEphemeral('already_revealed', req);
export const renderRevealWindowPassedEphemeral = (req: KeyRequest): RenderedMessage =>
  renderRevealRefusalEphemeral('reveal_window_passed', req);
export const renderNotYourKeyEphemeral = (req: KeyRequest): RenderedMessage => renderRevealRefusalEphemeral('not_yours', req);

/** Told to the requester once their request is waiting in the approval channel. */
export const renderRequestSent = (req: Pick<KeyRequest, 'projectName' | 'projectId' | 'id'>, approvalChannel: string): RenderedMessage => {
  const text =
    `Your request for an OpenAI key for ${projectLabel(req)} is waiting for an approver in ${mentionChannel(approvalChannel)}. ` +
    `You will get a DM when it is decided. (Request ${codeSpan(req.id, 40)}.)`;
  return composeMessage(`Request sent: your key request for ${fitUserText(req.projectName, 150)} is waiting for an approver.`, [
    headerBlock('Request sent'),
    sectionBlock(text),
  ]);
};
