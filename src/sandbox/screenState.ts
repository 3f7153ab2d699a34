/**
 * What one demo user's Slack window shows, read from the Slack emulator: the sidebar with unread counts, the open
 * channel, an open thread, the modal on top, the app's Home tab. Also the bits of client state Slack keeps itself
 * (read marks, dismissed ephemerals, modals the user closed), which the emulator does not model.
 */
import type { SlackEmulator, SlackEphemeral, SlackMessage, SlackView } from '../emulators/slack/index.js';
import { DEMO_CHANNEL_LIST, DEMO_USERGROUP, DEMO_USERS, type DemoRole } from './demoWorkspace.js';

export interface ScreenUser {
  readonly id: string;
  readonly name: string;
  readonly realName: string;
  readonly role: DemoRole;
  readonly roleNote: string;
}

export interface SidebarEntry {
  readonly id: string;
  readonly name: string;
  readonly kind: 'channel' | 'app';
  readonly unread: number;
}

export interface MessageItem {
  readonly kind: 'message';
  readonly ts: string;
  readonly userId: string;
  readonly author: string;
  readonly isBot: boolean;
  readonly text: string;
  readonly blocks: unknown[] | null;
  readonly edited: boolean;
  readonly replyCount: number;
  readonly replyAuthors: string[];
  readonly latestReply: string | null;
  readonly broadcast: boolean;
}

export interface EphemeralItem {
  readonly kind: 'ephemeral';
  readonly ts: string;
  readonly channelId: string;
  readonly text: string;
  readonly blocks: unknown[] | null;
}

export type PaneItem = MessageItem | EphemeralItem;

export interface ModalState {
  readonly id: string;
  readonly hash: string;
  readonly callbackId: string;
  readonly title: unknown;
  readonly submit: unknown;
  readonly close: unknown;
  readonly blocks: unknown[];
  readonly errors: Record<string, string>;
  /** how many modals lie under this one */
  readonly depth: number;
}

export interface ScreenState {
  readonly me: string;
  readonly bot: { readonly id: string; readonly name: string };
  readonly users: ScreenUser[];
  readonly directory: {
    readonly users: Record<string, string>;
    readonly channels: Record<string, string>;
    readonly usergroups: Record<string, string>;
  };
  readonly sidebar: { readonly channels: SidebarEntry[]; readonly apps: SidebarEntry[] };
  readonly channel: { readonly id: string; readonly name: string; readonly kind: 'channel' | 'app'; readonly topic: string; readonly items: PaneItem[] } | null;
  readonly thread: { readonly channelId: string; readonly ts: string; readonly parent: MessageItem | null; readonly items: PaneItem[] } | null;
  readonly modal: ModalState | null;
  readonly home: { readonly blocks: unknown[] } | null;
}

export interface ScreenQuery {
  readonly channelId?: string;
  readonly threadTs?: string;
}

export const APP_NAME = 'keywarden';

/** Orders Slack timestamps ("seconds.micros") without the rounding a float would bring. */
export function compareTs(a: string, b: string): number {
  const [as = '0', am = '0'] = a.split('.');
  const [bs = '0', bm = '0'] = b.split('.');
  return Number(as) - Number(bs) || Number(am.padEnd(6, '0')) - Number(bm.padEnd(6, '0'));
}

export class ScreenStates {
  private readonly readMarks = new Map<string, Map<string, string>>();
  private readonly dismissedEphemerals = new Map<string, Set<string>>();
  private readonly closedViews = new Set<string>();
  private readonly names: Record<string, string>;

  constructor(private readonly slack: SlackEmulator) {
    this.names = Object.fromEntries([[slack.botUserId, APP_NAME], ...DEMO_USERS.map((u) => [u.id, u.realName] as const)]);
  }

  isDemoUser(userId: unknown): userId is string {
    return typeof userId === 'string' && DEMO_USERS.some((u) => u.id === userId);
  }

  /** The channels a user can open: the demo channels and the user's DM with the app. */
  canSee(userId: string, channelId: string): boolean {
    return DEMO_CHANNEL_LIST.some((c) => c.id === channelId) || this.slack.dmChannelOf(userId) === channelId;
  }

  /** The modal on top of the user's stack: the newest one open in the emulator that the user has not closed. */
  topModal(userId: string): SlackView | undefined {
    return this.slack
      .openViews(userId)
      .filter((v) => !this.closedViews.has(v.id))
      .at(-1);
  }

  /** The user closed a modal (Cancel, ×, Esc). Slack would drop it from the user's stack; the emulator has no such call. */
  closeModal(userId: string, viewId: string): boolean {
    const view = this.slack.view(viewId);
    if (!view || view.userId !== userId) return false;
    this.closedViews.add(viewId);
    return true;
  }

  dismissEphemeral(userId: string, ts: string): boolean {
    if (!this.slack.ephemerals(userId).some((e) => e.ts === ts)) return false;
    const set = this.dismissedEphemerals.get(userId) ?? new Set<string>();
    set.add(ts);
    this.dismissedEphemerals.set(userId, set);
    return true;
  }

  /** The screen of `userId`; the channel they look at counts as read. */
  screenFor(userId: string, query: ScreenQuery = {}): ScreenState {
    const dm = this.slack.dmChannelOf(userId);
    const channelId = query.channelId !== undefined && this.canSee(userId, query.channelId) ? query.channelId : undefined;
    if (channelId !== undefined) this.markRead(userId, channelId);
    const ephemerals = this.slack.ephemerals(userId).filter((e) => !this.dismissedEphemerals.get(userId)?.has(e.ts));
    const entry = (id: string, name: string, kind: SidebarEntry['kind']): SidebarEntry => ({ id, name, kind, unread: this.unreadCount(userId, id) });
    const channelNames = Object.fromEntries([...DEMO_CHANNEL_LIST.map((c) => [c.id, c.name] as const), [dm, APP_NAME] as const]);
    const modal = this.topModal(userId);
    const home = this.slack.homeView(userId);
    return {
      me: userId,
      bot: { id: this.slack.botUserId, name: APP_NAME },
      users: DEMO_USERS.map((u) => ({ id: u.id, name: u.name, realName: u.realName, role: u.role, roleNote: u.roleNote })),
      directory: { users: this.names, channels: channelNames, usergroups: { [DEMO_USERGROUP.id]: DEMO_USERGROUP.handle } },
      sidebar: {
        channels: DEMO_CHANNEL_LIST.map((c) => entry(c.id, c.name, 'channel')),
        apps: [entry(dm, APP_NAME, 'app')],
      },
      channel:
        channelId === undefined
          ? null
          : {
              id: channelId,
              name: channelNames[channelId] ?? channelId,
              kind: channelId === dm ? 'app' : 'channel',
              topic: channelId === dm ? 'keywarden sends you keys and news of your requests here' : (DEMO_CHANNEL_LIST.find((c) => c.id === channelId)?.topic ?? ''),
              items: mergeByTs(
                this.slack.messages(channelId).map((m) => this.messageItem(m)),
                ephemerals.filter((e) => e.channel === channelId && e.threadTs === undefined).map(ephemeralItem),
              ),
            },
      thread: channelId !== undefined && query.threadTs !== undefined ? this.threadState(channelId, query.threadTs, ephemerals) : null,
      modal: modal ? this.modalState(userId, modal) : null,
      home: home ? { blocks: home.blocks } : null,
    };
  }

  private threadState(channelId: string, threadTs: string, ephemerals: SlackEphemeral[]): ScreenState['thread'] {
    const parent = this.slack.message(channelId, threadTs);
    return {
      channelId,
      ts: threadTs,
      parent: parent ? this.messageItem(parent) : null,
      items: mergeByTs(
        this.slack.thread(channelId, threadTs).map((m) => this.messageItem(m)),
        ephemerals.filter((e) => e.channel === channelId && e.threadTs === threadTs).map(ephemeralItem),
      ),
    };
  }

  private modalState(userId: string, view: SlackView): ModalState {
    const stack = this.slack.openViews(userId).filter((v) => !this.closedViews.has(v.id));
    return {
      id: view.id,
      hash: view.hash,
      callbackId: view.callback_id,
      title: view.title ?? null,
      submit: view.submit ?? null,
      close: view.close ?? null,
      blocks: view.blocks,
      errors: view.errors ?? {},
      depth: Math.max(0, stack.length - 1),
    };
  }

  private messageItem(m: SlackMessage): MessageItem {
    const isBot = m.bot_id !== undefined || m.user === this.slack.botUserId;
    return {
      kind: 'message',
      ts: m.ts,
      userId: m.user,
      author: this.names[m.user] ?? m.user,
      isBot,
      text: m.text,
      blocks: Array.isArray(m.blocks) && m.blocks.length > 0 ? m.blocks : null,
      edited: m.edited !== undefined,
      replyCount: m.thread_ts === m.ts ? (m.reply_count ?? 0) : 0,
      replyAuthors: (m.reply_users ?? []).map((id) => this.names[id] ?? id),
      latestReply: m.latest_reply ?? null,
      broadcast: m.subtype === 'thread_broadcast',
    };
  }

  private markRead(userId: string, channelId: string): void {
    const latest = this.slack.messages(channelId).at(-1)?.ts;
    if (latest === undefined) return;
    const marks = this.readMarks.get(userId) ?? new Map<string, string>();
    marks.set(channelId, latest);
    this.readMarks.set(userId, marks);
  }

  private unreadCount(userId: string, channelId: string): number {
    const mark = this.readMarks.get(userId)?.get(channelId) ?? '0.000000';
    return this.slack.messages(channelId).filter((m) => m.user !== userId && compareTs(m.ts, mark) > 0).length;
  }
}

function ephemeralItem(e: SlackEphemeral): EphemeralItem {
  return { kind: 'ephemeral', ts: e.ts, channelId: e.channel, text: e.text ?? '', blocks: Array.isArray(e.blocks) && e.blocks.length > 0 ? e.blocks : null };
}

function mergeByTs(messages: PaneItem[], ephemerals: PaneItem[]): PaneItem[] {
  return [...messages, ...ephemerals].sort((a, b) => compareTs(a.ts, b.ts));
}
