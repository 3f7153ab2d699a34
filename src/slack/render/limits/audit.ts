import type { KnownBlock } from '@slack/types';
import type { AuditEntry } from '../../../domain/audit.js';
import { composeMessage, contextBlock, headerBlock, sectionBlock, type RenderedMessage } from '../blocks.js';
import { BLOCK_KIT_LIMITS } from '../limits.js';
import { codeSpan, fitUserText, mentionUser, pluralDays, slackDate, utcDateText } from '../mrkdwn.js';
import { commandCode, packLines, plural, sectionsOf } from './format.js';

/** The most entries one audit reply lists; past this it says how many older ones there are. */
export const AUDIT_LOG_MAX_ENTRIES = 100;
const DETAIL_MAX = 300;

const OUTCOME_MARKS: Readonly<Record<string, string>> = {
  ok: ':white_check_mark:',
  success: ':white_check_mark:',
  applied: ':white_check_mark:',
  approved: ':white_check_mark:',
  denied: ':no_entry:',
  refused: ':no_entry:',
  failed: ':x:',
  error: ':x:',
  expired: ':hourglass:',
};

const auditLine = (entry: AuditEntry, showProject: boolean): string => {
  const mark = OUTCOME_MARKS[entry.outcome.trim().toLowerCase()];
  const project =
    showProject && entry.project !== undefined && entry.project !== '' && entry.project !== entry.target
      ? ` in ${codeSpan(entry.project, 100)}`
      : '';
  const detail = entry.detail === undefined || entry.detail.trim() === '' ? '' : ` — ${fitUserText(entry.detail, DETAIL_MAX)}`;
  return (
    `${slackDate(entry.at)} · ${mentionUser(entry.actor)} · *${fitUserText(entry.action, 80)}* ` +
    `${codeSpan(entry.target === '' ? '—' : entry.target, 120)}${project} · ` +
    `${mark === undefined ? '' : `${mark} `}${fitUserText(entry.outcome === '' ? 'unknown' : entry.outcome, 60)}${detail}`
  );
};

/** The `/openai-key audit` reply: newest first, one compact line per entry. */
export const renderAuditLog = (
  entries: readonly AuditEntry[],
  opts: { readonly project?: string; readonly days: number; readonly now: number },
): RenderedMessage => {
  const scope = `the last ${pluralDays(opts.days)}${opts.project === undefined ? '' : ` for ${codeSpan(opts.project, 100)}`}`;
  const plainScope = `the last ${pluralDays(opts.days)}${opts.project === undefined ? '' : ` for ${fitUserText(opts.project, 100)}`}`;
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
    candidates.map((entry) => auditLine(entry, showProject)),
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
  return composeMessage(
    `Audit log for ${plainScope}: ${plural(entries.length, 'entry', 'entries')}` +
      (newest === undefined
        ? '.'
        : `, the newest ${utcDateText(newest.at)}: ${mentionUser(newest.actor)} ${fitUserText(newest.action, 80)} ` +
          `${fitUserText(newest.target, 120)} (${fitUserText(newest.outcome, 60)}).`),
    blocks,
  );
};
