/**
 * The workspace's conversations: public and private channels, the app's DMs (im) and group DMs (mpim), who is in
 * them, and how a channel reference resolves, as `conversations.info`, `conversations.members`,
 * `conversations.join` and `conversations.open` answer them
 * (https://docs.slack.dev/reference/methods/conversations.info, https://docs.slack.dev/reference/methods/conversations.join,
 * https://docs.slack.dev/reference/methods/conversations.open). The emulator keeps one DM per person and one group DM
 * per set of people, and answers too_many_users beyond 8 people. A channel holds its messages; messages.ts reads and
 * writes them.
 */
import type { SlackChannelSeed, SlackMessage } from '../types.js';
import { slackId } from '../ids.js';
import { failure, type ApiAnswer } from './apiAnswer.js';
import type { WorkspaceContext } from './context.js';
import type { People } from './people.js';

type ChannelKind = 'public' | 'private' | 'im' | 'mpim';

export interface ChannelRecord {
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

/** Most people `conversations.open` puts in a group DM. */
const MAX_GROUP_DM_PEOPLE = 8;

export class Conversations {
  private readonly channels = new Map<string, ChannelRecord>();
  private readonly imByUser = new Map<string, string>();

  constructor(
    private readonly context: Pick<WorkspaceContext, 'teamId' | 'botUserId' | 'now' | 'emit'>,
    private readonly people: Pick<People, 'hasUser' | 'userName' | 'humanIds'>,
  ) {}

  /** Adds a channel ('G…' ids and `isPrivate` make it private); throws if the id exists. `notify` announces 'channel.added'. */
  addChannel(seed: SlackChannelSeed, notify: boolean): void {
    if (this.channels.has(seed.id)) throw new Error(`channel ${seed.id} already exists`);
    this.channels.set(seed.id, {
      id: seed.id,
      name: seed.name,
      kind: seed.isPrivate || seed.id.startsWith('G') ? 'private' : 'public',
      botIsMember: seed.botIsMember ?? true,
      members: seed.members ? new Set(seed.members) : 'everyone',
      created: this.createdNow(),
      messages: [],
    });
    if (notify) this.context.emit({ kind: 'channel.added', channel: seed.id });
  }

  /** Puts the app's bot in or out of a channel and announces 'channel.membership'; throws for an unknown channel. */
  setBotMembership(channelId: string, isMember: boolean): void {
    const channel = this.channels.get(channelId);
    if (!channel) throw new Error(`unknown channel ${channelId}`);
    channel.botIsMember = isMember;
    this.context.emit({ kind: 'channel.membership', channel: channelId });
  }

  /** The stored channel with this id (not a copy), if any. */
  channel(channelId: string): ChannelRecord | undefined {
    return this.channels.get(channelId);
  }

  /** The stored channel a reference (see resolveChannel) points at, if any. */
  resolvedChannel(reference: string): ChannelRecord | undefined {
    const channelId = this.resolveChannel(reference);
    return channelId ? this.channels.get(channelId) : undefined;
  }

  /** The channel's name; 'directmessage' for a DM, as message payloads name it. */
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
      created: this.createdNow(),
      messages: [],
    });
    this.imByUser.set(userId, id);
    return id;
  }

  /** A channel id, a user id (that user's DM with the app), or a channel name with or without '#'. */
  resolveChannel(reference: string): string | undefined {
    if (this.channels.has(reference)) return reference;
    if (this.people.hasUser(reference) && reference !== this.context.botUserId) return this.imChannelOf(reference);
    const name = reference.replace(/^#/, '');
    for (const channel of this.channels.values()) {
      if (channel.kind !== 'im' && channel.kind !== 'mpim' && channel.name === name) return channel.id;
    }
    return undefined;
  }

  /** Whether the user (or the app's bot user) is in the channel. */
  isMember(channel: ChannelRecord, userId: string): boolean {
    if (userId === this.context.botUserId) return channel.botIsMember;
    return channel.members === 'everyone' ? this.people.hasUser(userId) : channel.members.has(userId);
  }

  /** conversations.info: the channel object, or channel_not_found. */
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
      context_team_id: this.context.teamId,
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
    const humans = channel.members === 'everyone' ? this.people.humanIds() : [...channel.members];
    return channel.botIsMember ? [...humans, this.context.botUserId] : humans;
  }

  /** conversations.members: the people in the channel, then the bot user when it is in. */
  channelMembers(channelId: string): ApiAnswer {
    const channel = this.channels.get(channelId);
    if (!channel) return failure('channel_not_found');
    return { ok: true, members: this.memberIds(channel) };
  }

  /** conversations.join for the app's bot: public channels only; joining again answers ok with 'already_in_channel'. */
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

  /** conversations.open: the DM for one person (the bot user aside), else the group DM for that set, made on first use. */
  openConversation(userIds: string[]): ApiAnswer {
    if (userIds.length === 0) return failure('users_list_not_supplied');
    for (const id of userIds) if (!this.people.hasUser(id)) return failure('user_not_found');
    const humans = userIds.filter((id) => id !== this.context.botUserId);
    if (humans.length === 1 && humans[0] !== undefined) return { ok: true, channel: { id: this.imChannelOf(humans[0]) } };
    if (humans.length > MAX_GROUP_DM_PEOPLE) return failure('too_many_users');
    const members = new Set(humans);
    for (const channel of this.channels.values()) {
      if (channel.kind === 'mpim' && channel.members !== 'everyone' && sameSet(channel.members, members)) {
        return { ok: true, channel: { id: channel.id } };
      }
    }
    const id = slackId('G');
    this.channels.set(id, {
      id,
      name: `mpdm-${humans.map((h) => this.people.userName(h) ?? h).join('--')}-1`,
      kind: 'mpim',
      botIsMember: true,
      members,
      created: this.createdNow(),
      messages: [],
    });
    this.context.emit({ kind: 'channel.added', channel: id });
    return { ok: true, channel: { id } };
  }

  /** A channel's `created`: Unix seconds. */
  private createdNow(): number {
    return Math.floor(this.context.now() / 1000);
  }
}

function sameSet(a: Set<string>, b: Set<string>): boolean {
  return a.size === b.size && [...a].every((x) => b.has(x));
}
