/**
 * Text primitives for Slack mrkdwn. Every piece of user-provided text reaches a mrkdwn surface through
 * `escapeMrkdwn` (directly or via `fitUserText`), so a purpose like `<!channel>` is shown, never acted on.
 */

const ELLIPSIS = '…';

/** Slack's three control characters in mrkdwn; nothing else needs escaping. */
export const escapeMrkdwn = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Shortens text to at most `max` UTF-16 units, ending in an ellipsis; never splits a surrogate pair. */
export const truncateText = (text: string, max: number): string => {
  if (text.length <= max) return text;
  if (max <= 0) return '';
  let cut = max - ELLIPSIS.length;
  const last = text.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut -= 1;
  return text.slice(0, Math.max(cut, 0)) + ELLIPSIS;
};

/**
 * Shortens already-escaped mrkdwn. A plain cut could leave half an entity (`&am`) or half a token (`<@U12`),
 * which Slack would render as garbage or reject, so a trailing partial one is dropped before the ellipsis.
 */
export const truncateMrkdwn = (mrkdwn: string, max: number): string => {
  if (mrkdwn.length <= max) return mrkdwn;
  if (max <= 0) return '';
  let cut = max - ELLIPSIS.length;
  const last = mrkdwn.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut -= 1;
  let head = mrkdwn.slice(0, Math.max(cut, 0));
  head = head.replace(/&[a-z]{0,4}$/, '');
  const open = head.lastIndexOf('<');
  if (open > head.lastIndexOf('>')) head = head.slice(0, open);
  return head + ELLIPSIS;
};

/** User text, escaped for mrkdwn and kept within `max` characters of the escaped result. */
export const fitUserText = (text: string, max: number): string => truncateMrkdwn(escapeMrkdwn(text), max);

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** `2025-11-22 08:26 UTC`: the text shown where Slack cannot localise a date. */
export const utcDateText = (ms: number): string => {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return 'an unknown time';
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())} UTC`;
};

/** A date each reader sees in their own time zone, with a UTC fallback for clients that cannot. */
export const slackDate = (ms: number): string => {
  if (!Number.isFinite(ms)) return 'an unknown time';
  return `<!date^${Math.floor(ms / 1000)}^{date_short_pretty} {time}|${utcDateText(ms)}>`;
};

const USER_ID = /^[UW][A-Z0-9]{2,30}$/;
const CHANNEL_ID = /^[CGD][A-Z0-9]{2,30}$/;

/**
 * The actors that are not people, as a person reads them: keywarden's own steps (recorded as `keywarden`, or
 * `system` for a deadline's job) and OpenAI's (`openai`, e.g. a limit changed at OpenAI).
 */
const MACHINE_ACTORS: Readonly<Record<string, string>> = {
  keywarden: 'keywarden',
  system: 'keywarden (automatically)',
  openai: 'OpenAI',
};

/**
 * `<@U123>`, or `keywarden` / `OpenAI` for those actors. Anything else that is not a Slack user id (a corrupted
 * record) is shown as escaped text, so a stored value can never turn into a broadcast mention.
 */
export const mentionUser = (userId: string): string => {
  const machine = Object.hasOwn(MACHINE_ACTORS, userId) ? MACHINE_ACTORS[userId] : undefined;
  if (machine !== undefined) return machine;
  return USER_ID.test(userId) ? `<@${userId}>` : fitUserText(userId, 80);
};

const USER_GROUP_ID = /^S[A-Z0-9]{2,30}$/;

/** A person (`<@U…>`) or a user group (`<!subteam^S…>`), with the same protection as `mentionUser`. */
export const mentionUserOrGroup = (id: string): string => (USER_GROUP_ID.test(id) ? `<!subteam^${id}>` : mentionUser(id));

/** `<#C123>`, with the same protection as `mentionUser`. */
export const mentionChannel = (channelId: string): string =>
  CHANNEL_ID.test(channelId) ? `<#${channelId}>` : fitUserText(channelId, 80);

/** Inline code around user text; backticks inside would end the span early, so they become a look-alike. */
export const codeSpan = (text: string, max: number): string =>
  '`' + fitUserText(text.replace(/`/g, 'ˋ'), max) + '`';

/** Quotes user text line by line (`> `), escaped and kept within `max` characters overall. */
export const quoteUserText = (text: string, max: number): string => {
  const lines = text.trim().length === 0 ? ['(none given)'] : text.trim().split(/\r?\n/);
  return truncateMrkdwn(lines.map((line) => `> ${escapeMrkdwn(line)}`).join('\n'), max);
};

export const pluralDays = (days: number): string => (days === 1 ? '1 day' : `${days} days`);
