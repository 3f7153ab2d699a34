/** The Web API methods the emulator answers, each mapped onto the workspace. */
import { isTruthyFlag, type ApiAnswer } from './workspace/apiAnswer.js';
import type { SlackWorkspace } from './workspace.js';

export type WebApiMethod = (workspace: SlackWorkspace, args: Record<string, unknown>) => ApiAnswer;

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return undefined;
}

function required(value: unknown): string {
  return text(value) ?? '';
}

function limitOf(value: unknown): number {
  const parsed = Number.parseInt(text(value) ?? '', 10);
  return Number.isInteger(parsed) && parsed > 0 ? parsed : 100;
}

function listOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  return (text(value) ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

export const WEB_API_METHODS: Readonly<Record<string, WebApiMethod>> = {
  'auth.test': (ws) => ({
    ok: true,
    url: `${ws.baseUrl}/`,
    team: 'Emulated Workspace',
    user: ws.userName(ws.botUserId) ?? 'keywarden',
    team_id: ws.teamId,
    user_id: ws.botUserId,
    bot_id: ws.botId,
    is_enterprise_install: false,
  }),

  'chat.postMessage': (ws, args) => {
    const threadTs = text(args.thread_ts);
    return ws.postBotMessage(required(args.channel), {
      text: args.text,
      blocks: args.blocks,
      attachments: args.attachments,
      metadata: args.metadata,
      ...(threadTs ? { threadTs } : {}),
      replyBroadcast: isTruthyFlag(args.reply_broadcast),
    });
  },

  'chat.update': (ws, args) => {
    const channel = ws.resolveChannel(required(args.channel));
    if (!channel) return { ok: false, error: 'channel_not_found' };
    return ws.updateMessage(channel, required(args.ts), {
      text: args.text,
      blocks: args.blocks,
      attachments: args.attachments,
      metadata: args.metadata,
    });
  },

  'chat.delete': (ws, args) => {
    const channel = ws.resolveChannel(required(args.channel));
    if (!channel) return { ok: false, error: 'channel_not_found' };
    return ws.deleteMessage(channel, required(args.ts), true);
  },

  'chat.postEphemeral': (ws, args) => {
    const threadTs = text(args.thread_ts);
    return ws.postEphemeral(
      required(args.channel),
      required(args.user),
      { text: args.text, blocks: args.blocks, attachments: args.attachments, ...(threadTs ? { threadTs } : {}) },
      'chat.postEphemeral',
    );
  },

  'chat.getPermalink': (ws, args) => {
    const channel = ws.resolveChannel(required(args.channel));
    if (!channel) return { ok: false, error: 'channel_not_found' };
    return ws.permalink(channel, required(args.message_ts));
  },

  'conversations.open': (ws, args) => {
    const existing = text(args.channel);
    if (existing) {
      const info = ws.channelInfo(existing);
      if (!info.ok) return info;
      return { ok: true, channel: isTruthyFlag(args.return_im) ? info.channel : { id: existing } };
    }
    const opened = ws.openConversation(listOf(args.users));
    if (!opened.ok || !isTruthyFlag(args.return_im)) return opened;
    const id = (opened.channel as { id: string }).id;
    return { ok: true, channel: ws.channelInfo(id).channel };
  },

  'conversations.info': (ws, args) => ws.channelInfo(required(args.channel)),

  'conversations.join': (ws, args) => ws.joinChannel(required(args.channel)),

  'conversations.members': (ws, args) => ws.channelMembers(required(args.channel)),

  'conversations.history': (ws, args) => ws.history(required(args.channel), limitOf(args.limit), text(args.cursor)),

  'conversations.replies': (ws, args) =>
    ws.replies(required(args.channel), required(args.ts), limitOf(args.limit), text(args.cursor)),

  'views.open': (ws, args) => ws.openView(args.trigger_id, args.view),

  'views.push': (ws, args) => ws.pushView(args.trigger_id, args.view),

  'views.update': (ws, args) =>
    ws.updateView({ viewId: args.view_id, externalId: args.external_id, hash: args.hash }, args.view),

  'views.publish': (ws, args) => ws.publishHome(args.user_id, args.view, args.hash),

  'users.info': (ws, args) => ws.userInfo(required(args.user)),

  'users.list': (ws) => ws.userList(),

  'usergroups.list': (ws, args) => ws.usergroupList(isTruthyFlag(args.include_users)),

  'usergroups.users.list': (ws, args) => ws.usergroupUsers(required(args.usergroup)),

  'functions.completeSuccess': (ws, args) => ws.functions.completeSuccess(args),

  'functions.completeError': (ws, args) => ws.functions.completeError(args),
};

/** Fields Slack takes as JSON text inside a form body. */
export const JSON_FIELDS = ['blocks', 'view', 'attachments', 'metadata', 'outputs'] as const;
