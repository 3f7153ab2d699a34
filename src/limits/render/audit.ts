import type { KnownBlock } from '@slack/types';
import type { AuditEntry } from '../../platform/domain/audit.js';
import { formatCents, type Cents } from '../../platform/domain/money.js';
import { composeMessage, contextBlock, headerBlock, sectionBlock, type RenderedMessage } from '../../platform/slack/render/blocks.js';
import { BLOCK_KIT_LIMITS } from '../../platform/slack/render/blockKitLimits.js';
import { codeSpan, escapeMrkdwn, fitUserText, pluralDays, slackDate, truncateMrkdwn, utcDateText } from '../../platform/slack/render/mrkdwn.js';
import { actorText, commandCode, domainLine, packLines, plural, sectionsOf } from './format.js';

/** The most entries one audit reply lists; past this it says how many older ones there are. */
export const AUDIT_LOG_MAX_ENTRIES = 100;
const DETAIL_MAX = 300;

/** Project names by id, to name projects in words; an id missing here is shown as the id. */
export type ProjectNames = ReadonlyMap<string, string>;

/** Why something was refused, from the `refused:<kind>` outcomes the flows write. */
const REFUSALS: Readonly<Record<string, string>> = {
  self_decision: 'nobody decides their own request',
  not_approver: 'they are not an approver',
  already_decided: 'it was already decided',
  expired: 'it had expired',
  not_found: 'there is no such request',
  not_owner: 'it is not their key',
  not_allowed: 'they may not',
  reason_required: 'a reason is needed',
  already_voted: 'they had already approved it',
  cancelled: 'it was cancelled',
};

const refusalText = (outcome: string): string => {
  const [, ...rest] = outcome.split(':');
  if (rest[0] === 'openai') return `OpenAI refused${rest[1] ? ` (${rest[1].replace(/_/g, ' ')})` : ''}`;
  return `refused: ${REFUSALS[rest[0] ?? ''] ?? (rest.join(' ').replace(/_/g, ' ') || 'no reason recorded')}`;
};

/** Cents written as `none`/a number by older entries (e.g. `keywarden had 200000 cents, OpenAI has none`), in dollars. */
const centsInWords = (text: string): string =>
  text
    .replace(/\bnone cents\b/g, 'no cap')
    .replace(/\b(\d+) cents\b/g, (_, n: string) => formatCents(Number(n) as Cents))
    .replace(/\bhas none\b/g, 'has no cap')
    .replace(/\bOpenAI has (\d+)\b/g, (_, n: string) => `OpenAI has ${formatCents(Number(n) as Cents)}`);

const RATE_LIMIT_WORDS: Readonly<Record<string, string>> = {
  rpm: 'requests a minute',
  tpm: 'tokens a minute',
  rpd: 'requests a day',
};

/** Older rate-limit entries kept the change as JSON (`{"rpm":100}`): said in words. */
const jsonInWords = (detail: string): string => {
  if (!/^\s*\{/.test(detail)) return detail;
  try {
    const parsed = JSON.parse(detail) as Record<string, unknown>;
    return Object.entries(parsed)
      .map(([key, value]) => `${RATE_LIMIT_WORDS[key] ?? key.replace(/_/g, ' ')} ${typeof value === 'number' ? value.toLocaleString('en-US') : String(value)}`)
      .join(', ');
  } catch {
    return detail;
  }
};

/** A key-creation detail names the service account and key ids next to the redacted key: the redacted key says it. */
const keyDetail = (detail: string): string => {
  const redacted = /\((sk-[^)]*)\)/.exec(detail)?.[1];
  return redacted === undefined ? '' : `key ${redacted}`;
};

/** The detail, safe for mrkdwn, with channel mentions by id kept as real links. */
const detailText = (entry: AuditEntry): string => {
  const raw = entry.detail?.trim() ?? '';
  if (raw === '') return '';
  const words = entry.action === 'key.create' ? keyDetail(raw) : jsonInWords(centsInWords(raw));
  return words === '' ? '' : truncateMrkdwn(domainLine(words).replace(/&lt;@([UW][A-Z0-9]{2,30})&gt;/g, '<@$1>'), DETAIL_MAX);
};

const projectWords = (id: string | undefined, names: ProjectNames): string | null => {
  if (id === undefined || id.trim() === '') return null;
  const name = names.get(id);
  return name === undefined || name.trim() === '' ? codeSpan(id, 100) : `*${fitUserText(name, 150)}*`;
};

const requestCode = (target: string): string => codeSpan(target === '' ? '—' : target, 120);

/**
 * One entry as a sentence: who did what to what, and how it ended, with projects by name, people as mentions,
 * amounts in dollars, and no internal codes. Unknown actions still read as words (`a.b` → `a b`).
 */
const whatHappened = (entry: AuditEntry, project: string | null): { readonly text: string; readonly ok: boolean | null } => {
  const { action, outcome, target } = entry;
  const refused = outcome.startsWith('refused');
  const inProject = project === null ? '' : ` in ${project}`;
  const ofProject = project ?? requestCode(target);
  switch (action) {
    case 'request.open':
      return { text: `asked for a key${inProject} (request ${requestCode(target)})`, ok: null };
    case 'request.approve':
    case 'request.deny':
    case 'limits.approve':
    case 'limits.deny': {
      const what = action.startsWith('limits') ? `the limit change ${requestCode(target)}${inProject}` : `the key request ${requestCode(target)}${inProject}`;
      const verb = action.endsWith('approve') ? 'approve' : 'deny';
      if (refused) return { text: `tried to ${verb} ${what}: ${refusalText(outcome)}`, ok: false };
      // one approval towards a quorum: the request is not decided yet (the detail says how many of how many)
      if (outcome === 'vote') return { text: `gave one of the approvals ${what} needs; it is not decided yet`, ok: null };
      return { text: `${verb === 'approve' ? 'approved' : 'denied'} ${what}`, ok: verb === 'approve' };
    }
    case 'request.remind':
    case 'limits.remind':
      return { text: `reminded the approvers of ${action.startsWith('limits') ? 'the limit change' : 'the key request'} ${requestCode(target)}${inProject}`, ok: null };
    case 'request.escalate':
    case 'limits.escalate':
      return { text: `asked the admins to decide ${action.startsWith('limits') ? 'the limit change' : 'the key request'} ${requestCode(target)}${inProject}`, ok: null };
    case 'request.cancel':
    case 'limits.cancel': {
      const what = `${action.startsWith('limits') ? 'the limit change' : 'the key request'} ${requestCode(target)}${inProject}`;
      return refused ? { text: `tried to cancel ${what}: ${refusalText(outcome)}`, ok: false } : { text: `cancelled ${what}`, ok: null };
    }
    case 'request.expire':
      return { text: `the key request ${requestCode(target)}${inProject} expired undecided`, ok: null };
    case 'limits.expire':
      return { text: `the limit change ${requestCode(target)}${inProject} expired undecided`, ok: null };
    case 'key.create':
      return outcome === 'failed'
        ? { text: `could not create the key for request ${requestCode(target)}${inProject}`, ok: false }
        : { text: `created the key for request ${requestCode(target)}${inProject}`, ok: true };
    case 'key.reveal':
      return refused
        ? { text: `tried to reveal the key of request ${requestCode(target)}${inProject}: ${refusalText(outcome)}`, ok: false }
        : { text: `revealed the key of request ${requestCode(target)}${inProject}`, ok: true };
    case 'key.revoke':
      return refused
        ? { text: `tried to revoke the key of request ${requestCode(target)}${inProject}: ${refusalText(outcome)}`, ok: false }
        : { text: `revoked the key of request ${requestCode(target)}${inProject}${outcome === 'expired' ? ' (expired)' : ''}`, ok: true };
    case 'limits.request':
      return { text: `asked to change the spend limits of ${ofProject} (request ${requestCode(target)})`, ok: null };
    case 'limits.change':
      if (outcome.startsWith('applied')) return { text: `changed the spend limits of ${ofProject}`, ok: true };
      if (outcome === 'rolled-back') return { text: `a change to the spend limits of ${ofProject} was undone`, ok: false };
      return { text: `tried to change the spend limits of ${ofProject}: ${refusalText(outcome)}`, ok: false };
    case 'limits.adopt':
      return { text: `started tracking the hard cap already set at OpenAI for ${ofProject}`, ok: null };
    case 'limits.drift':
      if (outcome === 'removed') return { text: `removed the hard cap of ${ofProject} at OpenAI, outside keywarden`, ok: null };
      return { text: `changed the hard cap of ${ofProject} at OpenAI, outside keywarden`, ok: null };
    case 'limits.raise-end':
      return outcome.startsWith('restored')
        ? { text: `set the hard cap of ${ofProject} back as its temporary raise ended`, ok: true }
        : { text: `left the hard cap of ${ofProject} as it was when its temporary raise ended: it had been changed since`, ok: null };
    case 'ratelimit.change': {
      const model = target.includes('/') ? target.slice(target.indexOf('/') + 1) : target;
      const where = `the rate limits of ${codeSpan(model, 80)}${project === null ? '' : ` in ${project}`}`;
      return refused ? { text: `tried to change ${where}: ${refusalText(outcome)}`, ok: false } : { text: `changed ${where}`, ok: true };
    }
    default: {
      const words = escapeMrkdwn(truncateMrkdwn(action.replace(/[._]/g, ' '), 80));
      const how = refused ? refusalText(outcome) : outcome.replace(/[_:]/g, ' ').trim() || 'done';
      return { text: `${words} ${requestCode(target)}${inProject}: ${fitUserText(how, 80)}`, ok: refused ? false : null };
    }
  }
};

/** Who did it, in words: a drift was done at OpenAI by someone keywarden cannot name; an adoption is keywarden's. */
const actorOf = (entry: AuditEntry): string =>
  entry.action === 'limits.drift' ? 'someone at OpenAI' : entry.action === 'limits.adopt' ? 'keywarden' : actorText(entry.actor);

/** The project an entry is about, named (not its id) when the directory knows it; null when the line need not say. */
const projectOfEntry = (entry: AuditEntry, showProject: boolean, names: ProjectNames): string | null =>
  showProject || entry.action.startsWith('limits.') ? projectWords(entry.project ?? (entry.target.startsWith('proj_') ? entry.target : undefined), names) : null;

const auditLine = (entry: AuditEntry, showProject: boolean, names: ProjectNames): string => {
  const { text, ok } = whatHappened(entry, projectOfEntry(entry, showProject, names));
  const mark = ok === true ? ':white_check_mark: ' : ok === false ? ':no_entry: ' : '';
  const detail = detailText(entry);
  return `${slackDate(entry.at)} · ${mark}${actorOf(entry)} ${text}${detail === '' ? '' : ` — ${detail}`}`;
};

/**
 * The `/openai-key audit` reply: newest first, one sentence per entry (see `whatHappened`). `projectNames` names
 * projects (from the project directory); `project` is the id the log was narrowed to, if any.
 */
export const renderAuditLog = (
  entries: readonly AuditEntry[],
  opts: { readonly project?: string; readonly days: number; readonly now: number; readonly projectNames?: ProjectNames },
): RenderedMessage => {
  const names = opts.projectNames ?? new Map<string, string>();
  const scopeName = opts.project === undefined ? undefined : (projectWords(opts.project, names) ?? '');
  const plainName = opts.project === undefined ? undefined : fitUserText(names.get(opts.project) ?? opts.project, 100);
  const scope = `the last ${pluralDays(opts.days)}${scopeName === undefined ? '' : ` for ${scopeName}`}`;
  const plainScope = `the last ${pluralDays(opts.days)}${plainName === undefined ? '' : ` for ${plainName}`}`;
  if (entries.length === 0) {
    const text = `Nothing in the audit log for ${scope}.`;
    return composeMessage(`Nothing in the audit log for ${plainScope}.`, [headerBlock('Audit log'), sectionBlock(text)]);
  }
  const newestFirst = [...entries].sort((a, b) => b.at - a.at);
  const candidates = newestFirst.slice(0, AUDIT_LOG_MAX_ENTRIES);
  const blocks: KnownBlock[] = [
    headerBlock('Audit log'),
    contextBlock(`${plural(entries.length, 'entry', 'entries')} in ${scope}, newest first · as of ${slackDate(opts.now)}`),
  ];
  const showProject = opts.project === undefined;
  const { sections, packed } = packLines(
    candidates.map((entry) => auditLine(entry, showProject, names)),
    BLOCK_KIT_LIMITS.messageBlocks - blocks.length - 1,
  );
  blocks.push(...sectionsOf(sections));
  const hidden = entries.length - packed;
  if (hidden > 0) {
    blocks.push(
      contextBlock(
        `…and ${plural(hidden, 'older entry', 'older entries')} not shown. Narrow it down: ${commandCode('audit <project> <days>')}`,
      ),
    );
  }
  const newest = newestFirst[0];
  const newestWords = newest === undefined ? null : whatHappened(newest, projectOfEntry(newest, showProject, names)).text.replace(/[`*]/g, '');
  return composeMessage(
    `Audit log for ${plainScope}: ${plural(entries.length, 'entry', 'entries')}` +
      (newest === undefined ? '.' : `, the newest ${utcDateText(newest.at)}: ${actorOf(newest)} ${newestWords}.`),
    blocks,
  );
};
