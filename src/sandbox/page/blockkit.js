/**
 * Block Kit and Slack mrkdwn → HTML, for the sandbox page (browser) and its tests (Node). No DOM access: every
 * function takes JSON and returns an HTML string in which all text from the JSON is escaped.
 *
 * Interactive elements carry data attributes that the page's script reads:
 *   buttons   data-kw-click, data-action-id, data-block-id, data-value, data-confirm (JSON), data-url
 *   inputs    data-kw-input, data-block-id, data-action-id, data-type
 */

const HTML_ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text) {
  return String(text ?? '').replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/** Undoes Slack's three mrkdwn escapes (in one pass, so `&amp;lt;` becomes `&lt;`, not `<`). */
export function decodeSlackEntities(text) {
  return String(text ?? '').replace(/&(amp|lt|gt);/g, (_, name) => ({ amp: '&', lt: '<', gt: '>' })[name]);
}

const EMOJI = {
  white_check_mark: '✅',
  heavy_check_mark: '✔️',
  ballot_box_with_check: '☑️',
  x: '❌',
  no_entry: '⛔',
  no_entry_sign: '🚫',
  key: '🔑',
  old_key: '🗝️',
  warning: '⚠️',
  rotating_light: '🚨',
  hourglass: '⌛',
  hourglass_flowing_sand: '⏳',
  lock: '🔒',
  unlock: '🔓',
  closed_lock_with_key: '🔐',
  envelope: '✉️',
  email: '📧',
  incoming_envelope: '📨',
  gear: '⚙️',
  calendar: '📆',
  date: '📅',
  spiral_calendar_pad: '🗓️',
  raised_hand: '✋',
  seedling: '🌱',
  information_source: 'ℹ️',
  bell: '🔔',
  no_bell: '🔕',
  moneybag: '💰',
  money_with_wings: '💸',
  dollar: '💵',
  heavy_dollar_sign: '💲',
  credit_card: '💳',
  chart_with_upwards_trend: '📈',
  chart_with_downwards_trend: '📉',
  bar_chart: '📊',
  fire: '🔥',
  tada: '🎉',
  eyes: '👀',
  thumbsup: '👍',
  '+1': '👍',
  thumbsdown: '👎',
  '-1': '👎',
  wave: '👋',
  pray: '🙏',
  memo: '📝',
  pencil: '📝',
  pencil2: '✏️',
  clipboard: '📋',
  mag: '🔍',
  bulb: '💡',
  stopwatch: '⏱️',
  alarm_clock: '⏰',
  clock3: '🕒',
  red_circle: '🔴',
  large_green_circle: '🟢',
  large_yellow_circle: '🟡',
  large_orange_circle: '🟠',
  large_blue_circle: '🔵',
  white_circle: '⚪',
  black_circle: '⚫',
  arrow_right: '➡️',
  arrow_up: '⬆️',
  arrow_down: '⬇️',
  arrows_counterclockwise: '🔄',
  repeat: '🔁',
  robot_face: '🤖',
  speech_balloon: '💬',
  thread: '🧵',
  wastebasket: '🗑️',
  hammer_and_wrench: '🛠️',
  wrench: '🔧',
  shield: '🛡️',
  construction: '🚧',
  stop_sign: '🛑',
  checkered_flag: '🏁',
  link: '🔗',
  package: '📦',
  inbox_tray: '📥',
  outbox_tray: '📤',
  sparkles: '✨',
  star: '⭐',
  zap: '⚡',
  boom: '💥',
  skull: '💀',
  ok: '🆗',
  new: '🆕',
  sos: '🆘',
  question: '❓',
  grey_question: '❔',
  exclamation: '❗',
  heavy_plus_sign: '➕',
  heavy_minus_sign: '➖',
  smile: '😄',
  slightly_smiling_face: '🙂',
  thinking_face: '🤔',
  sweat_smile: '😅',
  scream: '😱',
  rocket: '🚀',
  chart: '💹',
  receipt: '🧾',
  bookmark: '🔖',
  pushpin: '📌',
  hourglass_done: '⌛',
};

/** The emoji for a Slack shortcode (without colons), or undefined when the sandbox does not know it. */
export function emojiFor(name) {
  return Object.prototype.hasOwnProperty.call(EMOJI, name) ? EMOJI[name] : undefined;
}

/** Replaces known `:shortcode:`s in already-escaped HTML text; unknown ones stay as they were typed. */
function withEmoji(escaped) {
  return escaped.replace(/:([a-z0-9_+-]+):/g, (whole, name) => {
    const emoji = emojiFor(name);
    return emoji === undefined ? whole : `<span class="bk-emoji" title=":${name}:">${emoji}</span>`;
  });
}

// ── dates ──────────────────────────────────────────────────────────────

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

function ordinal(n) {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  return `${n}${{ 1: 'st', 2: 'nd', 3: 'rd' }[n % 10] ?? 'th'}`;
}

/** Calendar fields of an instant in a time zone (the runtime's own when none is given). */
function calendarOf(ms, timeZone) {
  const parts = new Intl.DateTimeFormat('en-US', {
    ...(timeZone ? { timeZone } : {}),
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    weekday: 'long',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
    hourCycle: 'h23',
  }).formatToParts(new Date(ms));
  const get = (type) => parts.find((p) => p.type === type)?.value ?? '';
  return {
    year: Number(get('year')),
    month: Number(get('month')),
    day: Number(get('day')),
    weekday: WEEKDAYS.indexOf(get('weekday')),
    hour: Number(get('hour')),
    minute: Number(get('minute')),
    second: Number(get('second')),
  };
}

const pad2 = (n) => String(n).padStart(2, '0');

function dayNumber(c) {
  return Date.UTC(c.year, c.month - 1, c.day) / 86_400_000;
}

function relativeDay(ms, ctx) {
  const now = ctx.now ?? Date.now();
  const diff = dayNumber(calendarOf(ms, ctx.timeZone)) - dayNumber(calendarOf(now, ctx.timeZone));
  return { 0: 'today', [-1]: 'yesterday', 1: 'tomorrow' }[diff];
}

function agoText(ms, ctx) {
  const now = ctx.now ?? Date.now();
  const seconds = Math.round((ms - now) / 1000);
  const abs = Math.abs(seconds);
  const [amount, unit] =
    abs < 60 ? [abs, 'second'] : abs < 3600 ? [Math.round(abs / 60), 'minute'] : abs < 86_400 ? [Math.round(abs / 3600), 'hour'] : [Math.round(abs / 86_400), 'day'];
  const words = `${amount} ${unit}${amount === 1 ? '' : 's'}`;
  return seconds <= 0 ? `${words} ago` : `in ${words}`;
}

/**
 * Slack's `<!date^seconds^format|fallback>` tokens: {date_num} {date} {date_short} {date_long} and their `_pretty`
 * forms (today / yesterday / tomorrow), {time} {time_secs} {ago}. `ctx.timeZone` and `ctx.now` make it deterministic.
 */
export function formatSlackDate(seconds, format, ctx = {}) {
  const ms = Number(seconds) * 1000;
  if (!Number.isFinite(ms)) return undefined;
  const c = calendarOf(ms, ctx.timeZone);
  const dateShort = `${MONTHS[c.month - 1].slice(0, 3)} ${c.day}, ${c.year}`;
  const date = `${MONTHS[c.month - 1]} ${ordinal(c.day)}, ${c.year}`;
  const dateLong = `${WEEKDAYS[c.weekday]}, ${date}`;
  const hour12 = c.hour % 12 === 0 ? 12 : c.hour % 12;
  const meridiem = c.hour < 12 ? 'AM' : 'PM';
  const pretty = (fallback) => {
    const word = relativeDay(ms, ctx);
    return word === undefined ? fallback : word.charAt(0).toUpperCase() + word.slice(1);
  };
  const tokens = {
    date_num: `${c.year}-${pad2(c.month)}-${pad2(c.day)}`,
    date: date,
    date_short: dateShort,
    date_long: dateLong,
    date_pretty: pretty(date),
    date_short_pretty: pretty(dateShort),
    date_long_pretty: pretty(dateLong),
    time: `${hour12}:${pad2(c.minute)} ${meridiem}`,
    time_secs: `${hour12}:${pad2(c.minute)}:${pad2(c.second)} ${meridiem}`,
    ago: agoText(ms, ctx),
  };
  return String(format).replace(/\{([a-z_]+)\}/g, (whole, name) => tokens[name] ?? whole);
}

// ── mrkdwn ─────────────────────────────────────────────────────────────

const HOLD_OPEN = '\uE000';
const HOLD_CLOSE = '\uE001';
const HOLD_PATTERN = /\uE000(\d+)\uE001/g;

function isSafeUrl(url) {
  return /^(https?:\/\/|mailto:)[^\s]+$/i.test(url);
}

function linkHtml(url, label) {
  return `<a class="bk-link" href="${escapeHtml(url)}" target="_blank" rel="noopener noreferrer">${label}</a>`;
}

function userName(ctx, id) {
  return ctx.users?.[id];
}

/** One `<…>` token of mrkdwn as HTML, or null when it is not one Slack would act on (then it is shown as text). */
function tokenHtml(inner, ctx) {
  const [head, ...rest] = inner.split('|');
  const label = rest.length > 0 ? decodeSlackEntities(rest.join('|')) : undefined;
  if (head.startsWith('@')) {
    const id = head.slice(1);
    if (!/^[UW][A-Z0-9]+$/.test(id)) return null;
    const name = userName(ctx, id) ?? label ?? id;
    const me = ctx.me === id ? ' bk-mention--me' : '';
    return `<span class="bk-mention${me}" data-user-id="${escapeHtml(id)}">@${escapeHtml(name)}</span>`;
  }
  if (head.startsWith('#')) {
    const id = head.slice(1);
    if (!/^[CGD][A-Z0-9]+$/.test(id)) return null;
    const name = ctx.channels?.[id] ?? label ?? id;
    return `<span class="bk-channel" data-channel-id="${escapeHtml(id)}">#${escapeHtml(name)}</span>`;
  }
  if (head.startsWith('!')) {
    const [command, ...args] = head.slice(1).split('^');
    if (command === 'here' || command === 'channel' || command === 'everyone') {
      return `<span class="bk-mention bk-mention--broadcast">@${command}</span>`;
    }
    if (command === 'subteam' && args[0]) {
      const handle = ctx.usergroups?.[args[0]] ?? (label ? label.replace(/^@/, '') : args[0]);
      return `<span class="bk-mention">@${escapeHtml(handle)}</span>`;
    }
    if (command === 'date' && args.length >= 2) {
      const [seconds, format, link] = args;
      const text = formatSlackDate(seconds, decodeSlackEntities(format), ctx);
      const fallback = label ?? '';
      if (text === undefined) return escapeHtml(fallback);
      const iso = new Date(Number(seconds) * 1000).toISOString();
      const time = `<time class="bk-date" datetime="${escapeHtml(iso)}" title="${escapeHtml(fallback)}">${escapeHtml(text)}</time>`;
      return link && isSafeUrl(link) ? linkHtml(link, time) : time;
    }
    return null;
  }
  const url = decodeSlackEntities(head);
  if (isSafeUrl(url)) return linkHtml(url, escapeHtml(label ?? url.replace(/^mailto:/i, '')));
  return null;
}

/** Applies *bold*, _italic_ and ~strike~ where Slack would: a marker pair around non-space text at word edges. */
function withStyles(escaped) {
  const styled = (text, marker, tag) => {
    const m = marker === '*' ? '\\*' : marker;
    const pattern = new RegExp(`(^|[^\\p{L}\\p{N}${m}])${m}(?=[^\\s${m}])([^${m}\\n]*?[^\\s${m}])${m}(?![\\p{L}\\p{N}${m}])`, 'gu');
    return text.replace(pattern, (_, before, inner) => `${before}<${tag}>${inner}</${tag}>`);
  };
  return styled(styled(styled(escaped, '*', 'strong'), '_', 'em'), '~', 'del');
}

/**
 * Slack mrkdwn as HTML: ```code blocks```, `code`, *bold*, _italic_, ~strike~, > quotes, • and 1. lists,
 * <url|links>, <@user> and <#channel> mentions, <!here>, <!subteam^…>, <!date^…|fallback>, :emoji:.
 * `ctx.verbatim` false also links bare URLs, as Slack does for non-verbatim text.
 */
export function renderMrkdwn(text, ctx = {}) {
  const held = [];
  const hold = (html) => `${HOLD_OPEN}${held.push(html) - 1}${HOLD_CLOSE}`;
  let s = String(text ?? '').replace(/[\uE000\uE001]/g, '');
  s = s.replace(/\n?```([\s\S]*?)```\n?/g, (_, code) => `\n${hold(`<pre class="bk-pre">${escapeHtml(decodeSlackEntities(code.replace(/^\n/, '')))}</pre>`)}\n`);
  s = s.replace(/`([^`\n]+)`/g, (_, code) => hold(`<code class="bk-code">${escapeHtml(decodeSlackEntities(code))}</code>`));
  s = s.replace(/<([^<>\n]+)>/g, (whole, inner) => {
    const html = tokenHtml(inner, ctx);
    return html === null ? whole : hold(html);
  });
  if (ctx.verbatim === false) {
    s = s.replace(/\bhttps?:\/\/[^\s<>\uE000\uE001]+[^\s<>.,;:!?)\]'"\uE000\uE001]/g, (url) => {
      const decoded = decodeSlackEntities(url);
      return hold(linkHtml(decoded, escapeHtml(decoded)));
    });
  }
  const escaped = withEmoji(escapeHtml(decodeSlackEntities(s)));
  const isBlockLine = (line) => {
    const only = /^\uE000(\d+)\uE001$/.exec(line);
    return only !== null && (held[Number(only[1])] ?? '').startsWith('<pre');
  };
  const html = linesToHtml(escaped.replace(/^\n+|\n+$/g, '').split('\n'), isBlockLine);
  return html.replace(HOLD_PATTERN, (_, index) => held[Number(index)] ?? '');
}

/** Groups escaped lines into quotes and lists; other lines are joined with <br>, except around code blocks. */
function linesToHtml(lines, isBlockLine) {
  const parts = [];
  const push = (kind, html, start) => {
    const last = parts[parts.length - 1];
    if (last && last.kind === kind) last.items.push(html);
    else parts.push({ kind, items: [html], start });
  };
  for (const line of lines) {
    const quote = /^&gt;\s?(.*)$/.exec(line);
    const bullet = /^\s*(?:•|◦|▪|-)\s+(.*)$/.exec(line);
    const numbered = /^\s*(\d{1,4})[.)]\s+(.*)$/.exec(line);
    if (quote) push('quote', withStyles(quote[1]));
    else if (bullet) push('ul', withStyles(bullet[1]));
    else if (numbered) push('ol', withStyles(numbered[2]), Number(numbered[1]));
    else parts.push({ kind: isBlockLine(line) ? 'block' : 'line', items: [withStyles(line)] });
  }
  let html = '';
  let previousInline = false;
  for (const part of parts) {
    if (part.kind === 'line') {
      if (previousInline) html += '<br>';
      html += part.items[0];
      previousInline = true;
      continue;
    }
    previousInline = false;
    if (part.kind === 'block') html += part.items[0];
    else if (part.kind === 'quote') html += `<blockquote class="bk-quote">${part.items.join('<br>')}</blockquote>`;
    else if (part.kind === 'ul') html += `<ul class="bk-list">${part.items.map((i) => `<li>${i}</li>`).join('')}</ul>`;
    else html += `<ol class="bk-list"${part.start > 1 ? ` start="${part.start}"` : ''}>${part.items.map((i) => `<li>${i}</li>`).join('')}</ol>`;
  }
  return html;
}

/** A composition text object (plain_text or mrkdwn) as HTML. */
export function renderText(textObject, ctx = {}) {
  if (textObject === undefined || textObject === null) return '';
  if (typeof textObject === 'string') return renderMrkdwn(textObject, ctx);
  if (textObject.type === 'mrkdwn') return renderMrkdwn(textObject.text, { ...ctx, verbatim: textObject.verbatim === true });
  const escaped = escapeHtml(textObject.text ?? '').replace(/\n/g, '<br>');
  return textObject.emoji === false ? escaped : withEmoji(escaped);
}

/** A text object's words without markup, for attributes such as placeholders and titles. */
export function textOf(textObject) {
  if (textObject === undefined || textObject === null) return '';
  if (typeof textObject === 'string') return textObject;
  return String(textObject.text ?? '');
}

// ── elements ───────────────────────────────────────────────────────────

function unsupported(kind, type) {
  return `<div class="bk-unsupported" role="note">unsupported ${kind}: ${escapeHtml(type ?? '(no type)')}</div>`;
}

function idAttributes(element, blockId) {
  return `data-block-id="${escapeHtml(blockId ?? '')}" data-action-id="${escapeHtml(element.action_id ?? '')}"`;
}

function confirmAttribute(confirm) {
  if (!confirm || typeof confirm !== 'object') return '';
  return ` data-confirm="${escapeHtml(JSON.stringify(confirm))}"`;
}

function buttonHtml(element, blockId, ctx) {
  const style = element.style === 'primary' || element.style === 'danger' ? ` bk-button--${element.style}` : '';
  const url = typeof element.url === 'string' && isSafeUrl(element.url) ? ` data-url="${escapeHtml(element.url)}"` : '';
  const value = element.value === undefined ? '' : ` data-value="${escapeHtml(element.value)}"`;
  return (
    `<button type="button" class="bk-button${style}" data-kw-click ${idAttributes(element, blockId)}${value}${url}${confirmAttribute(element.confirm)}>` +
    `${renderText(element.text, ctx)}</button>`
  );
}

function optionHtml(option, selectedValues) {
  const value = String(option.value ?? '');
  const selected = selectedValues.has(value) ? ' selected' : '';
  return `<option value="${escapeHtml(value)}"${selected}>${escapeHtml(textOf(option.text))}</option>`;
}

function staticSelectHtml(element, blockId, ctx) {
  const selected = new Set(element.initial_option ? [String(element.initial_option.value)] : []);
  const placeholder = `<option value=""${selected.size === 0 ? ' selected' : ''} disabled>${escapeHtml(textOf(element.placeholder) || 'Select an item')}</option>`;
  const options = Array.isArray(element.option_groups)
    ? element.option_groups
        .map((group) => `<optgroup label="${escapeHtml(textOf(group.label))}">${(group.options ?? []).map((o) => optionHtml(o, selected)).join('')}</optgroup>`)
        .join('')
    : (element.options ?? []).map((o) => optionHtml(o, selected)).join('');
  // Inside an input block a choice waits for the submission; elsewhere Slack sends it at once as a block action.
  const dispatch = ctx.inInput ? '' : ' data-kw-dispatch';
  return `<select class="bk-select" data-kw-input data-type="static_select" ${idAttributes(element, blockId)}${dispatch}>${placeholder}${options}</select>`;
}

/**
 * An external select as Slack's type-ahead: a text box the person types into, a listbox the page fills with the
 * options keywarden answers (app.js asks for them through /api/options, as Slack sends a block_suggestion), and a
 * hidden input holding the chosen option's value (its text in data-label) for the submission. Slack asks only once
 * `min_query_length` characters are typed (3 when absent).
 */
function externalSelectHtml(element, blockId) {
  const initial = element.initial_option && typeof element.initial_option === 'object' ? element.initial_option : null;
  const minQuery = Number.isInteger(element.min_query_length) ? element.min_query_length : 3;
  const listId = `bk-list-${escapeHtml(blockId ?? '')}-${escapeHtml(element.action_id ?? '')}`.replace(/[^A-Za-z0-9_-]/g, '_');
  return (
    `<div class="bk-typeahead" data-min-query="${minQuery}">` +
    `<input type="text" class="bk-select bk-typeahead-input" role="combobox" aria-autocomplete="list" aria-expanded="false" aria-controls="${listId}" autocomplete="off" ` +
    `placeholder="${escapeHtml(textOf(element.placeholder) || 'Select an item')}" value="${escapeHtml(initial ? textOf(initial.text) : '')}">` +
    `<input type="hidden" data-kw-input data-type="external_select" ${idAttributes(element, blockId)} value="${escapeHtml(initial ? String(initial.value ?? '') : '')}" data-label="${escapeHtml(initial ? textOf(initial.text) : '')}">` +
    `<ul class="bk-typeahead-list" id="${listId}" role="listbox" hidden></ul></div>`
  );
}

/**
 * The options of an external select's answer as listbox items (`options`: `{ text, value }` with plain text), or a
 * line saying why there are none: "Loading…" while asking, the error, or Slack's "No results".
 */
export function renderOptionList(state) {
  if (state.loading) return '<li class="bk-typeahead-note" role="presentation">Loading…</li>';
  if (state.error) return `<li class="bk-typeahead-note bk-typeahead-note--error" role="presentation">${escapeHtml(state.error)}</li>`;
  const options = Array.isArray(state.options) ? state.options : [];
  if (options.length === 0) return '<li class="bk-typeahead-note" role="presentation">No results</li>';
  return options
    .map(
      (option, i) =>
        `<li class="bk-typeahead-option" role="option" id="bk-option-${i}" aria-selected="false" data-value="${escapeHtml(option.value)}" data-label="${escapeHtml(option.text)}">${escapeHtml(option.text)}</li>`,
    )
    .join('');
}

function lengthAttributes(element) {
  const attributes = [];
  if (Number.isInteger(element.min_length)) attributes.push(`data-min-length="${element.min_length}"`);
  if (Number.isInteger(element.max_length)) attributes.push(`maxlength="${element.max_length}"`);
  return attributes.length > 0 ? ` ${attributes.join(' ')}` : '';
}

function plainTextInputHtml(element, blockId) {
  const common =
    `class="bk-textbox" data-kw-input data-type="plain_text_input" ${idAttributes(element, blockId)}` +
    `${element.placeholder ? ` placeholder="${escapeHtml(textOf(element.placeholder))}"` : ''}${lengthAttributes(element)}` +
    `${element.focus_on_load ? ' data-focus' : ''}`;
  const initial = typeof element.initial_value === 'string' ? element.initial_value : '';
  return element.multiline
    ? `<textarea ${common} rows="4">${escapeHtml(initial)}</textarea>`
    : `<input type="text" ${common} value="${escapeHtml(initial)}">`;
}

function numberInputHtml(element, blockId) {
  const decimal = element.is_decimal_allowed === true;
  const attribute = (name, value) => (value === undefined || value === null || value === '' ? '' : ` ${name}="${escapeHtml(value)}"`);
  return (
    `<input type="number" class="bk-textbox bk-textbox--number" data-kw-input data-type="number_input" ${idAttributes(element, blockId)}` +
    ` step="${decimal ? 'any' : '1'}" data-decimal="${decimal}"${attribute('min', element.min_value)}${attribute('max', element.max_value)}` +
    `${attribute('value', element.initial_value)}${element.placeholder ? ` placeholder="${escapeHtml(textOf(element.placeholder))}"` : ''}` +
    `${element.focus_on_load ? ' data-focus' : ''}>`
  );
}

function choicesHtml(element, blockId, ctx, kind) {
  const initial = kind === 'checkboxes' ? (element.initial_options ?? []).map((o) => String(o.value)) : element.initial_option ? [String(element.initial_option.value)] : [];
  const name = `${blockId ?? ''}::${element.action_id ?? ''}`;
  const items = (element.options ?? [])
    .map((option) => {
      const value = String(option.value ?? '');
      const checked = initial.includes(value) ? ' checked' : '';
      const description = option.description ? `<span class="bk-choice-description">${renderText(option.description, ctx)}</span>` : '';
      return (
        `<label class="bk-choice"><input type="${kind === 'checkboxes' ? 'checkbox' : 'radio'}" name="${escapeHtml(name)}" value="${escapeHtml(value)}"` +
        ` data-label="${escapeHtml(textOf(option.text))}"${checked}><span>${renderText(option.text, ctx)}${description}</span></label>`
      );
    })
    .join('');
  return `<div class="bk-choices" data-kw-input data-type="${kind}" ${idAttributes(element, blockId)}>${items}</div>`;
}

function imageElementHtml(element, extraClass) {
  const src = typeof element.image_url === 'string' && /^(https?:\/\/|data:image\/)/i.test(element.image_url) ? element.image_url : '';
  return `<img class="bk-image-element${extraClass}" src="${escapeHtml(src)}" alt="${escapeHtml(element.alt_text ?? '')}" loading="lazy">`;
}

/** One block element (button, select, input, image…) as HTML; unknown types become a visible placeholder. */
export function renderElement(element, ctx = {}, blockId) {
  if (!element || typeof element !== 'object') return unsupported('element', typeof element);
  switch (element.type) {
    case 'button':
      return buttonHtml(element, blockId, ctx);
    case 'static_select':
      return staticSelectHtml(element, blockId, ctx);
    case 'external_select':
      return externalSelectHtml(element, blockId);
    case 'plain_text_input':
      return plainTextInputHtml(element, blockId);
    case 'number_input':
      return numberInputHtml(element, blockId);
    case 'checkboxes':
    case 'radio_buttons':
      return choicesHtml(element, blockId, ctx, element.type);
    case 'image':
      return imageElementHtml(element, '');
    case 'plain_text':
    case 'mrkdwn':
      return `<span class="bk-text">${renderText(element, ctx)}</span>`;
    default:
      return unsupported('element', element.type);
  }
}

// ── rich text ──────────────────────────────────────────────────────────

function richInlineHtml(element, ctx) {
  const style = element.style ?? {};
  const wrap = (html) => {
    let out = html;
    if (style.code) out = `<code class="bk-code">${out}</code>`;
    if (style.bold) out = `<strong>${out}</strong>`;
    if (style.italic) out = `<em>${out}</em>`;
    if (style.strike) out = `<del>${out}</del>`;
    return out;
  };
  switch (element.type) {
    case 'text':
      return wrap(escapeHtml(element.text ?? '').replace(/\n/g, '<br>'));
    case 'link':
      return isSafeUrl(String(element.url ?? '')) ? wrap(linkHtml(element.url, escapeHtml(element.text ?? element.url))) : wrap(escapeHtml(element.text ?? element.url ?? ''));
    case 'user':
      return wrap(tokenHtml(`@${element.user_id ?? ''}`, ctx) ?? escapeHtml(`@${element.user_id ?? ''}`));
    case 'channel':
      return wrap(tokenHtml(`#${element.channel_id ?? ''}`, ctx) ?? escapeHtml(`#${element.channel_id ?? ''}`));
    case 'usergroup':
      return wrap(tokenHtml(`!subteam^${element.usergroup_id ?? ''}`, ctx) ?? '');
    case 'broadcast':
      return wrap(tokenHtml(`!${element.range ?? 'here'}`, ctx) ?? escapeHtml(`@${element.range ?? ''}`));
    case 'emoji': {
      const emoji = emojiFor(element.name ?? '');
      if (emoji !== undefined) return `<span class="bk-emoji" title=":${escapeHtml(element.name)}:">${emoji}</span>`;
      if (typeof element.unicode === 'string' && /^[0-9a-f]{2,6}(-[0-9a-f]{2,6})*$/i.test(element.unicode)) {
        return String.fromCodePoint(...element.unicode.split('-').map((hex) => Number.parseInt(hex, 16)));
      }
      return escapeHtml(`:${element.name ?? ''}:`);
    }
    case 'date': {
      const token = `!date^${element.timestamp}^${element.format ?? '{date_short}'}|${element.fallback ?? ''}`;
      return wrap(tokenHtml(token, ctx) ?? escapeHtml(element.fallback ?? ''));
    }
    default:
      return unsupported('rich text element', element.type);
  }
}

function richInlineList(elements, ctx) {
  return (Array.isArray(elements) ? elements : []).map((e) => richInlineHtml(e ?? {}, ctx)).join('');
}

function richTextElementHtml(element, ctx) {
  switch (element?.type) {
    case 'rich_text_section':
      return `<div class="bk-rich-section">${richInlineList(element.elements, ctx)}</div>`;
    case 'rich_text_preformatted':
      return `<pre class="bk-pre">${richInlineList(element.elements, ctx)}</pre>`;
    case 'rich_text_quote':
      return `<blockquote class="bk-quote">${richInlineList(element.elements, ctx)}</blockquote>`;
    case 'rich_text_list': {
      const tag = element.style === 'ordered' ? 'ol' : 'ul';
      const indent = Number.isInteger(element.indent) && element.indent > 0 ? ` bk-list--indent-${Math.min(element.indent, 6)}` : '';
      const items = (element.elements ?? []).map((item) => `<li>${richInlineList(item?.elements, ctx)}</li>`).join('');
      return `<${tag} class="bk-list${indent}">${items}</${tag}>`;
    }
    default:
      return unsupported('rich text element', element?.type);
  }
}

// ── blocks ─────────────────────────────────────────────────────────────

function blockAttributes(block, kind) {
  return `class="bk-block bk-${kind}" data-block-id="${escapeHtml(block.block_id ?? '')}"`;
}

function sectionHtml(block, ctx) {
  const text = block.text ? `<div class="bk-section-text">${renderText(block.text, ctx)}</div>` : '';
  const fields = Array.isArray(block.fields) && block.fields.length > 0
    ? `<div class="bk-fields">${block.fields.map((f) => `<div class="bk-field">${renderText(f, ctx)}</div>`).join('')}</div>`
    : '';
  const accessory = block.accessory
    ? `<div class="bk-accessory">${block.accessory.type === 'image' ? imageElementHtml(block.accessory, ' bk-image-element--accessory') : renderElement(block.accessory, ctx, block.block_id)}</div>`
    : '';
  return `<div ${blockAttributes(block, 'section')}><div class="bk-section-main">${text}${fields}</div>${accessory}</div>`;
}

function contextHtml(block, ctx) {
  const items = (block.elements ?? [])
    .map((element) =>
      element?.type === 'image'
        ? imageElementHtml(element, ' bk-image-element--context')
        : element?.type === 'plain_text' || element?.type === 'mrkdwn'
          ? `<span class="bk-context-text">${renderText(element, ctx)}</span>`
          : unsupported('element', element?.type),
    )
    .join('');
  return `<div ${blockAttributes(block, 'context')}>${items}</div>`;
}

function inputHtml(block, ctx) {
  const error = ctx.errors?.[block.block_id];
  const optional = block.optional === true ? ' <span class="bk-optional">(optional)</span>' : '';
  const element = renderElement(block.element, { ...ctx, inInput: true }, block.block_id);
  const hint = block.hint ? `<div class="bk-hint">${renderText(block.hint, ctx)}</div>` : '';
  const errorHtml = error === undefined ? '' : `<div class="bk-error" role="alert">${escapeHtml(error)}</div>`;
  return (
    `<div ${blockAttributes(block, 'input')}${block.optional === true ? '' : ' data-required'}${error === undefined ? '' : ' data-has-error'}>` +
    `<label class="bk-label">${renderText(block.label, ctx)}${optional}</label>${element}${hint}${errorHtml}</div>`
  );
}

/** One layout block as HTML; an unknown type becomes a visible "unsupported block: X" placeholder. */
export function renderBlock(block, ctx = {}) {
  if (!block || typeof block !== 'object') return unsupported('block', typeof block);
  switch (block.type) {
    case 'header':
      return `<div ${blockAttributes(block, 'header')}>${renderText(block.text, ctx)}</div>`;
    case 'section':
      return sectionHtml(block, ctx);
    case 'context':
      return contextHtml(block, ctx);
    case 'divider':
      return `<hr ${blockAttributes(block, 'divider')}>`;
    case 'actions':
      return `<div ${blockAttributes(block, 'actions')}>${(block.elements ?? []).map((e) => renderElement(e, ctx, block.block_id)).join('')}</div>`;
    case 'image': {
      const title = block.title ? `<div class="bk-image-title">${renderText(block.title, ctx)}</div>` : '';
      return `<figure ${blockAttributes(block, 'image')}>${title}${imageElementHtml(block, ' bk-image-element--block')}</figure>`;
    }
    case 'rich_text':
      return `<div ${blockAttributes(block, 'rich-text')}>${(block.elements ?? []).map((e) => richTextElementHtml(e, ctx)).join('')}</div>`;
    case 'input':
      return inputHtml(block, ctx);
    default:
      return unsupported('block', block.type);
  }
}

/**
 * A list of blocks as HTML. ctx: users / channels / usergroups (id → name) for mentions, `me` (highlighted
 * mentions), `timeZone` and `now` for dates, `surface` ('message' | 'modal'), `errors` (block_id → message).
 */
export function renderBlocks(blocks, ctx = {}) {
  if (!Array.isArray(blocks)) return '';
  return blocks.map((block) => renderBlock(block, ctx)).join('');
}
