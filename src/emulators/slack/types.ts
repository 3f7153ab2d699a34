/** Public shapes of the Slack emulator and its platform driver. */
import type { SlackFunctionDefinition, SlackFunctions } from './functions.js';
import type { SocketModeOptions, SocketModeServer } from './socketMode.js';
import type { ChannelRateLimit, PacingReport } from './channelPacing.js';

export interface SlackUserSeed {
  id: string;
  name: string;
  realName?: string;
  isBot?: boolean;
}

export interface SlackUsergroupSeed {
  /** An S... id. */
  id: string;
  handle: string;
  users: string[];
}

export interface SlackChannelSeed {
  id: string;
  name: string;
  /** Default true. */
  botIsMember?: boolean;
  isPrivate?: boolean;
  /** Human members; omitted means every known user is a member. */
  members?: string[];
}

export interface SlackEmulatorOptions {
  host?: string;
  port?: number;
  /** Default 'xoxb-emulator'. */
  botToken?: string;
  botUserId?: string;
  teamId?: string;
  users?: SlackUserSeed[];
  usergroups?: SlackUsergroupSeed[];
  channels?: SlackChannelSeed[];
  /** Clock in ms, for message ts, response_url expiry and trigger expiry. Default Date.now. */
  now?: () => number;
  /** Socket Mode's app-level token, ack timeout and retries (Socket Mode is always available). */
  socketMode?: SocketModeOptions;
  /** Workflow Builder custom steps the app declares (its manifest's `functions`, see functionDefinitionsOf). */
  functions?: SlackFunctionDefinition[];
  /** Slack's "1 message per second per channel, short bursts allowed": 429 with Retry-After beyond it (channelPacing.ts). Off by default. */
  channelRateLimit?: ChannelRateLimit;
}

export interface SlackCall {
  method: string;
  /** The parsed form or JSON body (token removed); blocks, view, attachments and metadata JSON-parsed. */
  args: Record<string, unknown>;
  ok: boolean;
  error?: string;
  status: number;
  at: number;
}

export interface SlackMessage {
  type: 'message';
  /** tombstone: a deleted parent whose thread lives on, as Slack keeps it */
  subtype?: 'thread_broadcast' | 'tombstone';
  hidden?: boolean;
  channel: string;
  ts: string;
  user: string;
  bot_id?: string;
  app_id?: string;
  team: string;
  text: string;
  blocks?: unknown[];
  attachments?: unknown[];
  metadata?: unknown;
  /** On replies: the parent's ts. On a parent with replies: its own ts. */
  thread_ts?: string;
  reply_count?: number;
  reply_users?: string[];
  latest_reply?: string;
  edited?: { user: string; ts: string };
}

export type EphemeralVia = 'chat.postEphemeral' | 'response_url' | 'command_ack';

export interface SlackEphemeral {
  channel: string;
  userId: string;
  ts: string;
  text?: string;
  blocks?: unknown[];
  threadTs?: string;
  at: number;
  via: EphemeralVia;
}

export interface ViewInputValue {
  type: string;
  value?: string | null;
  selected_option?: { value: string; text?: unknown } | null;
  [field: string]: unknown;
}
export type ViewStateValues = Record<string, Record<string, ViewInputValue>>;

export interface SlackView {
  id: string;
  team_id: string;
  type: 'modal' | 'home';
  callback_id: string;
  private_metadata: string;
  external_id: string;
  title?: unknown;
  submit?: unknown;
  close?: unknown;
  blocks: unknown[];
  state: { values: ViewStateValues };
  hash: string;
  root_view_id: string;
  previous_view_id: string | null;
  app_id: string;
  bot_id: string;
  notify_on_close: boolean;
  clear_on_close: boolean;
  /** Emulator bookkeeping below: who sees the view, how it was opened, and its life. */
  userId: string;
  triggerId?: string;
  openedAt: number;
  updatedAt: number;
  closedAt?: number;
  /** The `errors` of the last `response_action: 'errors'` acknowledgement. */
  errors?: Record<string, string>;
}

export interface ResponseUrlPost {
  url: string;
  body: unknown;
  status: number;
  at: number;
}

export interface SlackFault {
  status?: number;
  error?: string;
  /** seconds in the 429's Retry-After header (default 1); null: a 429 with no Retry-After, as Slack sometimes sends */
  retryAfterSeconds?: number | null;
  /** Default 1. */
  times?: number;
  delayMs?: number;
}

export interface SlackChange {
  kind:
    | 'api.call'
    | 'message.posted'
    | 'message.updated'
    | 'message.deleted'
    | 'ephemeral.posted'
    | 'ephemeral.updated'
    | 'ephemeral.deleted'
    | 'view.opened'
    | 'view.pushed'
    | 'view.updated'
    | 'view.closed'
    | 'home.published'
    | 'response_url.posted'
    | 'user.added'
    | 'usergroup.added'
    | 'channel.added'
    | 'channel.membership';
  channel?: string;
  ts?: string;
  userId?: string;
  viewId?: string;
  method?: string;
}

export interface SlackEmulator {
  /** What the per-channel rate limit let through and refused; null when `channelRateLimit` is off. */
  pacingReport(): PacingReport | null;
  /** 'http://127.0.0.1:PORT/api/', WebClient's slackApiUrl. */
  readonly apiUrl: string;
  /** 'http://127.0.0.1:PORT'. */
  readonly baseUrl: string;
  readonly botToken: string;
  /** The app-level token (xapp-…) apps.connections.open accepts: SLACK_APP_TOKEN for Socket Mode. */
  readonly appToken: string;
  /** Socket Mode: connections, envelopes sent and acks received, disconnects, lost acks. */
  readonly socketMode: SocketModeServer;
  /** Workflow Builder custom steps: declared definitions, executions and how each was completed. */
  readonly functions: SlackFunctions;
  readonly botUserId: string;
  readonly botId: string;
  readonly appId: string;
  readonly teamId: string;
  /** Every Web API call, in arrival order (a copy). */
  readonly calls: SlackCall[];
  callsTo(method: string): SlackCall[];
  /** Top-level messages (and thread broadcasts) in order, reflecting edits and deletions. */
  messages(channel: string): SlackMessage[];
  /** The replies of a thread, without its parent. */
  thread(channel: string, ts: string): SlackMessage[];
  message(channel: string, ts: string): SlackMessage | undefined;
  /** The D... channel conversations.open gives for that user. */
  dmChannelOf(userId: string): string;
  ephemerals(userId: string): SlackEphemeral[];
  /** Modals currently open (opened, updated or pushed, not yet closed), optionally for one user. */
  openViews(userId?: string): SlackView[];
  /** Every modal and home view ever shown, closed ones included. */
  views(userId?: string): SlackView[];
  view(viewId: string): SlackView | undefined;
  homeView(userId: string): SlackView | undefined;
  readonly responseUrlPosts: ResponseUrlPost[];
  /** Make the next `times` calls to `method` fail or stall. 'response_url' targets response_url posts. */
  inject(method: string, fault: SlackFault): void;
  clearFaults(): void;
  addUser(user: SlackUserSeed): void;
  addUsergroup(usergroup: SlackUsergroupSeed): void;
  addChannel(channel: SlackChannelSeed): void;
  setBotMembership(channelId: string, isMember: boolean): void;
  /** Polls every 10 ms until probe returns something truthy; rejects after timeoutMs (default 5000). */
  waitFor<T>(probe: () => T | undefined | null | false, timeoutMs?: number): Promise<T>;
  onChange(listener: (change: SlackChange) => void): () => void;
  close(): Promise<void>;
}

export interface DriverResponse {
  status: number;
  body: string;
  json?: unknown;
  /** From sending the request to receiving the whole response. */
  ms: number;
}

export interface SlashCommandInput {
  userId: string;
  text: string;
  /** Default: the user's DM with the app. */
  channelId?: string;
  /** Default '/openai-key'. */
  command?: string;
}

export interface MessageButtonClick {
  userId: string;
  actionId: string;
  value?: string;
  blockId?: string;
  channel: string;
  messageTs: string;
}

export interface ViewButtonClick {
  userId: string;
  actionId: string;
  value?: string;
  blockId?: string;
  viewId: string;
}

/** Someone typing into an external select in an open view: Slack asks the app for options (a block_suggestion). */
export interface OptionsSuggestion {
  userId: string;
  viewId: string;
  actionId: string;
  blockId?: string;
  /** what was typed so far */
  value: string;
}

/** One option as a Slack menu shows it. */
export interface SuggestedOption {
  text: string;
  value: string;
}

export interface ViewSubmission {
  userId: string;
  viewId: string;
  values: ViewStateValues;
}

export interface UserMessageInput {
  userId: string;
  /** A channel id, or a user id for that user's DM with the app. */
  channel: string;
  text: string;
  threadTs?: string;
  /** a thread reply sent with "Also send to channel": Slack delivers it with `subtype: 'thread_broadcast'` */
  alsoSendToChannel?: boolean;
  retryNum?: number;
  /** Default 'http_timeout' when retryNum is given. */
  retryReason?: string;
}

export interface RawRequest {
  body: string;
  /** Default 'application/json'. */
  contentType?: string;
  /** Unix seconds; default now. */
  timestamp?: number;
  /** Default: the valid v0 signature of body at timestamp. */
  signature?: string;
  headers?: Record<string, string>;
}

export interface FunctionExecutionInput {
  /** the step's callback_id, declared in the emulator (options.functions or emulator.functions.define) */
  callbackId: string;
  /** the values Workflow Builder maps into the step's input parameters */
  inputs: Record<string, unknown>;
}

export interface SlackDriver {
  slashCommand(a: SlashCommandInput): Promise<DriverResponse & { responseUrl: string; triggerId: string }>;
  clickButton(a: MessageButtonClick | ViewButtonClick): Promise<DriverResponse & { triggerId: string; responseUrl?: string }>;
  submitView(a: ViewSubmission): Promise<DriverResponse & { triggerId: string }>;
  postMessage(a: UserMessageInput): Promise<DriverResponse & { ts: string; eventId: string }>;
  /** Sends an event envelope this driver sent before again, as Slack's retries do. */
  redeliverEvent(a: { eventId: string; retryNum: number; retryReason?: string }): Promise<DriverResponse>;
  /** the same event again under a new event_id and no retry header, as Slack sometimes redelivers minutes later */
  redeliverAsNewEvent(eventId: string): Promise<DriverResponse & { eventId: string }>;
  sendRaw(a: RawRequest): Promise<DriverResponse>;
  /**
   * Types `value` into an external select of an open view: sends the block_suggestion and returns the options Slack
   * would show (option groups flattened), or none with the `problems` Slack would find in the answer (over 100
   * options, text over 75 characters, value over 150…). Throws when the element is not an external select, or when
   * `value` is shorter than its `min_query_length` (Slack sends nothing until then; its default is 3).
   */
  suggestOptions(a: OptionsSuggestion): Promise<DriverResponse & { options: SuggestedOption[]; problems: string[] }>;
  /**
   * A workflow reaching a custom step: starts an execution (its `Fx…` id and `xwfp-…` bot token) and sends the
   * `function_executed` event. Redeliver it with redeliverEvent / redeliverAsNewEvent and the returned eventId.
   */
  executeFunction(a: FunctionExecutionInput): Promise<DriverResponse & { eventId: string; executionId: string; botToken: string }>;
}
