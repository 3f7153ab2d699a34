/**
 * Ephemeral messages: shown to one person in a channel and kept for that person only
 * (https://docs.slack.dev/reference/methods/chat.postEphemeral). Through `chat.postEphemeral` the bot must be in the
 * channel (not_in_channel) and so must the person (user_not_in_channel); a response_url or a slash command's
 * acknowledgement may show one anywhere. A response_url can also replace or delete the ephemeral it came from.
 */
import type { EphemeralVia, SlackEphemeral } from '../types.js';
import { failure, type ApiAnswer } from './apiAnswer.js';
import type { WorkspaceContext } from './context.js';
import type { Conversations } from './conversations.js';
import { checkMessageContent, type MessageContent } from './messageContent.js';
import type { People } from './people.js';

export class Ephemerals {
  private readonly ephemeralsByUser = new Map<string, SlackEphemeral[]>();

  constructor(
    private readonly context: Pick<WorkspaceContext, 'now' | 'nextTs' | 'emit'>,
    private readonly conversations: Pick<Conversations, 'resolvedChannel' | 'isMember'>,
    private readonly people: Pick<People, 'hasUser'>,
  ) {}

  /** Shows `userId` an ephemeral in the channel (a reference as resolveChannel takes), in a thread when `threadTs`. */
  postEphemeral(
    channelReference: string,
    userId: string,
    content: MessageContent & { threadTs?: string },
    via: EphemeralVia,
  ): ApiAnswer {
    const channel = this.conversations.resolvedChannel(channelReference);
    if (!channel) return failure('channel_not_found');
    if (!this.people.hasUser(userId)) return failure('user_not_found');
    if (via === 'chat.postEphemeral') {
      if (!channel.botIsMember) return failure('not_in_channel');
      if (!this.conversations.isMember(channel, userId)) return failure('user_not_in_channel');
    }
    const checked = checkMessageContent(content, true);
    if ('ok' in checked) return checked;
    const ephemeral: SlackEphemeral = {
      channel: channel.id,
      userId,
      ts: this.context.nextTs(),
      ...(checked.text !== undefined ? { text: checked.text } : {}),
      ...(checked.blocks ? { blocks: checked.blocks } : {}),
      ...(content.threadTs ? { threadTs: content.threadTs } : {}),
      at: this.context.now(),
      via,
    };
    const list = this.ephemeralsByUser.get(userId) ?? [];
    list.push(ephemeral);
    this.ephemeralsByUser.set(userId, list);
    this.context.emit({ kind: 'ephemeral.posted', channel: channel.id, ts: ephemeral.ts, userId });
    return { ok: true, message_ts: ephemeral.ts };
  }

  /** Copies of what this person was shown, oldest first. */
  ephemerals(userId: string): SlackEphemeral[] {
    return structuredClone(this.ephemeralsByUser.get(userId) ?? []);
  }

  /** A copy of one ephemeral shown to this person. */
  ephemeral(userId: string, ts: string): SlackEphemeral | undefined {
    const found = this.ephemeralsByUser.get(userId)?.find((e) => e.ts === ts);
    return found ? structuredClone(found) : undefined;
  }

  /** A response_url's `delete_original` on the ephemeral it came from; message_not_found when it is gone. */
  deleteOriginal(userId: string, ts: string): ApiAnswer {
    const list = this.ephemeralsByUser.get(userId) ?? [];
    const index = list.findIndex((e) => e.ts === ts);
    const found = list[index];
    if (!found) return failure('message_not_found');
    list.splice(index, 1);
    this.context.emit({ kind: 'ephemeral.deleted', channel: found.channel, ts, userId });
    return { ok: true };
  }

  /** A response_url's `replace_original` on the ephemeral it came from: new text and blocks, now via response_url. */
  replaceOriginal(userId: string, ts: string, content: MessageContent): ApiAnswer {
    const found = this.ephemeralsByUser.get(userId)?.find((e) => e.ts === ts);
    if (!found) return failure('message_not_found');
    const checked = checkMessageContent(content, true);
    if ('ok' in checked) return checked;
    delete found.text;
    delete found.blocks;
    if (checked.text !== undefined) found.text = checked.text;
    if (checked.blocks) found.blocks = checked.blocks;
    found.at = this.context.now();
    found.via = 'response_url';
    this.context.emit({ kind: 'ephemeral.updated', channel: found.channel, ts, userId });
    return { ok: true };
  }
}
