/**
 * Channel messages and threads: what the app posts (`chat.postMessage`, `chat.update`, `chat.delete`,
 * `chat.getPermalink`), what people type (the driver's doing), and how `conversations.history` and
 * `conversations.replies` read them back (https://docs.slack.dev/reference/methods/chat.postMessage,
 * https://docs.slack.dev/reference/methods/chat.update, https://docs.slack.dev/reference/methods/chat.delete,
 * https://docs.slack.dev/reference/methods/conversations.history, https://docs.slack.dev/reference/methods/conversations.replies).
 * Slack's rules kept here: the bot posts only where it is a member; a reply to a reply joins the root's thread; a
 * parent shows reply_count, reply_users and latest_reply; the app edits and deletes only its own messages; a deleted
 * parent with replies stays as a tombstone.
 */
import { permalinkPart } from '../ids.js';
import type { SlackMessage } from '../types.js';
import { failure, paginate, type ApiAnswer } from './apiAnswer.js';
import type { WorkspaceContext } from './context.js';
import type { ChannelRecord, Conversations } from './conversations.js';
import { checkMessageContent, type MessageContent } from './messageContent.js';
import type { People } from './people.js';

const TS_PATTERN = /^\d+\.\d+$/;

/** A message as Slack hands it to apps (no channel field). */
export function messagePayload(message: SlackMessage): Record<string, unknown> {
  const { channel: _channel, ...rest } = message;
  return rest;
}

export class Messages {
  constructor(
    private readonly context: Pick<WorkspaceContext, 'teamId' | 'botUserId' | 'botId' | 'appId' | 'nextTs' | 'baseUrl' | 'emit'>,
    private readonly conversations: Pick<Conversations, 'channel' | 'resolvedChannel'>,
    private readonly people: Pick<People, 'hasUser'>,
  ) {}

  private findStored(channel: ChannelRecord, ts: string): SlackMessage | undefined {
    return channel.messages.find((m) => m.ts === ts);
  }

  /** A copy of the message; a parent with replies gets thread_ts, reply_count, reply_users and latest_reply. */
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

  /** What the channel shows, oldest first: top-level messages (no tombstones) and replies also sent to the channel. */
  topLevelMessages(channelId: string): SlackMessage[] {
    const channel = this.conversations.channel(channelId);
    if (!channel) return [];
    return channel.messages
      .filter((m) => (m.thread_ts === undefined && m.subtype !== 'tombstone') || m.subtype === 'thread_broadcast')
      .map((m) => this.snapshot(channel, m));
  }

  /** The replies in the thread of `ts`, oldest first (the parent excluded). */
  threadReplies(channelId: string, ts: string): SlackMessage[] {
    const channel = this.conversations.channel(channelId);
    if (!channel) return [];
    return channel.messages.filter((m) => m.thread_ts === ts).map((m) => this.snapshot(channel, m));
  }

  /** A copy of one message; undefined when unknown or deleted. */
  message(channelId: string, ts: string): SlackMessage | undefined {
    const channel = this.conversations.channel(channelId);
    const found = channel && this.findStored(channel, ts);
    return channel && found && found.subtype !== 'tombstone' ? this.snapshot(channel, found) : undefined;
  }

  /** The root ts a reply belongs to (a reply's ts resolves to its parent), or an error. */
  private threadRoot(channel: ChannelRecord, threadTs: string): string | ApiAnswer {
    if (!TS_PATTERN.test(threadTs)) return failure('invalid_thread_ts');
    const parent = this.findStored(channel, threadTs);
    if (!parent) return failure('thread_not_found');
    return parent.thread_ts ?? parent.ts;
  }

  /** chat.postMessage as the app's bot, in a thread when `threadTs`, also shown in the channel when `replyBroadcast`. */
  postBotMessage(
    channelReference: string,
    content: MessageContent & { threadTs?: string; replyBroadcast?: boolean },
  ): ApiAnswer {
    const channel = this.conversations.resolvedChannel(channelReference);
    if (!channel) return failure('channel_not_found');
    if (!channel.botIsMember) return failure('not_in_channel');
    const checked = checkMessageContent(content, true);
    if ('ok' in checked) return checked;
    let threadTs: string | undefined;
    if (content.threadTs) {
      const root = this.threadRoot(channel, content.threadTs);
      if (typeof root !== 'string') return root;
      threadTs = root;
    }
    const { teamId, botUserId, botId, appId } = this.context;
    const message: SlackMessage = {
      type: 'message',
      ...(threadTs && content.replyBroadcast ? { subtype: 'thread_broadcast' as const } : {}),
      channel: channel.id,
      ts: this.context.nextTs(),
      user: botUserId,
      bot_id: botId,
      app_id: appId,
      team: teamId,
      text: checked.text ?? '',
      ...(checked.blocks ? { blocks: checked.blocks } : {}),
      ...(checked.attachments ? { attachments: checked.attachments } : {}),
      ...(content.metadata !== undefined ? { metadata: structuredClone(content.metadata) } : {}),
      ...(threadTs ? { thread_ts: threadTs } : {}),
    };
    channel.messages.push(message);
    this.context.emit({ kind: 'message.posted', channel: channel.id, ts: message.ts, userId: botUserId });
    return { ok: true, channel: channel.id, ts: message.ts, message: messagePayload(this.snapshot(channel, message)) };
  }

  /** A message a person types (the driver's doing), stored like Slack stores it. */
  postUserMessage(userId: string, channelReference: string, text: string, threadTs?: string): ApiAnswer {
    if (!this.people.hasUser(userId)) return failure('user_not_found');
    const channel = this.conversations.resolvedChannel(channelReference);
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
      ts: this.context.nextTs(),
      user: userId,
      team: this.context.teamId,
      text,
      ...(root ? { thread_ts: root } : {}),
    };
    channel.messages.push(message);
    this.context.emit({ kind: 'message.posted', channel: channel.id, ts: message.ts, userId });
    return { ok: true, channel: channel.id, ts: message.ts, message: messagePayload(this.snapshot(channel, message)) };
  }

  /** chat.update of one of the app's own messages. */
  updateMessage(channelId: string, ts: string, content: MessageContent): ApiAnswer {
    const channel = this.conversations.channel(channelId);
    if (!channel) return failure('channel_not_found');
    const message = this.findStored(channel, ts);
    if (!message || message.subtype === 'tombstone') return failure('message_not_found');
    if (message.user !== this.context.botUserId) return failure('cant_update_message');
    const checked = checkMessageContent(content, true);
    if ('ok' in checked) return checked;
    if (checked.text !== undefined) message.text = checked.text;
    // Slack keeps the previous blocks when none are sent, and removes them for an empty array.
    if (checked.blocks !== undefined) {
      if (checked.blocks.length > 0) message.blocks = checked.blocks;
      else delete message.blocks;
    }
    if (checked.attachments !== undefined) message.attachments = checked.attachments;
    if (content.metadata !== undefined) message.metadata = structuredClone(content.metadata);
    message.edited = { user: this.context.botUserId, ts: this.context.nextTs() };
    this.context.emit({ kind: 'message.updated', channel: channel.id, ts });
    const snapshot = this.snapshot(channel, message);
    return { ok: true, channel: channel.id, ts, text: snapshot.text, message: messagePayload(snapshot) };
  }

  /**
   * A response_url's `replace_original` on the message it came from: the new text ('' when none) and blocks
   * (removed when none) replace the old, whoever posted it; message_not_found when it is gone.
   */
  replaceOriginal(channelId: string, ts: string, content: MessageContent): ApiAnswer {
    const channel = this.conversations.channel(channelId);
    const message = channel && this.findStored(channel, ts);
    if (!channel || !message) return failure('message_not_found');
    const checked = checkMessageContent(content, true);
    if ('ok' in checked) return checked;
    message.text = checked.text ?? '';
    if (checked.blocks) message.blocks = checked.blocks;
    else delete message.blocks;
    message.edited = { user: this.context.botUserId, ts: this.context.nextTs() };
    this.context.emit({ kind: 'message.updated', channel: channel.id, ts: message.ts });
    return { ok: true };
  }

  /** chat.delete (`asBot`: only the app's own messages) or a person deleting a message. */
  deleteMessage(channelId: string, ts: string, asBot: boolean): ApiAnswer {
    const channel = this.conversations.channel(channelId);
    if (!channel) return failure('channel_not_found');
    const index = channel.messages.findIndex((m) => m.ts === ts);
    const message = channel.messages[index];
    if (!message || message.subtype === 'tombstone') return failure('message_not_found');
    if (asBot && message.user !== this.context.botUserId) return failure('cant_delete_message');
    // As Slack does: a parent with replies stays as a tombstone, so its thread lives on (and takes new replies);
    // chat.update on it answers message_not_found.
    if (message.thread_ts === undefined && channel.messages.some((m) => m.thread_ts === ts)) {
      channel.messages[index] = { type: 'message', subtype: 'tombstone', channel: channel.id, ts, user: 'USLACKBOT', team: this.context.teamId, text: 'This message was deleted.', hidden: true };
    } else channel.messages.splice(index, 1);
    this.context.emit({ kind: 'message.deleted', channel: channel.id, ts });
    return { ok: true, channel: channel.id, ts };
  }

  /** chat.getPermalink: '<base>/archives/<channel>/p<ts without dot>', with `?thread_ts=…&cid=…` for a reply. */
  permalink(channelId: string, ts: string): ApiAnswer {
    const channel = this.conversations.channel(channelId);
    if (!channel) return failure('channel_not_found');
    const message = this.findStored(channel, ts);
    if (!message || message.subtype === 'tombstone') return failure('message_not_found');
    const thread = message.thread_ts ? `?thread_ts=${message.thread_ts}&cid=${channel.id}` : '';
    return { ok: true, channel: channel.id, permalink: `${this.context.baseUrl}/archives/${channel.id}/${permalinkPart(ts)}${thread}` };
  }

  /** conversations.history: the channel's top-level messages, newest first, paged. */
  history(channelId: string, limit: number, cursor: string | undefined): ApiAnswer {
    const channel = this.conversations.channel(channelId);
    if (!channel) return failure('channel_not_found');
    if (!channel.botIsMember) return failure('not_in_channel');
    const newestFirst = this.topLevelMessages(channelId).reverse().map(messagePayload);
    return paginate('messages', newestFirst, limit, cursor);
  }

  /** conversations.replies: the thread `ts` is in (given its parent or any reply), parent first, paged. */
  replies(channelId: string, ts: string, limit: number, cursor: string | undefined): ApiAnswer {
    const channel = this.conversations.channel(channelId);
    if (!channel) return failure('channel_not_found');
    if (!channel.botIsMember) return failure('not_in_channel');
    const found = this.findStored(channel, ts);
    if (!found) return failure('thread_not_found');
    const rootTs = found.thread_ts ?? found.ts;
    const parent = this.findStored(channel, rootTs);
    const thread = [...(parent ? [this.snapshot(channel, parent)] : []), ...this.threadReplies(channelId, rootTs)];
    return paginate('messages', thread.map(messagePayload), limit, cursor);
  }
}
