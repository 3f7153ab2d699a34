/**
 * The sandbox page: a small Slack client over the sandbox's JSON API. It renders what the emulated workspace holds
 * for the chosen demo user and sends what they do (commands, messages, clicks, form submissions) to the sandbox,
 * which forwards each one to keywarden as the signed request Slack would send. Live updates arrive as
 * Server-Sent Events.
 */
import { escapeHtml, renderBlocks, renderMrkdwn, renderOptionList, renderText, textOf } from './blockkit.js';

const $ = (id) => document.getElementById(id);

const ui = {
  me: null,
  channel: null,
  thread: null,
  tab: 'messages',
  screen: null,
  modalKey: null,
  confirmOpen: false,
  timeOpen: false,
  projects: [],
  burstDefaulted: false,
  /** the sandbox's clock minus this browser's, in ms (the sandbox may run at another moment: KEYWARDEN_SANDBOX_NOW) */
  clockOffsetMs: 0,
};

/** The sandbox's "now", in UTC like OpenAI's billing days: `Sun 28 Feb 2027, 23:30:05 UTC`. */
function sandboxTimeText(withDate) {
  const now = new Date(Date.now() + ui.clockOffsetMs);
  const options = withDate
    ? { timeZone: 'UTC', weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }
    : { timeZone: 'UTC', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' };
  return `${now.toLocaleString('en-GB', options)} UTC`;
}

/** innerHTML only when it changed, so focus, selection and scroll survive refreshes that change nothing. */
const rendered = new Map();
function setHtml(element, html) {
  if (rendered.get(element) === html) return false;
  rendered.set(element, html);
  element.innerHTML = html;
  return true;
}

// ── server ──────────────────────────────────────────────────────────────

const NOT_ANSWERING = 'The sandbox is not answering: is `npm run sandbox` still running? Start it again and reload this page.';

/** The JSON answer, or a plain sentence about what went wrong (never a raw status or parser message). */
async function readAnswer(response) {
  try {
    return await response.json();
  } catch {
    return { ok: false, error: `The sandbox answered something that is not the page's data (HTTP ${response.status}); reload the page.` };
  }
}

async function getJson(path) {
  let response;
  try {
    response = await fetch(path, { headers: { Accept: 'application/json' } });
  } catch {
    throw new Error(NOT_ANSWERING);
  }
  const body = await readAnswer(response);
  if (!response.ok || body.ok === false) throw new Error(body.error ?? `The sandbox could not answer (HTTP ${response.status}).`);
  return body;
}

async function postJson(path, payload) {
  let response;
  try {
    response = await fetch(path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(payload),
    });
  } catch {
    return { ok: false, error: NOT_ANSWERING };
  }
  return readAnswer(response);
}

/** Shows a failure the way Slack would, and a slow acknowledgement as a warning. */
function report(answer) {
  if (answer.ok === false && answer.error) toast(answer.error, 'error');
  else if (answer.warning) toast(answer.warning, 'warning');
  return answer;
}

// ── refresh ─────────────────────────────────────────────────────────────

let refreshTimer = null;
let refreshing = null;
let refreshAgain = false;

function scheduleRefresh(delay = 30) {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => void refresh(), delay);
}

async function refresh() {
  if (refreshing) {
    refreshAgain = true;
    return refreshing;
  }
  refreshing = (async () => {
    try {
      const query = new URLSearchParams({ user: ui.me });
      if (ui.channel) query.set('channel', ui.channel);
      if (ui.thread) query.set('thread', ui.thread.ts);
      ui.screen = await getJson(`/api/state?${query}`);
      if (!ui.channel) {
        ui.channel = ui.screen.sidebar.channels[0]?.id ?? null;
        if (ui.channel) return void scheduleRefresh(0);
      }
      render();
    } catch (error) {
      toast(`Could not load the workspace: ${error.message}`, 'error');
    } finally {
      refreshing = null;
      if (refreshAgain) {
        refreshAgain = false;
        scheduleRefresh(0);
      }
    }
  })();
  return refreshing;
}

function saveLocation() {
  const hash = new URLSearchParams({ user: ui.me ?? '', ...(ui.channel ? { channel: ui.channel } : {}) });
  history.replaceState(null, '', `#${hash}`);
}

// ── rendering ───────────────────────────────────────────────────────────

function blockCtx(extra = {}) {
  const directory = ui.screen.directory;
  return { users: directory.users, channels: directory.channels, usergroups: directory.usergroups, me: ui.me, surface: 'message', ...extra };
}

function userById(id) {
  return ui.screen.users.find((u) => u.id === id);
}

function avatarHtml(userId, isBot, small = false) {
  const size = small ? ' avatar--small' : '';
  if (isBot) return `<span class="avatar avatar--bot${size}" aria-hidden="true">🔑</span>`;
  const index = Math.max(0, ui.screen.users.findIndex((u) => u.id === userId));
  const name = ui.screen.directory.users[userId] ?? userId;
  return `<span class="avatar avatar--c${index % 6}${size}" aria-hidden="true">${escapeHtml(name.charAt(0).toUpperCase())}</span>`;
}

function timeOfTs(ts) {
  return new Date(Number(ts.split('.')[0]) * 1000).toLocaleTimeString([], { hour: 'numeric', minute: '2-digit' });
}

function render() {
  const screen = ui.screen;
  renderUserSwitcher(screen);
  renderSidebar(screen);
  renderPane(screen);
  renderThread(screen);
  renderModal(screen);
  const channelName = screen.channel ? (screen.channel.kind === 'app' ? screen.channel.name : `#${screen.channel.name}`) : '';
  document.title = `${channelName ? `${channelName} · ` : ''}keywarden sandbox`;
}

function renderUserSwitcher(screen) {
  const me = userById(ui.me);
  $('user-avatar').textContent = me.realName.charAt(0).toUpperCase();
  $('user-avatar').className = `avatar avatar--small avatar--c${screen.users.indexOf(me) % 6}`;
  $('user-name').textContent = `${me.realName} · ${me.role}`;
  $('footer-user').textContent = me.realName;
  $('footer-role').textContent = me.roleNote;
  setHtml(
    $('user-menu'),
    screen.users
      .map(
        (u) =>
          `<button type="button" role="menuitemradio" aria-checked="${u.id === ui.me}" class="user-menu-item" data-user-id="${escapeHtml(u.id)}">` +
          `${avatarHtml(u.id, false, true)}<span><strong>${escapeHtml(u.realName)}</strong><span class="user-menu-role">${escapeHtml(u.roleNote)}</span></span></button>`,
      )
      .join(''),
  );
}

function sidebarItemHtml(entry) {
  const active = entry.id === ui.channel ? ' sidebar-item--active' : '';
  const unread = entry.unread > 0 && entry.id !== ui.channel ? ' sidebar-item--unread' : '';
  const icon = entry.kind === 'app' ? '<span class="sidebar-app-icon" aria-hidden="true">🔑</span>' : '<span class="sidebar-hash" aria-hidden="true">#</span>';
  const badge = entry.kind === 'app' && entry.unread > 0 && entry.id !== ui.channel ? `<span class="badge" aria-label="${entry.unread} unread">${entry.unread}</span>` : '';
  return (
    `<li><button type="button" class="sidebar-item${active}${unread}" data-channel-id="${escapeHtml(entry.id)}" aria-current="${entry.id === ui.channel ? 'page' : 'false'}">` +
    `${icon}<span class="sidebar-name">${escapeHtml(entry.name)}</span>${badge}</button></li>`
  );
}

function renderSidebar(screen) {
  setHtml($('channel-list'), screen.sidebar.channels.map(sidebarItemHtml).join(''));
  setHtml($('app-list'), screen.sidebar.apps.map(sidebarItemHtml).join(''));
}

function messageHtml(item, previous, options) {
  const ephemeral = item.kind === 'ephemeral';
  const userId = ephemeral ? ui.screen.bot.id : item.userId;
  const isBot = ephemeral || item.isBot;
  const author = ephemeral ? ui.screen.bot.name : item.author;
  const compact =
    !ephemeral &&
    previous?.kind === 'message' &&
    previous.userId === item.userId &&
    !previous.replyCount &&
    Number(item.ts) - Number(previous.ts) < 300 &&
    !options.inThread;
  const content = item.blocks ? renderBlocks(item.blocks, blockCtx()) : `<div class="msg-text">${renderMrkdwn(item.text, blockCtx())}</div>`;
  const channelId = ephemeral ? item.channelId : options.channelId;
  const classes = ['msg', compact ? 'msg--compact' : '', ephemeral ? 'msg--ephemeral' : '', options.parent ? 'msg--parent' : ''].filter(Boolean).join(' ');
  const meta = compact
    ? ''
    : `<div class="msg-meta"><span class="msg-author">${escapeHtml(author)}</span>${isBot ? '<span class="app-badge">APP</span>' : ''}` +
      `<time class="msg-time" title="${escapeHtml(item.ts)}">${escapeHtml(timeOfTs(item.ts))}</time></div>`;
  const edited = !ephemeral && item.edited ? '<span class="msg-edited">(edited)</span>' : '';
  const broadcast = !ephemeral && item.broadcast ? '<div class="msg-broadcast">replied to a thread</div>' : '';
  const replies =
    !ephemeral && item.replyCount > 0 && !options.inThread
      ? `<button type="button" class="msg-replies" data-open-thread="${escapeHtml(item.ts)}">` +
        `<span class="msg-replies-count">${item.replyCount} ${item.replyCount === 1 ? 'reply' : 'replies'}</span>` +
        `<span class="msg-replies-last">${escapeHtml(item.replyAuthors.join(', '))}${item.latestReply ? ` · last reply ${escapeHtml(timeOfTs(item.latestReply))}` : ''}</span></button>`
      : '';
  const note = ephemeral
    ? `<div class="ephemeral-note"><span aria-hidden="true">👁</span> Only visible to you · <button type="button" class="link-button" data-dismiss="${escapeHtml(item.ts)}">Dismiss</button></div>`
    : '';
  const hover =
    !ephemeral && !options.inThread && !options.parent
      ? `<div class="msg-hover"><button type="button" class="icon-button" data-open-thread="${escapeHtml(item.ts)}" title="Reply in thread" aria-label="Reply in thread">💬</button></div>`
      : '';
  return (
    `<div class="${classes}" data-channel="${escapeHtml(channelId)}" data-ts="${escapeHtml(item.ts)}">` +
    `<div class="msg-gutter">${compact ? `<time class="msg-time msg-time--gutter">${escapeHtml(timeOfTs(item.ts))}</time>` : avatarHtml(userId, isBot)}</div>` +
    `<div class="msg-main">${note}${meta}${broadcast}<div class="msg-body">${content}</div>${edited}${replies}</div>${hover}</div>`
  );
}

function itemsHtml(items, options) {
  return items.map((item, i) => messageHtml(item, items[i - 1], options)).join('');
}

/**
 * Whether each scrolling list follows its newest message: true until the reader scrolls up, true again once they
 * scroll back down. Kept from scroll events, not measured at render time, because the list also changes size when
 * the thread opens or a message above grows.
 */
const followsBottom = new WeakMap();

function followBottom(element) {
  followsBottom.set(element, true);
  element.addEventListener('scroll', () => followsBottom.set(element, element.scrollHeight - element.scrollTop - element.clientHeight < 80));
  new ResizeObserver(() => {
    if (followsBottom.get(element)) element.scrollTop = element.scrollHeight;
  }).observe(element);
}

/** Re-renders a scrolling list, staying at the bottom when the reader was there (or when told to). */
function renderScrolling(element, html, toBottom) {
  if (toBottom) followsBottom.set(element, true);
  if (setHtml(element, html) && followsBottom.get(element)) element.scrollTop = element.scrollHeight;
}

let lastPaneChannel = null;
function renderPane(screen) {
  const channel = screen.channel;
  if (!channel) return;
  const isApp = channel.kind === 'app';
  setHtml($('pane-title'), isApp ? `<span class="pane-app-icon" aria-hidden="true">🔑</span>${escapeHtml(channel.name)}<span class="app-badge">APP</span>` : `# ${escapeHtml(channel.name)}`);
  $('pane-topic').textContent = channel.topic;
  $('pane-tabs').hidden = !isApp;
  if (!isApp) ui.tab = 'messages';
  for (const tab of $('pane-tabs').querySelectorAll('[data-tab]')) tab.setAttribute('aria-selected', String(tab.dataset.tab === ui.tab));
  const showHome = isApp && ui.tab === 'home';
  $('messages').hidden = showHome;
  $('composer').hidden = showHome;
  $('home').hidden = !showHome;
  if (showHome) {
    setHtml($('home'), screen.home ? renderBlocks(screen.home.blocks, blockCtx()) : '<div class="empty">Opening Home…</div>');
  }
  const switched = lastPaneChannel !== channel.id;
  lastPaneChannel = channel.id;
  const empty = `<div class="empty"><div class="empty-title">${isApp ? 'This is your DM with keywarden' : `This is the very beginning of #${escapeHtml(channel.name)}`}</div>` +
    `<div>${isApp ? 'Your keys arrive here. Type <code>/openai-key help</code> to see what keywarden does.' : escapeHtml(channel.topic)}</div></div>`;
  renderScrolling($('messages'), empty + itemsHtml(channel.items, { channelId: channel.id }), switched);
  $('composer-input').placeholder = isApp ? 'Message keywarden' : `Message #${channel.name}`;
}

let lastThread = null;
function renderThread(screen) {
  const open = ui.thread !== null && screen.thread !== null && screen.thread.parent !== null;
  $('thread').hidden = !open;
  document.getElementById('app').classList.toggle('app--thread-open', open);
  if (!open) return;
  const thread = screen.thread;
  const name = screen.directory.channels[thread.channelId] ?? '';
  $('thread-channel').textContent = screen.channel?.kind === 'app' ? name : `#${name}`;
  $('thread-help').hidden = name !== 'keywarden-approvals';
  const count = thread.items.filter((i) => i.kind === 'message').length;
  const divider = `<div class="thread-divider"><span>${count} ${count === 1 ? 'reply' : 'replies'}</span></div>`;
  const switched = lastThread !== `${thread.channelId}/${thread.ts}`;
  lastThread = `${thread.channelId}/${thread.ts}`;
  renderScrolling(
    $('thread-messages'),
    messageHtml(thread.parent, undefined, { channelId: thread.channelId, parent: true, inThread: true }) + divider + itemsHtml(thread.items, { channelId: thread.channelId, inThread: true }),
    switched,
  );
}

// ── modals ──────────────────────────────────────────────────────────────

function modalFieldValues(root) {
  const values = new Map();
  for (const input of root.querySelectorAll('[data-kw-input]')) {
    const key = `${input.dataset.blockId}::${input.dataset.actionId}`;
    if (input.dataset.type === 'checkboxes' || input.dataset.type === 'radio_buttons') {
      values.set(key, [...input.querySelectorAll('input:checked')].map((c) => c.value));
    } else if (input.dataset.type === 'external_select') {
      values.set(key, { value: input.value, label: input.dataset.label ?? '', typed: typeaheadOf(input)?.querySelector('.bk-typeahead-input')?.value ?? '' });
    } else {
      values.set(key, input.value);
    }
  }
  return values;
}

function restoreFieldValues(root, values) {
  for (const input of root.querySelectorAll('[data-kw-input]')) {
    const value = values.get(`${input.dataset.blockId}::${input.dataset.actionId}`);
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const c of input.querySelectorAll('input')) c.checked = value.includes(c.value);
    else if (typeof value === 'object' && value !== null) {
      input.value = value.value;
      input.dataset.label = value.label;
      const box = typeaheadOf(input)?.querySelector('.bk-typeahead-input');
      if (box) box.value = value.typed;
    } else input.value = value;
  }
}

function renderModal(screen) {
  const modal = screen.modal;
  const root = $('modal-root');
  const key = modal ? `${modal.id}:${modal.hash}:${JSON.stringify(modal.errors)}` : null;
  if (key === ui.modalKey) return;
  const previous = root.querySelector('.modal[data-view-id]');
  const keep = previous && modal && previous.dataset.viewId === modal.id ? modalFieldValues(previous) : null;
  ui.modalKey = key;
  const confirm = root.querySelector('.confirm-backdrop');
  if (!modal) {
    root.querySelector('.modal-backdrop')?.remove();
    return;
  }
  const inputBlockIds = new Set(modal.blocks.filter((b) => b?.type === 'input').map((b) => b.block_id));
  const looseErrors = Object.entries(modal.errors).filter(([blockId]) => !inputBlockIds.has(blockId));
  const banner = looseErrors.length > 0 ? `<div class="modal-error" role="alert">${looseErrors.map(([, message]) => escapeHtml(message)).join('<br>')}</div>` : '';
  const close = textOf(modal.close) || (modal.submit ? 'Cancel' : 'Close');
  const html =
    `<div class="modal-backdrop"><div class="modal" role="dialog" aria-modal="true" aria-labelledby="modal-title" data-view-id="${escapeHtml(modal.id)}">` +
    `<div class="modal-header"><span class="modal-app-icon" aria-hidden="true">🔑</span><h2 id="modal-title">${renderText(modal.title, blockCtx())}</h2>` +
    `<button type="button" class="icon-button" data-modal-close aria-label="Close">✕</button></div>` +
    `<form class="modal-body" novalidate>${banner}${renderBlocks(modal.blocks, blockCtx({ surface: 'modal', errors: modal.errors }))}</form>` +
    `<div class="modal-footer"><button type="button" class="btn" data-modal-close>${escapeHtml(close)}</button>` +
    (modal.submit ? `<button type="button" class="btn btn--primary" data-modal-submit>${escapeHtml(textOf(modal.submit))}</button>` : '') +
    `</div></div></div>`;
  root.querySelector('.modal-backdrop')?.remove();
  root.insertAdjacentHTML(confirm ? 'afterbegin' : 'beforeend', html);
  const dialog = root.querySelector('.modal[data-view-id]');
  if (keep) restoreFieldValues(dialog, keep);
  const focus = dialog.querySelector('[data-focus]') ?? dialog.querySelector('[data-has-error] [data-kw-input]') ?? dialog.querySelector('.bk-textbox, .bk-select');
  if (!keep) focus?.focus();
}

/** Slack checks required fields, lengths and number ranges in the client, before anything is sent. */
function validateModal(dialog) {
  const errors = {};
  for (const block of dialog.querySelectorAll('.bk-block.bk-input')) {
    const input = block.querySelector('[data-kw-input]');
    if (!input) continue;
    const type = input.dataset.type;
    const required = block.hasAttribute('data-required');
    const blockId = block.dataset.blockId;
    if (type === 'checkboxes' || type === 'radio_buttons') {
      if (required && !input.querySelector('input:checked')) errors[blockId] = 'Please select an option.';
      continue;
    }
    const value = input.value.trim();
    if (value === '') {
      if (required) errors[blockId] = type === 'static_select' || type === 'external_select' ? 'Please select an option.' : 'Please complete this required field.';
      continue;
    }
    if (type === 'plain_text_input') {
      const min = Number(input.dataset.minLength ?? 0);
      if (value.length < min) errors[blockId] = `Please enter at least ${min} characters (you have ${value.length}).`;
    }
    if (type === 'number_input') {
      const number = Number(value);
      const decimal = input.dataset.decimal === 'true';
      if (!Number.isFinite(number) || (!decimal && !Number.isInteger(number))) errors[blockId] = decimal ? 'Please enter a number.' : 'Please enter a whole number.';
      else if (input.min !== '' && number < Number(input.min)) errors[blockId] = `Please enter a number of at least ${input.min}.`;
      else if (input.max !== '' && number > Number(input.max)) errors[blockId] = `Please enter a number no more than ${input.max}.`;
    }
  }
  for (const block of dialog.querySelectorAll('.bk-block.bk-input')) {
    block.querySelector('.bk-error--client')?.remove();
    const message = errors[block.dataset.blockId];
    if (message) block.insertAdjacentHTML('beforeend', `<div class="bk-error bk-error--client" role="alert">${escapeHtml(message)}</div>`);
  }
  return Object.keys(errors).length === 0;
}

/** The view's state.values, as Slack puts them in a view_submission. */
function modalStateValues(dialog) {
  const values = {};
  for (const block of dialog.querySelectorAll('.bk-block.bk-input')) {
    const input = block.querySelector('[data-kw-input]');
    if (!input) continue;
    const { blockId, actionId, type } = input.dataset;
    const option = (value, label) => ({ text: { type: 'plain_text', text: label, emoji: true }, value });
    let state;
    if (type === 'external_select') {
      state = { type, selected_option: input.value ? option(input.value, input.dataset.label || input.value) : null };
    } else if (type === 'static_select') {
      const selected = input.selectedOptions[0];
      state = { type, selected_option: input.value ? option(input.value, selected?.textContent ?? input.value) : null };
    } else if (type === 'checkboxes') {
      state = { type, selected_options: [...input.querySelectorAll('input:checked')].map((c) => option(c.value, c.dataset.label ?? c.value)) };
    } else if (type === 'radio_buttons') {
      const checked = input.querySelector('input:checked');
      state = { type, selected_option: checked ? option(checked.value, checked.dataset.label ?? checked.value) : null };
    } else {
      state = { type, value: input.value === '' ? null : input.value };
    }
    values[blockId] = { ...(values[blockId] ?? {}), [actionId]: state };
  }
  return values;
}

// ── external selects: Slack's type-ahead ───────────────────────────────

/** The type-ahead around an external select's hidden value input (or any element inside it). */
function typeaheadOf(element) {
  return element.closest('.bk-typeahead');
}

const typeaheadTimers = new WeakMap();
/** Slack waits for a pause in typing before it asks the app; so does the page. */
const TYPEAHEAD_PAUSE_MS = 150;

function showOptionList(box, state) {
  const list = box.querySelector('.bk-typeahead-list');
  list.innerHTML = renderOptionList(state);
  list.hidden = false;
  box.querySelector('.bk-typeahead-input').setAttribute('aria-expanded', 'true');
}

function hideOptionList(box) {
  box.querySelector('.bk-typeahead-list').hidden = true;
  box.querySelector('.bk-typeahead-input').setAttribute('aria-expanded', 'false');
}

/** Asks keywarden for options for what is typed (once `min_query_length` characters are), as Slack would. */
function askForOptions(box) {
  clearTimeout(typeaheadTimers.get(box));
  const typed = box.querySelector('.bk-typeahead-input').value;
  const minQuery = Number(box.dataset.minQuery ?? 3);
  if ([...typed].length < minQuery) {
    showOptionList(box, { error: `Type at least ${minQuery} characters` });
    return;
  }
  showOptionList(box, { loading: true });
  typeaheadTimers.set(
    box,
    setTimeout(async () => {
      const hidden = box.querySelector('[data-kw-input]');
      const dialog = box.closest('.modal[data-view-id]');
      if (!dialog) return;
      const answer = await postJson('/api/options', {
        user: ui.me,
        viewId: dialog.dataset.viewId,
        actionId: hidden.dataset.actionId,
        blockId: hidden.dataset.blockId,
        value: typed,
      });
      // a later keystroke asked again: this answer is out of date
      if (box.querySelector('.bk-typeahead-input').value !== typed) return;
      showOptionList(box, answer.ok === false ? { error: answer.error ?? 'Slack could not load options.' } : { options: answer.options ?? [] });
    }, TYPEAHEAD_PAUSE_MS),
  );
}

function chooseOption(box, item) {
  const hidden = box.querySelector('[data-kw-input]');
  hidden.value = item.dataset.value ?? '';
  hidden.dataset.label = item.dataset.label ?? '';
  box.querySelector('.bk-typeahead-input').value = item.dataset.label ?? '';
  hideOptionList(box);
  box.closest('.bk-block.bk-input')?.querySelector('.bk-error--client')?.remove();
}

/** Arrow keys move through the options, Enter chooses, Escape closes the list (not the modal). */
function typeaheadKey(event, box) {
  const items = [...box.querySelectorAll('.bk-typeahead-option')];
  const list = box.querySelector('.bk-typeahead-list');
  const at = items.findIndex((item) => item.getAttribute('aria-selected') === 'true');
  if (event.key === 'Escape' && !list.hidden) {
    event.stopPropagation();
    hideOptionList(box);
    return;
  }
  if (event.key === 'Enter') {
    event.preventDefault();
    if (at >= 0 && !list.hidden) chooseOption(box, items[at]);
    return;
  }
  if ((event.key !== 'ArrowDown' && event.key !== 'ArrowUp') || items.length === 0) return;
  event.preventDefault();
  if (list.hidden) return void askForOptions(box);
  const next = event.key === 'ArrowDown' ? Math.min(items.length - 1, at + 1) : Math.max(0, at - 1);
  for (const [i, item] of items.entries()) item.setAttribute('aria-selected', String(i === next));
  items[next].scrollIntoView({ block: 'nearest' });
}

function wireTypeahead() {
  document.addEventListener('input', (event) => {
    const target = event.target;
    if (!(target instanceof HTMLInputElement) || !target.classList.contains('bk-typeahead-input')) return;
    const box = typeaheadOf(target);
    // typing again undoes the choice until an option is picked
    const hidden = box.querySelector('[data-kw-input]');
    hidden.value = '';
    hidden.dataset.label = '';
    askForOptions(box);
  });
  // clicking the menu opens it, as in Slack (with min_query_length 0 the first options show before anything is typed)
  document.addEventListener('click', (event) => {
    const target = event.target;
    if (target instanceof HTMLInputElement && target.classList.contains('bk-typeahead-input')) askForOptions(typeaheadOf(target));
  });
  document.addEventListener('focusout', (event) => {
    const target = event.target;
    if (!(target instanceof HTMLInputElement) || !target.classList.contains('bk-typeahead-input')) return;
    const box = typeaheadOf(target);
    // after a click on an option has been taken (mousedown below)
    setTimeout(() => {
      if (!box.contains(document.activeElement)) hideOptionList(box);
    }, 0);
  });
  document.addEventListener('mousedown', (event) => {
    const item = event.target instanceof Element ? event.target.closest('.bk-typeahead-option') : null;
    if (!item) return;
    event.preventDefault(); // keeps the focus in the text box
    chooseOption(typeaheadOf(item), item);
  });
  document.addEventListener(
    'keydown',
    (event) => {
      const target = event.target;
      if (target instanceof HTMLInputElement && target.classList.contains('bk-typeahead-input')) typeaheadKey(event, typeaheadOf(target));
    },
    true,
  );
}

async function submitModal(dialog, button) {
  if (!validateModal(dialog)) return;
  button.disabled = true;
  button.classList.add('btn--busy');
  try {
    report(await postJson('/api/submit', { user: ui.me, viewId: dialog.dataset.viewId, values: modalStateValues(dialog) }));
  } finally {
    button.disabled = false;
    button.classList.remove('btn--busy');
    scheduleRefresh(0);
  }
}

async function closeModal(dialog) {
  report(await postJson('/api/close', { user: ui.me, viewId: dialog.dataset.viewId }));
  scheduleRefresh(0);
}

/** A button's `confirm` object as Slack's confirmation dialog; resolves true when confirmed. */
function askToConfirm(confirm) {
  return new Promise((resolve) => {
    const root = $('modal-root');
    const style = confirm.style === 'danger' ? 'btn--danger' : 'btn--primary';
    root.insertAdjacentHTML(
      'beforeend',
      `<div class="confirm-backdrop"><div class="modal modal--confirm" role="alertdialog" aria-modal="true" aria-labelledby="confirm-title">` +
        `<div class="modal-header"><h2 id="confirm-title">${renderText(confirm.title ?? { type: 'plain_text', text: 'Are you sure?' }, blockCtx())}</h2></div>` +
        `<div class="modal-body">${renderText(confirm.text, blockCtx())}</div>` +
        `<div class="modal-footer"><button type="button" class="btn" data-confirm-answer="no">${escapeHtml(textOf(confirm.deny) || 'Cancel')}</button>` +
        `<button type="button" class="btn ${style}" data-confirm-answer="yes">${escapeHtml(textOf(confirm.confirm) || 'Yes')}</button></div></div></div>`,
    );
    const backdrop = root.querySelector('.confirm-backdrop:last-child');
    ui.confirmOpen = true;
    const finish = (answer) => {
      backdrop.remove();
      ui.confirmOpen = false;
      document.removeEventListener('keydown', onKey, true);
      resolve(answer);
    };
    const onKey = (event) => {
      if (event.key === 'Escape') {
        event.stopPropagation();
        finish(false);
      }
    };
    document.addEventListener('keydown', onKey, true);
    backdrop.addEventListener('click', (event) => {
      const answer = event.target.closest('[data-confirm-answer]')?.dataset.confirmAnswer;
      if (answer) finish(answer === 'yes');
      else if (event.target === backdrop) finish(false);
    });
    backdrop.querySelector('[data-confirm-answer="yes"]').focus();
  });
}

// ── actions ─────────────────────────────────────────────────────────────

/** Where an interactive element sits: a modal (view id) or a message (channel and ts, ephemeral or not). */
function containerOf(element) {
  const dialog = element.closest('.modal[data-view-id]');
  if (dialog) return { viewId: dialog.dataset.viewId };
  const message = element.closest('.msg[data-ts]');
  if (message) return { channel: message.dataset.channel, messageTs: message.dataset.ts };
  return null;
}

async function clickElement(button) {
  if (button.dataset.url) window.open(button.dataset.url, '_blank', 'noopener,noreferrer');
  if (button.dataset.confirm) {
    const confirmed = await askToConfirm(JSON.parse(button.dataset.confirm));
    if (!confirmed) return;
  }
  const container = containerOf(button);
  if (!container) return;
  button.disabled = true;
  button.classList.add('bk-button--busy');
  try {
    report(
      await postJson('/api/click', {
        user: ui.me,
        actionId: button.dataset.actionId,
        blockId: button.dataset.blockId,
        ...(button.dataset.value !== undefined ? { value: button.dataset.value } : {}),
        ...container,
      }),
    );
  } finally {
    button.disabled = false;
    button.classList.remove('bk-button--busy');
    scheduleRefresh(0);
  }
}

async function sendFromComposer(input, threadTs) {
  const text = input.value;
  if (text.trim() === '' || !ui.channel) return;
  input.value = '';
  autoGrow(input);
  hideCommandHints();
  const isCommand = text.trim().startsWith('/');
  const channel = threadTs ? ui.thread.channel : ui.channel;
  const answer = isCommand
    ? await postJson('/api/command', { user: ui.me, channel, text })
    : await postJson('/api/message', { user: ui.me, channel, text, ...(threadTs ? { threadTs } : {}) });
  report(answer);
  if (answer.ok === false && !isCommand) input.value = text;
  scheduleRefresh(0);
}

const COMMAND_HINTS = [
  ['/openai-key request', 'Ask for a key: opens a form'],
  ['/openai-key request Support Bot ', '…or name the project and purpose'],
  ['/openai-key list', 'Your keys and requests'],
  ['/openai-key revoke ', 'Revoke a key or request by id'],
  ['/openai-key limits', 'Spend limits of the projects'],
  ['/openai-key help', 'Everything keywarden does'],
];

function showCommandHints(text) {
  const list = $('command-hints');
  const matches = COMMAND_HINTS.filter(([command]) => command.startsWith(text.trimStart()) || text.trimStart() === '/');
  if (!text.startsWith('/') || text.includes('\n') || matches.length === 0) {
    hideCommandHints();
    return;
  }
  setHtml(
    list,
    matches
      .map(([command, help]) => `<li><button type="button" class="command-hint" data-command="${escapeHtml(command)}"><code>${escapeHtml(command.trim())}</code><span>${escapeHtml(help)}</span></button></li>`)
      .join(''),
  );
  list.hidden = false;
}

function hideCommandHints() {
  $('command-hints').hidden = true;
}

function autoGrow(textarea) {
  textarea.style.height = 'auto';
  textarea.style.height = `${Math.min(textarea.scrollHeight, 200)}px`;
}

// ── time & spend ────────────────────────────────────────────────────────

const usd = (n) => `$${Number(n).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

async function loadProjects() {
  const answer = await getJson('/api/projects');
  ui.projects = answer.projects;
  if (typeof answer.now === 'number') ui.clockOffsetMs = answer.now - Date.now();
  $('sandbox-clock').textContent = `Sandbox clock: ${sandboxTimeText(true)}; months are counted in UTC.`;
  // The suggested limits assume the default burst; the field starts there once.
  if (!ui.burstDefaulted) {
    $('burst-usd').value = String(answer.burstDefaultUsd);
    ui.burstDefaulted = true;
  }
  const select = $('spend-project');
  const chosen = select.value;
  setHtml(select, ui.projects.map((p) => `<option value="${escapeHtml(p.id)}">${escapeHtml(p.name)}</option>`).join(''));
  if (chosen && ui.projects.some((p) => p.id === chosen)) select.value = chosen;
  showProjectFacts();
}

function showProjectFacts() {
  const project = ui.projects.find((p) => p.id === $('spend-project').value);
  if (!project) return;
  const budget = project.spendLimitUsd === null ? 'none' : `${usd(project.spendLimitUsd)}${project.spendLimitEnforcing ? ' (reached: OpenAI is refusing requests)' : ''}`;
  setHtml(
    $('spend-facts'),
    `This month <strong>${usd(project.monthToDateUsd)}</strong> · a typical day <strong>${usd(project.dailyUsd)}</strong> · OpenAI budget <strong>${budget}</strong>`,
  );
  $('spend-day').textContent = `Add a day’s spend (${usd(project.dailyUsd)})`;
  const { command, text } = project.tryLimits;
  $('spend-try-text').textContent = text;
  $('spend-try-command').textContent = command ?? '';
  $('spend-try-row').hidden = !command;
  $('spend-try').hidden = false;
}

/** Why the burst field's value cannot be added, in the panel's words; null when it can (the sandbox checks it too). */
function burstProblem(text) {
  const amount = Number(text);
  if (text.trim() === '' || !Number.isFinite(amount)) return 'Enter the burst in dollars, e.g. 250 or 12.50.';
  if (amount < 0.01) return `Enter at least $0.01: OpenAI counts spend in cents, so ${amount > 0 ? `$${text.trim()}` : 'that'} would add nothing.`;
  if (amount > 1_000_000) return 'Enter at most $1,000,000.';
  if (!/^\d*(\.\d{0,2})?$/.test(text.trim())) return 'Enter whole cents (at most 2 decimals), e.g. 12.50.';
  return null;
}

/** Acts as the admin in the alert channel, with the suggested limit command typed but not sent. */
function useTryCommand() {
  const admin = ui.screen.users.find((u) => u.role === 'admin');
  const alerts = ui.screen.sidebar.channels.find((c) => c.name === 'openai-spend');
  if (!admin || !alerts) return;
  switchUser(admin.id);
  openChannel(alerts.id);
  const input = $('composer-input');
  input.value = $('spend-try-command').textContent;
  autoGrow(input);
  input.focus();
}

function logTime(text, kind = 'info') {
  const entry = document.createElement('li');
  entry.className = `time-log-entry time-log-entry--${kind}`;
  entry.textContent = `${sandboxTimeText(false)} ${text}`;
  $('time-log').prepend(entry);
}

async function addSpend(kind) {
  const projectId = $('spend-project').value;
  const burstText = $('burst-usd').value;
  if (kind === 'burst') {
    const problem = burstProblem(burstText);
    if (problem) return logTime(`No spend added. ${problem}`, 'error');
  }
  const answer = await postJson('/api/spend', { projectId, kind, ...(kind === 'burst' ? { usd: Number(burstText) } : {}) });
  logTime(answer.ok ? answer.note : answer.error ?? 'No spend added: the sandbox gave no reason.', answer.ok ? 'info' : 'error');
  await loadProjects().catch((error) => logTime(error.message, 'error'));
}

async function pollNow() {
  const button = $('poll-now');
  button.disabled = true;
  try {
    const answer = await postJson('/api/poll', {});
    logTime(answer.note ?? answer.error ?? 'The poll failed, and the sandbox gave no reason.', answer.ok ? (answer.report?.alertsClaimed > 0 ? 'note' : 'info') : 'error');
  } finally {
    button.disabled = false;
  }
}

// ── toasts ──────────────────────────────────────────────────────────────

function toast(message, kind = 'info') {
  const element = document.createElement('div');
  element.className = `toast toast--${kind}`;
  element.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  element.textContent = message;
  $('toasts').append(element);
  setTimeout(() => element.remove(), 7000);
}

// ── wiring ──────────────────────────────────────────────────────────────

function openChannel(channelId) {
  if (channelId === ui.channel) return;
  ui.channel = channelId;
  ui.thread = null;
  ui.tab = 'messages';
  saveLocation();
  void refresh();
}

/** Each user comes back to the channel they last had open, as in their own Slack window. */
const lastChannelOf = new Map();

function switchUser(userId) {
  if (userId === ui.me) return;
  lastChannelOf.set(ui.me, ui.channel);
  ui.me = userId;
  ui.channel = lastChannelOf.get(userId) ?? null;
  ui.thread = null;
  ui.tab = 'messages';
  ui.modalKey = null;
  $('modal-root').replaceChildren();
  saveLocation();
  void refresh();
}

function wire() {
  followBottom($('messages'));
  followBottom($('thread-messages'));
  document.addEventListener('click', (event) => {
    const target = event.target;
    if (!(target instanceof Element)) return;
    const channelButton = target.closest('.sidebar-item[data-channel-id]');
    if (channelButton) return openChannel(channelButton.dataset.channelId);
    const userItem = target.closest('.user-menu-item[data-user-id]');
    if (userItem) {
      $('user-menu').hidden = true;
      $('user-button').setAttribute('aria-expanded', 'false');
      return switchUser(userItem.dataset.userId);
    }
    if (target.closest('#user-button')) {
      const menu = $('user-menu');
      menu.hidden = !menu.hidden;
      $('user-button').setAttribute('aria-expanded', String(!menu.hidden));
      return;
    }
    if (!target.closest('#user-menu')) $('user-menu').hidden = true;
    const click = target.closest('button[data-kw-click]');
    if (click) return void clickElement(click);
    const openThread = target.closest('[data-open-thread]');
    if (openThread) {
      ui.thread = { channel: openThread.closest('.msg').dataset.channel, ts: openThread.dataset.openThread };
      void refresh().then(() => $('thread-input').focus());
      return;
    }
    const dismiss = target.closest('[data-dismiss]');
    if (dismiss) return void postJson('/api/dismiss', { user: ui.me, ts: dismiss.dataset.dismiss }).then(report).then(() => scheduleRefresh(0));
    const dialog = target.closest('.modal[data-view-id]');
    if (dialog && target.closest('[data-modal-close]')) return void closeModal(dialog);
    const submit = target.closest('[data-modal-submit]');
    if (dialog && submit) return void submitModal(dialog, submit);
    const tab = target.closest('#pane-tabs [data-tab]');
    if (tab) {
      ui.tab = tab.dataset.tab;
      if (ui.tab === 'home') void postJson('/api/home', { user: ui.me }).then(report);
      return void refresh();
    }
    const hint = target.closest('.command-hint');
    if (hint) {
      const input = $('composer-input');
      input.value = hint.dataset.command;
      hideCommandHints();
      input.focus();
      return;
    }
    if (target.closest('#thread-close')) {
      ui.thread = null;
      return void refresh();
    }
    if (target.closest('#time-toggle')) {
      ui.timeOpen = !ui.timeOpen;
      $('time-panel').hidden = !ui.timeOpen;
      $('time-toggle').setAttribute('aria-expanded', String(ui.timeOpen));
      if (ui.timeOpen) void loadProjects().catch((error) => logTime(error.message, 'error'));
      return;
    }
    if (target.closest('#spend-day')) return void addSpend('day');
    if (target.closest('#spend-burst')) return void addSpend('burst');
    if (target.closest('#poll-now')) return void pollNow();
    if (target.closest('#spend-try-use')) return useTryCommand();
  });

  document.addEventListener('change', (event) => {
    const target = event.target;
    if (target instanceof HTMLSelectElement && target.id === 'spend-project') return showProjectFacts();
    // A select outside an input block is a block action the moment it changes.
    if (target instanceof HTMLSelectElement && target.hasAttribute('data-kw-dispatch')) {
      const container = containerOf(target);
      if (!container) return;
      void postJson('/api/click', { user: ui.me, actionId: target.dataset.actionId, blockId: target.dataset.blockId, value: target.value, ...container })
        .then(report)
        .then(() => scheduleRefresh(0));
    }
  });

  // A client-side complaint about a field goes away as soon as the field changes, as in Slack.
  for (const kind of ['input', 'change']) {
    document.addEventListener(kind, (event) => {
      const target = event.target;
      if (target instanceof Element) target.closest('.bk-block.bk-input')?.querySelector('.bk-error--client')?.remove();
    });
  }

  for (const [formId, inputId, inThread] of [
    ['composer', 'composer-input', false],
    ['thread-composer', 'thread-input', true],
  ]) {
    const form = $(formId);
    const input = $(inputId);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void sendFromComposer(input, inThread ? ui.thread?.ts : undefined);
    });
    input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        form.requestSubmit();
      }
      if (event.key === 'Escape') hideCommandHints();
    });
    input.addEventListener('input', () => {
      autoGrow(input);
      if (!inThread) showCommandHints(input.value);
    });
  }

  document.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape' || ui.confirmOpen) return;
    const dialog = document.querySelector('.modal[data-view-id]');
    if (dialog) void closeModal(dialog);
    else if (!$('user-menu').hidden) $('user-menu').hidden = true;
  });

  wireTypeahead();

  const events = new EventSource('/api/events');
  events.onmessage = () => scheduleRefresh();
  events.onopen = () => scheduleRefresh(0);
}

async function start() {
  const saved = new URLSearchParams(location.hash.slice(1));
  ui.channel = saved.get('channel') || null;
  // Without a (known) user in the address, the sandbox answers for its requester.
  const savedUser = saved.get('user');
  const first = await getJson(`/api/state${savedUser ? `?user=${encodeURIComponent(savedUser)}` : ''}`).catch(() => getJson('/api/state'));
  ui.me = first.me;
  ui.screen = first;
  wire();
  saveLocation();
  await refresh();
}

void start();
