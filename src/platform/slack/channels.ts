/** Can keywarden's bot post in a channel? Slack's own answer (conversations.info) decides. */
import type { WebClient } from '@slack/web-api';
import { err, ok, type Result } from '../domain/result.js';

/** Whether keywarden's bot can post in a channel, from Slack's own answer. */
export type ChannelCheck = (channelId: string) => Promise<Result<void, 'channel_not_found' | 'not_in_channel' | 'is_archived'>>;

export function createChannelCheck(web: Pick<WebClient, 'conversations'>): ChannelCheck {
  return async (channelId) => {
    try {
      const info = await web.conversations.info({ channel: channelId });
      const channel = info.channel as { is_member?: boolean; is_archived?: boolean } | undefined;
      if (channel?.is_archived) return err('is_archived');
      return channel?.is_member ? ok(undefined) : err('not_in_channel');
    } catch (error) {
      const code = (error as { data?: { error?: string } }).data?.error;
      if (code === 'channel_not_found') return err('channel_not_found');
      throw error;
    }
  };
}
