/**
 * The emulated workspace: one object holding a Slack workspace's state with Slack's rules, composed of its parts in
 * workspace/: people (users, user groups), conversations (channels, DMs), messages (and threads), ephemerals,
 * triggers, views (modals, App Home), response URLs and the change feed its observers listen to. No HTTP here:
 * the server (server.ts, web-api.ts) and the driver (driver.ts) both act through this object, which is also the
 * context (identities, clock, base URL, change feed) every part reads.
 */
import { SlackFunctions } from './functions.js';
import { createTsClock } from './ids.js';
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
import type { ApiAnswer } from './workspace/apiAnswer.js';
import { ChangeFeed } from './workspace/changeFeed.js';
import type { WorkspaceContext } from './workspace/context.js';
import { Conversations } from './workspace/conversations.js';
import { Ephemerals } from './workspace/ephemerals.js';
import type { MessageContent } from './workspace/messageContent.js';
import { Messages } from './workspace/messages.js';
import { People } from './workspace/people.js';
import { ResponseUrls, type ResponseSource } from './workspace/responseUrls.js';
import { Triggers } from './workspace/triggers.js';
import { Views } from './workspace/views.js';

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

/**
 * The workspace as the server, the driver and the tests see it. Each method hands over to the part named in its
 * section below, where it is documented; the seed's users, user groups and channels are added without notifying.
 */
export class SlackWorkspace implements WorkspaceContext {
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

  private readonly feed = new ChangeFeed();
  private readonly people: People;
  private readonly conversations: Conversations;
  private readonly messageStore: Messages;
  private readonly ephemeralStore: Ephemerals;
  private readonly triggers: Triggers;
  private readonly viewStore: Views;
  private readonly responseUrls: ResponseUrls;

  constructor(seed: WorkspaceSeed) {
    this.teamId = seed.teamId;
    this.botUserId = seed.botUserId;
    this.botId = seed.botId;
    this.appId = seed.appId;
    this.now = seed.now;
    this.nextTs = createTsClock(seed.now);
    this.functions = new SlackFunctions(seed.appId, seed.now);
    this.people = new People(this);
    this.conversations = new Conversations(this, this.people);
    this.messageStore = new Messages(this, this.conversations, this.people);
    this.ephemeralStore = new Ephemerals(this, this.conversations, this.people);
    this.triggers = new Triggers(this);
    this.viewStore = new Views(this, this.triggers, this.people);
    this.responseUrls = new ResponseUrls(this, this.messageStore, this.ephemeralStore);
    for (const user of seed.users) this.addUser(user, false);
    for (const group of seed.usergroups) this.addUsergroup(group, false);
    for (const channel of seed.channels) this.addChannel(channel, false);
  }

  // ── change notifications: workspace/changeFeed.ts ────────────────────

  onChange(listener: (change: SlackChange) => void): () => void {
    return this.feed.onChange(listener);
  }

  emit(change: SlackChange): void {
    this.feed.emit(change);
  }

  // ── users and user groups: workspace/people.ts ────────────────────────

  addUser(user: SlackUserSeed, notify = true): void {
    this.people.addUser(user, notify);
  }

  addUsergroup(group: SlackUsergroupSeed, notify = true): void {
    this.people.addUsergroup(group, notify);
  }

  hasUser(userId: string): boolean {
    return this.people.hasUser(userId);
  }

  userName(userId: string): string | undefined {
    return this.people.userName(userId);
  }

  userInfo(userId: string): ApiAnswer {
    return this.people.userInfo(userId);
  }

  userList(): ApiAnswer {
    return this.people.userList();
  }

  usergroupUsers(usergroupId: string): ApiAnswer {
    return this.people.usergroupUsers(usergroupId);
  }

  usergroupList(includeUsers: boolean): ApiAnswer {
    return this.people.usergroupList(includeUsers);
  }

  // ── channels, DMs and group DMs: workspace/conversations.ts ───────────

  addChannel(seed: SlackChannelSeed, notify = true): void {
    this.conversations.addChannel(seed, notify);
  }

  setBotMembership(channelId: string, isMember: boolean): void {
    this.conversations.setBotMembership(channelId, isMember);
  }

  channelName(channelId: string): string | undefined {
    return this.conversations.channelName(channelId);
  }

  channelType(channelId: string): string | undefined {
    return this.conversations.channelType(channelId);
  }

  imChannelOf(userId: string): string {
    return this.conversations.imChannelOf(userId);
  }

  resolveChannel(reference: string): string | undefined {
    return this.conversations.resolveChannel(reference);
  }

  channelInfo(channelId: string): ApiAnswer {
    return this.conversations.channelInfo(channelId);
  }

  channelMembers(channelId: string): ApiAnswer {
    return this.conversations.channelMembers(channelId);
  }

  joinChannel(channelId: string): ApiAnswer {
    return this.conversations.joinChannel(channelId);
  }

  openConversation(userIds: string[]): ApiAnswer {
    return this.conversations.openConversation(userIds);
  }

  // ── messages and threads: workspace/messages.ts ───────────────────────

  topLevelMessages(channelId: string): SlackMessage[] {
    return this.messageStore.topLevelMessages(channelId);
  }

  threadReplies(channelId: string, ts: string): SlackMessage[] {
    return this.messageStore.threadReplies(channelId, ts);
  }

  message(channelId: string, ts: string): SlackMessage | undefined {
    return this.messageStore.message(channelId, ts);
  }

  postBotMessage(channelReference: string, content: MessageContent & { threadTs?: string; replyBroadcast?: boolean }): ApiAnswer {
    return this.messageStore.postBotMessage(channelReference, content);
  }

  postUserMessage(userId: string, channelReference: string, text: string, threadTs?: string): ApiAnswer {
    return this.messageStore.postUserMessage(userId, channelReference, text, threadTs);
  }

  updateMessage(channelId: string, ts: string, content: MessageContent): ApiAnswer {
    return this.messageStore.updateMessage(channelId, ts, content);
  }

  deleteMessage(channelId: string, ts: string, asBot: boolean): ApiAnswer {
    return this.messageStore.deleteMessage(channelId, ts, asBot);
  }

  permalink(channelId: string, ts: string): ApiAnswer {
    return this.messageStore.permalink(channelId, ts);
  }

  history(channelId: string, limit: number, cursor: string | undefined): ApiAnswer {
    return this.messageStore.history(channelId, limit, cursor);
  }

  replies(channelId: string, ts: string, limit: number, cursor: string | undefined): ApiAnswer {
    return this.messageStore.replies(channelId, ts, limit, cursor);
  }

  // ── ephemerals: workspace/ephemerals.ts ───────────────────────────────

  postEphemeral(channelReference: string, userId: string, content: MessageContent & { threadTs?: string }, via: EphemeralVia): ApiAnswer {
    return this.ephemeralStore.postEphemeral(channelReference, userId, content, via);
  }

  ephemerals(userId: string): SlackEphemeral[] {
    return this.ephemeralStore.ephemerals(userId);
  }

  ephemeral(userId: string, ts: string): SlackEphemeral | undefined {
    return this.ephemeralStore.ephemeral(userId, ts);
  }

  // ── triggers, modals and App Home: workspace/triggers.ts, workspace/views.ts ──

  issueTrigger(userId: string): string {
    return this.triggers.issueTrigger(userId);
  }

  openView(triggerId: unknown, viewArgument: unknown): ApiAnswer {
    return this.viewStore.openView(triggerId, viewArgument);
  }

  pushView(triggerId: unknown, viewArgument: unknown): ApiAnswer {
    return this.viewStore.pushView(triggerId, viewArgument);
  }

  updateView(target: { viewId?: unknown; externalId?: unknown; hash?: unknown }, viewArgument: unknown): ApiAnswer {
    return this.viewStore.updateView(target, viewArgument);
  }

  publishHome(userId: unknown, viewArgument: unknown, hash: unknown): ApiAnswer {
    return this.viewStore.publishHome(userId, viewArgument, hash);
  }

  view(viewId: string): SlackView | undefined {
    return this.viewStore.view(viewId);
  }

  views(filter: { userId?: string; openOnly: boolean; type?: 'modal' | 'home' }): SlackView[] {
    return this.viewStore.views(filter);
  }

  homeView(userId: string): SlackView | undefined {
    return this.viewStore.homeView(userId);
  }

  recordViewState(viewId: string, values: ViewStateValues): void {
    this.viewStore.recordViewState(viewId, values);
  }

  applyViewSubmissionAck(viewId: string, status: number, ack: unknown): void {
    this.viewStore.applyViewSubmissionAck(viewId, status, ack);
  }

  // ── response URLs: workspace/responseUrls.ts ──────────────────────────

  issueResponseUrl(userId: string, channel: string, source?: ResponseSource): string {
    return this.responseUrls.issueResponseUrl(userId, channel, source);
  }

  postToResponseUrl(id: string, body: unknown): { status: number; answer: ApiAnswer } {
    return this.responseUrls.postToResponseUrl(id, body);
  }
}
