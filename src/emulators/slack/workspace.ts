/**
 * The emulated workspace: users, channels, messages, ephemerals, views, triggers and response URLs,
 * with Slack's rules. No HTTP here: the server and the driver both act through this state.
 */
import { MAX_MESSAGE_TEXT, withGeneratedIds } from './blocks.js';
import { blockListProblems, viewProblems } from './blockKitValidator.js';
import { SlackFunctions } from './functions.js';
import { createTsClock, permalinkPart, randomToken, slackId, triggerId as newTriggerId, viewHash } from './ids.js';
import type {
  EphemeralVia,
  SlackChange,
  SlackChannelSeed,
  SlackEphemeral,
  SlackMessage,
  SlackUserSeed,
  SlackUsergroupSeed,
  SlackView,
  ViewStateValues,
} from './types.js';

export type ApiAnswer = { ok: true; [field: string]: unknown } | { ok: false; error: string; [field: string]: unknown };

const TRIGGER_LIFETIME_MS = 3_000;
const RESPONSE_URL_LIFETIME_MS = 30 * 60_000;
const RESPONSE_URL_USES = 5;
const MAX_VIEW_STACK = 3;

type ChannelKind = 'public' | 'private' | 'im' | 'mpim';

interface ChannelRecord {
  id: string;
  name: string;
  kind: ChannelKind;
  botIsMember: boolean;
  /** 'everyone': every known user is a member. */
  members: Set<string> | 'everyone';
  imUser?: string;
  created: number;
  /** Top-level messages and replies, in ts order. */
  messages: SlackMessage[];
}

interface UserRecord {
  id: string;
  name: string;
  realName: string;
  isBot: boolean;
}

interface TriggerRecord {
  userId: string;
  issuedAt: number;
  used: boolean;
}

export type ResponseSource = { kind: 'message'; channel: string; ts: string } | { kind: 'ephemeral'; userId: string; ts: string };

interface ResponseUrlRecord {
  userId: string;
  channel: string;
  source?: ResponseSource;
  issuedAt: number;
  uses: number;
}

export interface MessageContent {
  text?: unknown;
  blocks?: unknown;
  attachments?: unknown;
  metadata?: unknown;
}

interface CheckedContent {
  text?: string;
  blocks?: unknown[];
  attachments?: unknown[];
}

interface ViewDefinition {
  type: 'modal' | 'home';
  title?: unknown;
  submit?: unknown;
  close?: unknown;
  blocks: unknown[];
  callback_id: string;
  private_metadata: string;
  external_id: string;
  notify_on_close: boolean;
  clear_on_close: boolean;
}

export interface WorkspaceSeed {
  teamId: string;
  botUserId: string;
  botId: string;
  appId: string;
  now: () => number;
  users: SlackUserSeed[];
  usergroups: SlackUsergroupSeed[];
  channels: SlackChannelSeed[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isTruthyFlag(value: unknown): boolean {
  return value === true || value === 'true' || value === 1 || value === '1';
}

function failure(error: string, extra: Record<string, unknown> = {}): ApiAnswer {
  return { ok: false, error, ...extra };
}

function invalidArguments(messages: string[]): ApiAnswer {
  return failure('invalid_arguments', { response_metadata: { messages: messages.map((m) => `[ERROR] ${m}`) } });
}

const TS_PATTERN = /^\d+\.\d+$/;

/** A message as Slack hands it to apps (no channel field). */
export function messagePayload(message: SlackMessage): Record<string, unknown> {
  const { channel: _channel, ...rest } = message;
  return rest;
}

/** A view as Slack hands it to apps, without the emulator's bookkeeping. */
export function viewPayload(view: SlackView): Record<string, unknown> {
  const { userId: _u, triggerId: _t, openedAt: _o, updatedAt: _up, closedAt: _c, errors: _e, ...rest } = view;
  return structuredClone(rest);
}

export class SlackWorkspace {
  readonly teamId: string;
  readonly botUserId: string;
  readonly botId: string;
  readonly appId: string;
  readonly now: () => number;
  readonly nextTs: () => string;
  /** 'http://127.0.0.1:PORT', set once the server listens. */
  baseUrl = '';
  /** Workflow Builder custom steps: definitions and executions (functions.ts). */
  readonly functions: SlackFunctions;

  private readonly users = new Map<string, UserRecord>();
  private readonly usergroups = new Map<string, SlackUsergroupSeed>();
  private readonly channels = new Map<string, ChannelRecord>();
  private readonly imByUser = new Map<string, string>();
  private readonly ephemeralsByUser = new Map<string, SlackEphemeral[]>();
  private readonly viewsById = new Map<string, SlackView>();
  private readonly modalStacks = new Map<string, string[]>();
  private readonly homeByUser = new Map<string, string>();
  private readonly triggers = new Map<string, TriggerRecord>();
  private readonly responseUrls = new Map<string, ResponseUrlRecord>();
  private readonly listeners = new Set<(change: SlackChange) => void>();

  constructor(seed: WorkspaceSeed) {
    this.teamId = seed.teamId;
    this.botUserId = seed.botUserId;
    this.botId = seed.botId;
    this.appId = seed.appId;
    this.now = seed.now;
    this.nextTs = createTsClock(seed.now);
    this.functions = new SlackFunctions(seed.appId, seed.now);
    this.users.set(seed.botUserId, { id: seed.botUserId, name: 'keywarden', realName: 'keywarden', isBot: true });
    for (const user of seed.users) this.addUser(user, false);
    for (const group of seed.usergroups) this.addUsergroup(group, false);
    for (const channel of seed.channels) this.addChannel(channel, false);
  }

  // ── change notifications ──────────────────────────────────────────────

  onChange(listener: (change: SlackChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(change: SlackChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (error) {
        // A broken observer must not break the emulated platform; say so without failing the request.
        process.emitWarning(`Slack emulator change listener threw: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  // ── directory ─────────────────────────────────────────────────────────

  addUser(user: SlackUserSeed, notify = true): void {
    this.users.set(user.id, { id: user.id, name: user.name, realName: user.realName ?? user.name, isBot: user.isBot ?? false });
    if (notify) this.emit({ kind: 'user.added', userId: user.id });
  }

  addUsergroup(group: SlackUsergroupSeed, notify = true): void {
    this.usergroups.set(group.id, { id: group.id, handle: group.handle, users: [...group.users] });
    if (notify) this.emit({ kind: 'usergroup.added' });
  }

  addChannel(seed: SlackChannelSeed, notify = true): void {
    if (this.channels.has(seed.id)) throw new Error(`channel ${seed.id} already exists`);
    this.channels.set(seed.id, {
      id: seed.id,
      name: seed.name,
      kind: seed.isPrivate || seed.id.startsWith('G') ? 'private' : 'public',
      botIsMember: seed.botIsMember ?? true,
      members: seed.members ? new Set(seed.members) : 'everyone',
      created: Math.floor(this.now() / 1000),
      messages: [],
    });
    if (notify) this.emit({ kind: 'channel.added', channel: seed.id });
  }

  setBotMembership(channelId: string, isMember: boolean): void {
    const channel = this.channels.get(channelId);
    if (!channel) throw new Error(`unknown channel ${channelId}`);
    channel.botIsMember = isMember;
    this.emit({ kind: 'channel.membership', channel: channelId });
  }

  hasUser(userId: string): boolean {
    return this.users.has(userId);
  }

  userName(userId: string): string | undefined {
    return this.users.get(userId)?.name;
  }

  channelName(channelId: string): string | undefined {
    const channel = this.channels.get(channelId);
    if (!channel) return undefined;
    return channel.kind === 'im' ? 'directmessage' : channel.name;
  }

  /** 'channel' | 'group' | 'im' | 'mpim', as in message events. */
  channelType(channelId: string): string | undefined {
    const kind = this.channels.get(channelId)?.kind;
    if (!kind) return undefined;
    return { public: 'channel', private: 'group', im: 'im', mpim: 'mpim' }[kind];
  }

  /** The DM channel between the app and this user, created on first use. */
  imChannelOf(userId: string): string {
    const existing = this.imByUser.get(userId);
    if (existing) return existing;
    let id = `D${userId.replace(/^[UW]/, '')}`;
    while (this.channels.has(id)) id = slackId('D');
    this.channels.set(id, {
      id,
      name: userId,
      kind: 'im',
      botIsMember: true,
      members: new Set([userId]),
      imUser: userId,
      created: Math.floor(this.now() / 1000),
      messages: [],
    });
    this.imByUser.set(userId, id);
    return id;
  }

  /** A channel id, a user id (that user's DM with the app), or a channel name with or without '#'. */
  resolveChannel(reference: string): string | undefined {
    if (this.channels.has(reference)) return reference;
    if (this.users.has(reference) && reference !== this.botUserId) return this.imChannelOf(reference);
    const name = reference.replace(/^#/, '');
    for (const channel of this.channels.values()) {
      if (channel.kind !== 'im' && channel.kind !== 'mpim' && channel.name === name) return channel.id;
    }
    return undefined;
  }

  private isMember(channel: ChannelRecord, userId: string): boolean {
    if (userId === this.botUserId) return channel.botIsMember;
    return channel.members === 'everyone' ? this.users.has(userId) : channel.members.has(userId);
  }

  channelInfo(channelId: string): ApiAnswer {
    const channel = this.channels.get(channelId);
    if (!channel) return failure('channel_not_found');
    return { ok: true, channel: this.channelObject(channel) };
  }

  private channelObject(channel: ChannelRecord): Record<string, unknown> {
    const common = {
      id: channel.id,
      created: channel.created,
      is_archived: false,
      is_im: channel.kind === 'im',
      is_mpim: channel.kind === 'mpim',
      is_private: channel.kind !== 'public',
      context_team_id: this.teamId,
    };
    if (channel.kind === 'im') return { ...common, user: channel.imUser, is_open: true, is_user_deleted: false };
    return {
      ...common,
      name: channel.name,
      name_normalized: channel.name,
      is_channel: channel.kind !== 'mpim',
      is_group: false,
      is_general: false,
      is_shared: false,
      is_ext_shared: false,
      is_org_shared: false,
      is_member: channel.botIsMember,
      num_members: this.memberIds(channel).length,
    };
  }

  private memberIds(channel: ChannelRecord): string[] {
    const humans =
      channel.members === 'everyone'
        ? [...this.users.values()].filter((u) => u.id !== this.botUserId).map((u) => u.id)
        : [...channel.members];
    return channel.botIsMember ? [...humans, this.botUserId] : humans;
  }

  channelMembers(channelId: string): ApiAnswer {
    const channel = this.channels.get(channelId);
    if (!channel) return failure('channel_not_found');
    return { ok: true, members: this.memberIds(channel) };
  }

  joinChannel(channelId: string): ApiAnswer {
    const channel = this.channels.get(channelId);
    if (!channel) return failure('channel_not_found');
    if (channel.kind !== 'public') return failure('method_not_supported_for_channel_type');
    const already = channel.botIsMember;
    if (!already) this.setBotMembership(channelId, true);
    return {
      ok: true,
      channel: this.channelObject(channel),
      ...(already ? { warning: 'already_in_channel', response_metadata: { warnings: ['already_in_channel'] } } : {}),
    };
  }

  openConversation(userIds: string[]): ApiAnswer {
    if (userIds.length === 0) return failure('users_list_not_supplied');
    for (const id of userIds) if (!this.users.has(id)) return failure('user_not_found');
    const humans = userIds.filter((id) => id !== this.botUserId);
    if (humans.length === 1 && humans[0] !== undefined) return { ok: true, channel: { id: this.imChannelOf(humans[0]) } };
    if (humans.length > 8) return failure('too_many_users');
    const members = new Set(humans);
    for (const channel of this.channels.values()) {
      if (channel.kind === 'mpim' && channel.members !== 'everyone' && sameSet(channel.members, members)) {
        return { ok: true, channel: { id: channel.id } };
      }
    }
    const id = slackId('G');
    this.channels.set(id, {
      id,
      name: `mpdm-${humans.map((h) => this.users.get(h)?.name ?? h).join('--')}-1`,
      kind: 'mpim',
      botIsMember: true,
      members,
      created: Math.floor(this.now() / 1000),
      messages: [],
    });
    this.emit({ kind: 'channel.added', channel: id });
    return { ok: true, channel: { id } };
  }

  userInfo(userId: string): ApiAnswer {
    const user = this.users.get(userId);
    if (!user) return failure('user_not_found');
    return { ok: true, user: this.userObject(user) };
  }

  userList(): ApiAnswer {
    return { ok: true, members: [...this.users.values()].map((u) => this.userObject(u)), response_metadata: { next_cursor: '' } };
  }

  private userObject(user: UserRecord): Record<string, unknown> {
    return {
      id: user.id,
      team_id: this.teamId,
      name: user.name,
      deleted: false,
      real_name: user.realName,
      tz: 'Etc/UTC',
      tz_label: 'Coordinated Universal Time',
      tz_offset: 0,
      is_bot: user.isBot,
      is_app_user: false,
      is_admin: false,
      is_owner: false,
      is_restricted: false,
      is_ultra_restricted: false,
      profile: {
        real_name: user.realName,
        real_name_normalized: user.realName,
        display_name: user.name,
        display_name_normalized: user.name,
        team: this.teamId,
        ...(user.id === this.botUserId ? { bot_id: this.botId, api_app_id: this.appId } : {}),
      },
    };
  }

  usergroupUsers(usergroupId: string): ApiAnswer {
    const group = this.usergroups.get(usergroupId);
    if (!group) return failure('no_such_subteam');
    return { ok: true, users: [...group.users] };
  }

  usergroupList(includeUsers: boolean): ApiAnswer {
    const usergroups = [...this.usergroups.values()].map((g) => ({
      id: g.id,
      team_id: this.teamId,
      is_usergroup: true,
      name: g.handle,
      handle: g.handle,
      user_count: g.users.length,
      ...(includeUsers ? { users: [...g.users] } : {}),
    }));
    return { ok: true, usergroups };
  }

  // ── messages ──────────────────────────────────────────────────────────

  private findStored(channel: ChannelRecord, ts: string): SlackMessage | undefined {
    return channel.messages.find((m) => m.ts === ts);
  }

  private snapshot(channel: ChannelRecord, message: SlackMessage): SlackMessage {
    const copy = structuredClone(message);
    if (message.thread_ts === undefined) {
      const replies = channel.messages.filter((m) => m.thread_ts === message.ts);
      const last = replies.at(-1);
      if (last) {
        copy.thread_ts = message.ts;
        copy.reply_count = replies.length;
        copy.reply_users = [...new Set(replies.map((r) => r.user))];
        copy.latest_reply = last.ts;
      }
    }
    return copy;
  }

  topLevelMessages(channelId: string): SlackMessage[] {
    const channel = this.channels.get(channelId);
    if (!channel) return [];
    return channel.messages
      .filter((m) => (m.thread_ts === undefined && m.subtype !== 'tombstone') || m.subtype === 'thread_broadcast')
      .map((m) => this.snapshot(channel, m));
  }

  threadReplies(channelId: string, ts: string): SlackMessage[] {
    const channel = this.channels.get(channelId);
    if (!channel) return [];
    return channel.messages.filter((m) => m.thread_ts === ts).map((m) => this.snapshot(channel, m));
  }

  message(channelId: string, ts: string): SlackMessage | undefined {
    const channel = this.channels.get(channelId);
    const found = channel && this.findStored(channel, ts);
    return channel && found && found.subtype !== 'tombstone' ? this.snapshot(channel, found) : undefined;
  }

  private checkContent(content: MessageContent, requireContent: boolean): CheckedContent | ApiAnswer {
    const checked: CheckedContent = {};
    if (content.blocks !== undefined && content.blocks !== null && content.blocks !== '') {
      if (!Array.isArray(content.blocks)) return failure('invalid_blocks_format');
      const problems = blockListProblems(content.blocks, 'message');
      if (problems.length > 0) {
        return failure('invalid_blocks', { errors: problems, response_metadata: { messages: problems.map((p) => `[ERROR] ${p}`) } });
      }
      checked.blocks = withGeneratedIds(content.blocks);
    }
    if (content.attachments !== undefined && content.attachments !== null && content.attachments !== '') {
      if (!Array.isArray(content.attachments)) return failure('invalid_attachments');
      checked.attachments = structuredClone(content.attachments);
    }
    if (content.text !== undefined && content.text !== null) {
      if (typeof content.text !== 'string' && typeof content.text !== 'number') return failure('invalid_arguments');
      checked.text = String(content.text);
      if (checked.text.length > MAX_MESSAGE_TEXT) return failure('msg_too_long');
    }
    const hasContent = Boolean(checked.text) || Boolean(checked.blocks?.length) || Boolean(checked.attachments?.length);
    if (requireContent && !hasContent) return failure('no_text');
    return checked;
  }

  /** The root ts a reply belongs to (a reply's ts resolves to its parent), or an error. */
  private threadRoot(channel: ChannelRecord, threadTs: string): string | ApiAnswer {
    if (!TS_PATTERN.test(threadTs)) return failure('invalid_thread_ts');
    const parent = this.findStored(channel, threadTs);
    if (!parent) return failure('thread_not_found');
    return parent.thread_ts ?? parent.ts;
  }

  postBotMessage(
    channelReference: string,
    content: MessageContent & { threadTs?: string; replyBroadcast?: boolean },
  ): ApiAnswer {
    const channelId = this.resolveChannel(channelReference);
    const channel = channelId ? this.channels.get(channelId) : undefined;
    if (!channel) return failure('channel_not_found');
    if (!channel.botIsMember) return failure('not_in_channel');
    const checked = this.checkContent(content, true);
    if ('ok' in checked) return checked;
    let threadTs: string | undefined;
    if (content.threadTs) {
      const root = this.threadRoot(channel, content.threadTs);
      if (typeof root !== 'string') return root;
      threadTs = root;
    }
    const message: SlackMessage = {
      type: 'message',
      ...(threadTs && content.replyBroadcast ? { subtype: 'thread_broadcast' as const } : {}),
      channel: channel.id,
      ts: this.nextTs(),
      user: this.botUserId,
      bot_id: this.botId,
      app_id: this.appId,
      team: this.teamId,
      text: checked.text ?? '',
      ...(checked.blocks ? { blocks: checked.blocks } : {}),
      ...(checked.attachments ? { attachments: checked.attachments } : {}),
      ...(content.metadata !== undefined ? { metadata: structuredClone(content.metadata) } : {}),
      ...(threadTs ? { thread_ts: threadTs } : {}),
    };
    channel.messages.push(message);
    this.emit({ kind: 'message.posted', channel: channel.id, ts: message.ts, userId: this.botUserId });
    return { ok: true, channel: channel.id, ts: message.ts, message: messagePayload(this.snapshot(channel, message)) };
  }

  /** A message a person types (the driver's doing), stored like Slack stores it. */
  postUserMessage(userId: string, channelReference: string, text: string, threadTs?: string): ApiAnswer {
    if (!this.users.has(userId)) return failure('user_not_found');
    const channelId = this.resolveChannel(channelReference);
    const channel = channelId ? this.channels.get(channelId) : undefined;
    if (!channel) return failure('channel_not_found');
    let root: string | undefined;
    if (threadTs) {
      const found = this.threadRoot(channel, threadTs);
      if (typeof found !== 'string') return found;
      root = found;
    }
    const message: SlackMessage = {
      type: 'message',
      channel: channel.id,
      ts: this.nextTs(),
      user: userId,
      team: this.teamId,
      text,
      ...(root ? { thread_ts: root } : {}),
    };
    channel.messages.push(message);
    this.emit({ kind: 'message.posted', channel: channel.id, ts: message.ts, userId });
    return { ok: true, channel: channel.id, ts: message.ts, message: messagePayload(this.snapshot(channel, message)) };
  }

  updateMessage(channelId: string, ts: string, content: MessageContent): ApiAnswer {
    const channel = this.channels.get(channelId);
    if (!channel) return failure('channel_not_found');
    const message = this.findStored(channel, ts);
    if (!message || message.subtype === 'tombstone') return failure('message_not_found');
    if (message.user !== this.botUserId) return failure('cant_update_message');
    const checked = this.checkContent(content, true);
    if ('ok' in checked) return checked;
    if (checked.text !== undefined) message.text = checked.text;
    // Slack keeps the previous blocks when none are sent, and removes them for an empty array.
    if (checked.blocks !== undefined) {
      if (checked.blocks.length > 0) message.blocks = checked.blocks;
      else delete message.blocks;
    }
    if (checked.attachments !== undefined) message.attachments = checked.attachments;
    if (content.metadata !== undefined) message.metadata = structuredClone(content.metadata);
    message.edited = { user: this.botUserId, ts: this.nextTs() };
    this.emit({ kind: 'message.updated', channel: channel.id, ts });
    const snapshot = this.snapshot(channel, message);
    return { ok: true, channel: channel.id, ts, text: snapshot.text, message: messagePayload(snapshot) };
  }

  deleteMessage(channelId: string, ts: string, asBot: boolean): ApiAnswer {
    const channel = this.channels.get(channelId);
    if (!channel) return failure('channel_not_found');
    const index = channel.messages.findIndex((m) => m.ts === ts);
    const message = channel.messages[index];
    if (!message || message.subtype === 'tombstone') return failure('message_not_found');
    if (asBot && message.user !== this.botUserId) return failure('cant_delete_message');
    // As Slack does: a parent with replies stays as a tombstone, so its thread lives on (and takes new replies);
    // chat.update on it answers message_not_found.
    if (message.thread_ts === undefined && channel.messages.some((m) => m.thread_ts === ts)) {
      channel.messages[index] = { type: 'message', subtype: 'tombstone', channel: channel.id, ts, user: 'USLACKBOT', team: this.teamId, text: 'This message was deleted.', hidden: true };
    } else channel.messages.splice(index, 1);
    this.emit({ kind: 'message.deleted', channel: channel.id, ts });
    return { ok: true, channel: channel.id, ts };
  }

  permalink(channelId: string, ts: string): ApiAnswer {
    const channel = this.channels.get(channelId);
    if (!channel) return failure('channel_not_found');
    const message = this.findStored(channel, ts);
    if (!message || message.subtype === 'tombstone') return failure('message_not_found');
    const thread = message.thread_ts ? `?thread_ts=${message.thread_ts}&cid=${channel.id}` : '';
    return { ok: true, channel: channel.id, permalink: `${this.baseUrl}/archives/${channel.id}/${permalinkPart(ts)}${thread}` };
  }

  history(channelId: string, limit: number, cursor: string | undefined): ApiAnswer {
    const channel = this.channels.get(channelId);
    if (!channel) return failure('channel_not_found');
    if (!channel.botIsMember) return failure('not_in_channel');
    const newestFirst = this.topLevelMessages(channelId).reverse().map(messagePayload);
    return paginate('messages', newestFirst, limit, cursor);
  }

  replies(channelId: string, ts: string, limit: number, cursor: string | undefined): ApiAnswer {
    const channel = this.channels.get(channelId);
    if (!channel) return failure('channel_not_found');
    if (!channel.botIsMember) return failure('not_in_channel');
    const found = this.findStored(channel, ts);
    if (!found) return failure('thread_not_found');
    const rootTs = found.thread_ts ?? found.ts;
    const parent = this.findStored(channel, rootTs);
    const thread = [...(parent ? [this.snapshot(channel, parent)] : []), ...this.threadReplies(channelId, rootTs)];
    return paginate('messages', thread.map(messagePayload), limit, cursor);
  }

  // ── ephemerals ────────────────────────────────────────────────────────

  postEphemeral(
    channelReference: string,
    userId: string,
    content: MessageContent & { threadTs?: string },
    via: EphemeralVia,
  ): ApiAnswer {
    const channelId = this.resolveChannel(channelReference);
    const channel = channelId ? this.channels.get(channelId) : undefined;
    if (!channel) return failure('channel_not_found');
    if (!this.users.has(userId)) return failure('user_not_found');
    if (via === 'chat.postEphemeral') {
      if (!channel.botIsMember) return failure('not_in_channel');
      if (!this.isMember(channel, userId)) return failure('user_not_in_channel');
    }
    const checked = this.checkContent(content, true);
    if ('ok' in checked) return checked;
    const ephemeral: SlackEphemeral = {
      channel: channel.id,
      userId,
      ts: this.nextTs(),
      ...(checked.text !== undefined ? { text: checked.text } : {}),
      ...(checked.blocks ? { blocks: checked.blocks } : {}),
      ...(content.threadTs ? { threadTs: content.threadTs } : {}),
      at: this.now(),
      via,
    };
    const list = this.ephemeralsByUser.get(userId) ?? [];
    list.push(ephemeral);
    this.ephemeralsByUser.set(userId, list);
    this.emit({ kind: 'ephemeral.posted', channel: channel.id, ts: ephemeral.ts, userId });
    return { ok: true, message_ts: ephemeral.ts };
  }

  ephemerals(userId: string): SlackEphemeral[] {
    return structuredClone(this.ephemeralsByUser.get(userId) ?? []);
  }

  ephemeral(userId: string, ts: string): SlackEphemeral | undefined {
    const found = this.ephemeralsByUser.get(userId)?.find((e) => e.ts === ts);
    return found ? structuredClone(found) : undefined;
  }

  // ── triggers and views ────────────────────────────────────────────────

  issueTrigger(userId: string): string {
    const id = newTriggerId(this.now());
    this.triggers.set(id, { userId, issuedAt: this.now(), used: false });
    return id;
  }

  private usableTrigger(triggerId: unknown): TriggerRecord | ApiAnswer {
    if (typeof triggerId !== 'string' || triggerId === '') return invalidArguments(['missing required field: trigger_id']);
    const trigger = this.triggers.get(triggerId);
    if (!trigger) return failure('invalid_trigger_id');
    if (trigger.used || this.now() - trigger.issuedAt > TRIGGER_LIFETIME_MS) return failure('expired_trigger_id');
    return trigger;
  }

  private checkView(view: unknown, allowed: readonly ('modal' | 'home')[]): ViewDefinition | ApiAnswer {
    const problems = viewProblems(view, allowed);
    if (!isRecord(view) || problems.length > 0) return invalidArguments(problems);
    const type = view.type;
    const privateMetadata = view.private_metadata ?? '';
    const callbackId = view.callback_id ?? '';
    return {
      type: type as 'modal' | 'home',
      ...(view.title !== undefined ? { title: structuredClone(view.title) } : {}),
      ...(view.submit !== undefined ? { submit: structuredClone(view.submit) } : {}),
      ...(view.close !== undefined ? { close: structuredClone(view.close) } : {}),
      blocks: withGeneratedIds(view.blocks as unknown[]),
      callback_id: callbackId as string,
      private_metadata: privateMetadata as string,
      external_id: typeof view.external_id === 'string' ? view.external_id : '',
      notify_on_close: isTruthyFlag(view.notify_on_close),
      clear_on_close: isTruthyFlag(view.clear_on_close),
    };
  }

  private externalIdTaken(externalId: string, exceptViewId?: string): boolean {
    if (externalId === '') return false;
    for (const view of this.viewsById.values()) {
      if (view.id !== exceptViewId && view.closedAt === undefined && view.external_id === externalId) return true;
    }
    return false;
  }

  private createView(definition: ViewDefinition, userId: string, stack: string[], triggerId?: string): SlackView {
    const id = slackId('V');
    const now = this.now();
    const view: SlackView = {
      id,
      team_id: this.teamId,
      ...definition,
      state: { values: {} },
      hash: viewHash(now),
      root_view_id: stack[0] ?? id,
      previous_view_id: stack.at(-1) ?? null,
      app_id: this.appId,
      bot_id: this.botId,
      userId,
      ...(triggerId ? { triggerId } : {}),
      openedAt: now,
      updatedAt: now,
    };
    this.viewsById.set(id, view);
    return view;
  }

  private closeModalStack(userId: string): void {
    for (const viewId of this.modalStacks.get(userId) ?? []) this.closeView(viewId);
    this.modalStacks.delete(userId);
  }

  private closeView(viewId: string): void {
    const view = this.viewsById.get(viewId);
    if (!view || view.closedAt !== undefined) return;
    view.closedAt = this.now();
    const stack = this.modalStacks.get(view.userId);
    if (stack) {
      const remaining = stack.filter((id) => id !== viewId);
      if (remaining.length > 0) this.modalStacks.set(view.userId, remaining);
      else this.modalStacks.delete(view.userId);
    }
    this.emit({ kind: 'view.closed', userId: view.userId, viewId });
  }

  openView(triggerId: unknown, viewArgument: unknown): ApiAnswer {
    const trigger = this.usableTrigger(triggerId);
    if ('ok' in trigger) return trigger;
    const definition = this.checkView(viewArgument, ['modal']);
    if ('ok' in definition) return definition;
    if (this.externalIdTaken(definition.external_id)) return failure('duplicate_external_id');
    trigger.used = true;
    this.closeModalStack(trigger.userId);
    const view = this.createView(definition, trigger.userId, [], triggerId as string);
    this.modalStacks.set(trigger.userId, [view.id]);
    this.emit({ kind: 'view.opened', userId: trigger.userId, viewId: view.id });
    return { ok: true, view: viewPayload(view) };
  }

  pushView(triggerId: unknown, viewArgument: unknown): ApiAnswer {
    const trigger = this.usableTrigger(triggerId);
    if ('ok' in trigger) return trigger;
    const definition = this.checkView(viewArgument, ['modal']);
    if ('ok' in definition) return definition;
    const stack = this.modalStacks.get(trigger.userId) ?? [];
    if (stack.length >= MAX_VIEW_STACK) return failure('push_limit_reached');
    if (this.externalIdTaken(definition.external_id)) return failure('duplicate_external_id');
    trigger.used = true;
    const view = this.pushOnto(trigger.userId, definition, triggerId as string);
    return { ok: true, view: viewPayload(view) };
  }

  private pushOnto(userId: string, definition: ViewDefinition, triggerId?: string): SlackView {
    const stack = this.modalStacks.get(userId) ?? [];
    const view = this.createView(definition, userId, stack, triggerId);
    this.modalStacks.set(userId, [...stack, view.id]);
    this.emit({ kind: 'view.pushed', userId, viewId: view.id });
    return view;
  }

  updateView(target: { viewId?: unknown; externalId?: unknown; hash?: unknown }, viewArgument: unknown): ApiAnswer {
    let view: SlackView | undefined;
    if (typeof target.viewId === 'string' && target.viewId !== '') view = this.viewsById.get(target.viewId);
    else if (typeof target.externalId === 'string' && target.externalId !== '') {
      view = [...this.viewsById.values()].find((v) => v.closedAt === undefined && v.external_id === target.externalId);
    } else return invalidArguments(['either view_id or external_id is required']);
    if (!view || view.closedAt !== undefined) return failure('not_found');
    if (typeof target.hash === 'string' && target.hash !== '' && target.hash !== view.hash) return failure('hash_conflict');
    const definition = this.checkView(viewArgument, [view.type]);
    if ('ok' in definition) return definition;
    if (this.externalIdTaken(definition.external_id, view.id)) return failure('duplicate_external_id');
    this.replaceViewContent(view, definition);
    this.emit({ kind: 'view.updated', userId: view.userId, viewId: view.id });
    return { ok: true, view: viewPayload(view) };
  }

  private replaceViewContent(view: SlackView, definition: ViewDefinition): void {
    delete view.title;
    delete view.submit;
    delete view.close;
    delete view.errors;
    Object.assign(view, definition);
    view.hash = viewHash(this.now());
    view.updatedAt = this.now();
  }

  publishHome(userId: unknown, viewArgument: unknown, hash: unknown): ApiAnswer {
    if (typeof userId !== 'string' || !this.users.has(userId)) return failure('user_not_found');
    const definition = this.checkView(viewArgument, ['home']);
    if ('ok' in definition) return definition;
    const existingId = this.homeByUser.get(userId);
    const existing = existingId ? this.viewsById.get(existingId) : undefined;
    if (existing && typeof hash === 'string' && hash !== '' && hash !== existing.hash) return failure('hash_conflict');
    let view: SlackView;
    if (existing) {
      this.replaceViewContent(existing, definition);
      view = existing;
    } else {
      view = this.createView(definition, userId, []);
      this.homeByUser.set(userId, view.id);
    }
    this.emit({ kind: 'home.published', userId, viewId: view.id });
    return { ok: true, view: viewPayload(view) };
  }

  view(viewId: string): SlackView | undefined {
    const view = this.viewsById.get(viewId);
    return view ? structuredClone(view) : undefined;
  }

  views(filter: { userId?: string; openOnly: boolean; type?: 'modal' | 'home' }): SlackView[] {
    return [...this.viewsById.values()]
      .filter((v) => (filter.userId === undefined || v.userId === filter.userId) && (filter.type === undefined || v.type === filter.type))
      .filter((v) => !filter.openOnly || v.closedAt === undefined)
      .map((v) => structuredClone(v));
  }

  homeView(userId: string): SlackView | undefined {
    const id = this.homeByUser.get(userId);
    return id ? this.view(id) : undefined;
  }

  recordViewState(viewId: string, values: ViewStateValues): void {
    const view = this.viewsById.get(viewId);
    if (view) view.state = { values: structuredClone(values) };
  }

  /** What Slack does with the app's answer to a view_submission. */
  applyViewSubmissionAck(viewId: string, status: number, ack: unknown): void {
    const view = this.viewsById.get(viewId);
    if (!view || view.closedAt !== undefined) return;
    // A failed acknowledgement leaves the modal open with an error shown to the user.
    if (status < 200 || status >= 300) return;
    const action = isRecord(ack) ? ack.response_action : undefined;
    if (action === 'errors' && isRecord(ack) && isRecord(ack.errors)) {
      view.errors = Object.fromEntries(Object.entries(ack.errors).map(([k, v]) => [k, String(v)]));
      this.emit({ kind: 'view.updated', userId: view.userId, viewId });
      return;
    }
    if ((action === 'update' || action === 'push') && isRecord(ack)) {
      const definition = this.checkView(ack.view, ['modal']);
      if ('ok' in definition) return;
      if (action === 'update') {
        this.replaceViewContent(view, definition);
        this.emit({ kind: 'view.updated', userId: view.userId, viewId });
      } else if ((this.modalStacks.get(view.userId)?.length ?? 0) < MAX_VIEW_STACK) {
        this.pushOnto(view.userId, definition);
      }
      return;
    }
    if (action === 'clear') {
      this.closeModalStack(view.userId);
      return;
    }
    this.closeView(viewId);
  }

  // ── response URLs ─────────────────────────────────────────────────────

  issueResponseUrl(userId: string, channel: string, source?: ResponseSource): string {
    const id = randomToken(12);
    this.responseUrls.set(id, { userId, channel, ...(source ? { source } : {}), issuedAt: this.now(), uses: 0 });
    return `${this.baseUrl}/response/${id}`;
  }

  /** Slack's answer to a POST on a response_url: 200 {ok:true}, or 4xx with the reason. */
  postToResponseUrl(id: string, body: unknown): { status: number; answer: ApiAnswer } {
    const record = this.responseUrls.get(id);
    if (!record) return { status: 404, answer: failure('invalid_url') };
    if (this.now() - record.issuedAt > RESPONSE_URL_LIFETIME_MS) return { status: 404, answer: failure('expired_url') };
    if (record.uses >= RESPONSE_URL_USES) return { status: 404, answer: failure('used_url') };
    if (!isRecord(body)) return { status: 400, answer: failure('invalid_payload') };
    const answer = this.respondVia(record, body);
    if (!answer.ok) return { status: answer.error === 'message_not_found' ? 404 : 400, answer };
    record.uses += 1;
    return { status: 200, answer: { ok: true } };
  }

  private respondVia(record: ResponseUrlRecord, body: Record<string, unknown>): ApiAnswer {
    const source = record.source;
    if (isTruthyFlag(body.delete_original)) {
      if (!source) return failure('message_not_found');
      if (source.kind === 'message') return this.deleteMessage(source.channel, source.ts, false);
      return this.deleteEphemeral(source.userId, source.ts);
    }
    const content: MessageContent = { text: body.text, blocks: body.blocks, attachments: body.attachments };
    if (isTruthyFlag(body.replace_original) && source) {
      if (source.kind === 'message') {
        const channel = this.channels.get(source.channel);
        const message = channel && this.findStored(channel, source.ts);
        if (!channel || !message) return failure('message_not_found');
        const checked = this.checkContent(content, true);
        if ('ok' in checked) return checked;
        message.text = checked.text ?? '';
        if (checked.blocks) message.blocks = checked.blocks;
        else delete message.blocks;
        message.edited = { user: this.botUserId, ts: this.nextTs() };
        this.emit({ kind: 'message.updated', channel: channel.id, ts: message.ts });
        return { ok: true };
      }
      return this.replaceEphemeral(source.userId, source.ts, content);
    }
    const threadTs = typeof body.thread_ts === 'string' ? body.thread_ts : undefined;
    if (body.response_type === 'in_channel') {
      return this.postBotMessage(record.channel, { ...content, ...(threadTs ? { threadTs } : {}) });
    }
    return this.postEphemeral(record.channel, record.userId, { ...content, ...(threadTs ? { threadTs } : {}) }, 'response_url');
  }

  private deleteEphemeral(userId: string, ts: string): ApiAnswer {
    const list = this.ephemeralsByUser.get(userId) ?? [];
    const index = list.findIndex((e) => e.ts === ts);
    const found = list[index];
    if (!found) return failure('message_not_found');
    list.splice(index, 1);
    this.emit({ kind: 'ephemeral.deleted', channel: found.channel, ts, userId });
    return { ok: true };
  }

  private replaceEphemeral(userId: string, ts: string, content: MessageContent): ApiAnswer {
    const found = this.ephemeralsByUser.get(userId)?.find((e) => e.ts === ts);
    if (!found) return failure('message_not_found');
    const checked = this.checkContent(content, true);
    if ('ok' in checked) return checked;
    delete found.text;
    delete found.blocks;
    if (checked.text !== undefined) found.text = checked.text;
    if (checked.blocks) found.blocks = checked.blocks;
    found.at = this.now();
    found.via = 'response_url';
    this.emit({ kind: 'ephemeral.updated', channel: found.channel, ts, userId });
    return { ok: true };
  }
}

function sameSet(a: Set<string>, b: Set<string>): boolean {
  return a.size === b.size && [...a].every((x) => b.has(x));
}

function paginate(field: string, items: unknown[], limit: number, cursor: string | undefined): ApiAnswer {
  const start = cursor ? Number.parseInt(Buffer.from(cursor, 'base64').toString('utf8').replace(/^offset:/, ''), 10) : 0;
  if (!Number.isInteger(start) || start < 0) return failure('invalid_cursor');
  const size = limit > 0 ? limit : 100;
  const page = items.slice(start, start + size);
  const more = start + size < items.length;
  return {
    ok: true,
    [field]: page,
    has_more: more,
    response_metadata: { next_cursor: more ? Buffer.from(`offset:${start + size}`).toString('base64') : '' },
  };
}
