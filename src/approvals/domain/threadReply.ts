import { DENY_REASON_MAX_LENGTH } from './decision.js';

/** An approver's reply in a request's thread: `approve`, or `deny <reason>`. Anything else is conversation. */
export type ThreadReply = { readonly kind: 'approve' } | { readonly kind: 'deny'; readonly reason: string };

export function parseThreadReply(text: string): ThreadReply | null {
  // Slack escapes &, < and >; a leading mention of the bot (<@U…>) is allowed.
  const cleaned = text
    .replace(/^\s*<@[A-Z0-9]+>\s*/, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .trim();
  const m = /^(approve|approved|deny|denied|reject)\b[\s:,.!-]*([\s\S]*)$/i.exec(cleaned);
  if (!m) return null;
  const verb = (m[1] ?? '').toLowerCase();
  const rest = (m[2] ?? '').trim();
  if (verb.startsWith('approve')) return rest === '' || /^[.!]*$/.test(rest) ? { kind: 'approve' } : null;
  return { kind: 'deny', reason: rest.slice(0, DENY_REASON_MAX_LENGTH) };
}
