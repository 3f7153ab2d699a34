/**
 * Plays Slack's platform towards the app: slash commands, block actions, view submissions and
 * message events, with triggers and response URLs the emulator honours. Two transports, the same calls and the
 * same answers, so a scenario is written once:
 * - HTTP (default): each request signed with the v0 scheme and POSTed to the app's request URL; the answer is
 *   the HTTP response.
 * - Socket Mode: each request sent as an envelope over the app's WebSocket (see socketMode.ts); the answer is the
 *   ack (status 200, the ack's payload as JSON body) or, after every redelivery went unacknowledged, status 408.
 */
import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { findElement } from './blocks.js';
import { randomToken, slackId } from './ids.js';
import { workspaceOf } from './server.js';
import { signSlackRequest } from './signature.js';
import type { SocketModeEnvelopeType, SocketModeServer } from './socketMode.js';
import type {
  DriverResponse,
  FunctionExecutionInput,
  MessageButtonClick,
  OptionsSuggestion,
  RawRequest,
  SlackDriver,
  SlackEmulator,
  SlashCommandInput,
  SuggestedOption,
  UserMessageInput,
  ViewButtonClick,
  ViewSubmission,
} from './types.js';
import type { SlackWorkspace } from './workspace.js';
import { messagePayload } from './workspace/messages.js';
import { viewPayload } from './workspace/views.js';

interface CommonDriverOptions {
  emulator: SlackEmulator;
  /** The deprecated verification token Slack still puts in payloads. */
  verificationToken?: string;
  /** Default '/openai-key'. */
  defaultCommand?: string;
}

/** Signed HTTP requests to the app's request URL. */
export interface HttpDriverOptions extends CommonDriverOptions {
  mode?: 'http';
  /** Where the app listens, e.g. http://127.0.0.1:PORT/slack/events. */
  appUrl: string;
  signingSecret: string;
}

/** Envelopes over the Socket Mode connection(s) the app opened to the emulator (SLACK_APP_TOKEN = emulator.appToken). */
export interface SocketDriverOptions extends CommonDriverOptions {
  mode: 'socket';
}

export type SlackDriverOptions = HttpDriverOptions | SocketDriverOptions;

/** Status of a driver answer when the app acknowledged no attempt of a Socket Mode envelope. */
export const SOCKET_MODE_NO_ACK_STATUS = 408;

const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';
const TEAM_DOMAIN = 'emulated';

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function actionTs(): string {
  return (Date.now() / 1000).toFixed(6);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Slack's default `min_query_length` for external selects. */
const DEFAULT_MIN_QUERY_LENGTH = 3;
/** Slack's limits on an options answer (https://docs.slack.dev/reference/block-kit/composition-objects/option-object). */
const OPTIONS_LIMITS = { options: 100, groups: 100, text: 75, value: 150, groupLabel: 75, millis: 3_000 } as const;

/**
 * The options an answer to a block_suggestion offers, and what Slack would refuse in it: a status other than 200,
 * an answer later than 3 s, a body that is not `{ options }` or `{ option_groups }`, more than 100 options (or
 * groups), an option without plain_text text up to 75 characters or a string value up to 150.
 */
function readOptionsAnswer(response: DriverResponse): { options: SuggestedOption[]; problems: string[] } {
  const problems: string[] = [];
  if (response.status !== 200) return { options: [], problems: [`status ${response.status}`] };
  if (response.ms > OPTIONS_LIMITS.millis) problems.push(`answered after ${Math.round(response.ms)} ms (Slack waits 3 s)`);
  const body = response.json;
  if (!isRecord(body)) return { options: [], problems: [...problems, 'the answer is not a JSON object with options'] };
  const options: SuggestedOption[] = [];
  const readList = (list: unknown, where: string) => {
    if (!Array.isArray(list)) return void problems.push(`${where} is not an array`);
    if (list.length > OPTIONS_LIMITS.options) problems.push(`${where} has ${list.length} options (at most ${OPTIONS_LIMITS.options})`);
    list.forEach((option: unknown, i) => {
      const text = isRecord(option) && isRecord(option.text) ? option.text : null;
      const value = isRecord(option) ? option.value : undefined;
      if (!text || text.type !== 'plain_text' || typeof text.text !== 'string' || text.text === '') return void problems.push(`${where}[${i}].text must be non-empty plain_text`);
      if (text.text.length > OPTIONS_LIMITS.text) problems.push(`${where}[${i}].text has ${text.text.length} characters (at most ${OPTIONS_LIMITS.text})`);
      if (typeof value !== 'string' || value === '') return void problems.push(`${where}[${i}].value must be a non-empty string`);
      if (value.length > OPTIONS_LIMITS.value) problems.push(`${where}[${i}].value has ${value.length} characters (at most ${OPTIONS_LIMITS.value})`);
      options.push({ text: text.text, value });
    });
  };
  if (body.options !== undefined) readList(body.options, 'options');
  else if (Array.isArray(body.option_groups)) {
    if (body.option_groups.length > OPTIONS_LIMITS.groups) problems.push(`option_groups has ${body.option_groups.length} groups (at most ${OPTIONS_LIMITS.groups})`);
    body.option_groups.forEach((group: unknown, i) => {
      const label = isRecord(group) && isRecord(group.label) ? group.label.text : undefined;
      if (typeof label !== 'string' || label === '' || label.length > OPTIONS_LIMITS.groupLabel) problems.push(`option_groups[${i}].label must be plain_text of 1 to ${OPTIONS_LIMITS.groupLabel} characters`);
      readList(isRecord(group) ? group.options : undefined, `option_groups[${i}].options`);
    });
  } else problems.push('the answer has neither options nor option_groups');
  return { options, problems };
}

class PlatformDriver implements SlackDriver {
  private readonly workspace: SlackWorkspace;
  private readonly verificationToken: string;
  private readonly defaultCommand: string;
  private readonly sentEvents = new Map<string, string>();
  /** set in Socket Mode: where envelopes go */
  private readonly socket: SocketModeServer | null;
  private readonly http: HttpDriverOptions | null;

  constructor(options: SlackDriverOptions) {
    this.workspace = workspaceOf(options.emulator);
    this.socket = options.mode === 'socket' ? options.emulator.socketMode : null;
    this.http = options.mode === 'socket' ? null : options;
    this.verificationToken = options.verificationToken ?? 'emulator-verification-token';
    this.defaultCommand = options.defaultCommand ?? '/openai-key';
  }

  async slashCommand(a: SlashCommandInput): Promise<DriverResponse & { responseUrl: string; triggerId: string }> {
    const ws = this.workspace;
    const userName = this.requireUser(a.userId);
    const channelId = a.channelId === undefined ? ws.imChannelOf(a.userId) : this.requireChannel(a.channelId);
    const triggerId = ws.issueTrigger(a.userId);
    const responseUrl = ws.issueResponseUrl(a.userId, channelId);
    const form = new URLSearchParams({
      token: this.verificationToken,
      team_id: ws.teamId,
      team_domain: TEAM_DOMAIN,
      channel_id: channelId,
      channel_name: ws.channelName(channelId) ?? '',
      user_id: a.userId,
      user_name: userName,
      command: a.command ?? this.defaultCommand,
      text: a.text,
      api_app_id: ws.appId,
      is_enterprise_install: 'false',
      response_url: responseUrl,
      trigger_id: triggerId,
    });
    const response = this.socket
      ? await this.sendEnvelope('slash_commands', Object.fromEntries(form))
      : await this.sendSigned(form.toString(), FORM);
    this.showCommandAck(a.userId, channelId, response);
    return { ...response, responseUrl, triggerId };
  }

  /** Slack shows a slash command's acknowledgement body to the user (or the channel, for in_channel). */
  private showCommandAck(userId: string, channelId: string, response: DriverResponse): void {
    if (response.status !== 200 || response.body.trim() === '') return;
    if (isRecord(response.json)) {
      const content = { text: response.json.text, blocks: response.json.blocks };
      if (response.json.response_type === 'in_channel') this.workspace.postBotMessage(channelId, content);
      else this.workspace.postEphemeral(channelId, userId, content, 'command_ack');
      return;
    }
    this.workspace.postEphemeral(channelId, userId, { text: response.body }, 'command_ack');
  }

  async clickButton(
    a: MessageButtonClick | ViewButtonClick,
  ): Promise<DriverResponse & { triggerId: string; responseUrl?: string }> {
    return 'viewId' in a ? this.clickInView(a) : this.clickInMessage(a);
  }

  private async clickInMessage(a: MessageButtonClick): Promise<DriverResponse & { triggerId: string; responseUrl: string }> {
    const ws = this.workspace;
    this.requireUser(a.userId);
    const channelId = this.requireChannel(a.channel);
    const stored = ws.message(channelId, a.messageTs);
    const ephemeral = stored ? undefined : ws.ephemeral(a.userId, a.messageTs);
    if (!stored && !ephemeral) {
      throw new Error(`Slack driver: no message ${a.messageTs} in ${channelId}, nor an ephemeral one for ${a.userId}`);
    }
    const action = this.actionFor(stored?.blocks ?? ephemeral?.blocks, a);
    const triggerId = ws.issueTrigger(a.userId);
    const responseUrl = ws.issueResponseUrl(
      a.userId,
      channelId,
      stored ? { kind: 'message', channel: channelId, ts: a.messageTs } : { kind: 'ephemeral', userId: a.userId, ts: a.messageTs },
    );
    const threadTs = stored?.thread_ts !== undefined && stored.thread_ts !== stored.ts ? stored.thread_ts : undefined;
    const payload = {
      type: 'block_actions',
      user: this.userObject(a.userId),
      api_app_id: ws.appId,
      token: this.verificationToken,
      container: {
        type: 'message',
        message_ts: a.messageTs,
        channel_id: channelId,
        is_ephemeral: !stored,
        ...(threadTs ? { thread_ts: threadTs } : {}),
      },
      trigger_id: triggerId,
      team: { id: ws.teamId, domain: TEAM_DOMAIN },
      enterprise: null,
      is_enterprise_install: false,
      channel: { id: channelId, name: ws.channelName(channelId) ?? '' },
      ...(stored ? { message: messagePayload(stored) } : {}),
      state: { values: {} },
      response_url: responseUrl,
      actions: [action],
    };
    const response = await this.sendPayload(payload);
    return { ...response, triggerId, responseUrl };
  }

  private async clickInView(a: ViewButtonClick): Promise<DriverResponse & { triggerId: string }> {
    const ws = this.workspace;
    this.requireUser(a.userId);
    const view = ws.view(a.viewId);
    if (!view || view.closedAt !== undefined || view.userId !== a.userId) {
      throw new Error(`Slack driver: view ${a.viewId} is not open for ${a.userId}`);
    }
    const action = this.actionFor(view.blocks, a);
    const triggerId = ws.issueTrigger(a.userId);
    const payload = {
      type: 'block_actions',
      user: this.userObject(a.userId),
      api_app_id: ws.appId,
      token: this.verificationToken,
      container: { type: 'view', view_id: view.id },
      trigger_id: triggerId,
      team: { id: ws.teamId, domain: TEAM_DOMAIN },
      enterprise: null,
      is_enterprise_install: false,
      view: viewPayload(view),
      actions: [action],
    };
    const response = await this.sendPayload(payload);
    return { ...response, triggerId };
  }

  /**
   * The action Slack reports for a click on a rendered element. An element that is no longer
   * rendered can still be clicked (a stale client) when the caller names both its block and value.
   */
  private actionFor(blocks: unknown[] | undefined, a: { actionId: string; blockId?: string; value?: string }): Record<string, unknown> {
    const found = findElement(blocks, a.actionId, a.blockId);
    if (!found) {
      if (a.blockId !== undefined && a.value !== undefined) {
        return { type: 'button', action_id: a.actionId, block_id: a.blockId, value: a.value, action_ts: actionTs() };
      }
      throw new Error(
        `Slack driver: no element with action_id ${a.actionId} is rendered; pass blockId and value to click a stale one`,
      );
    }
    const { element, blockId } = found;
    const value = a.value ?? (typeof element.value === 'string' ? element.value : undefined);
    return {
      type: typeof element.type === 'string' ? element.type : 'button',
      action_id: a.actionId,
      block_id: blockId,
      ...(element.text !== undefined ? { text: structuredClone(element.text) } : {}),
      ...(value !== undefined ? { value } : {}),
      ...(typeof element.style === 'string' ? { style: element.style } : {}),
      action_ts: actionTs(),
    };
  }

  async submitView(a: ViewSubmission): Promise<DriverResponse & { triggerId: string }> {
    const ws = this.workspace;
    this.requireUser(a.userId);
    const open = ws.view(a.viewId);
    if (!open || open.type !== 'modal' || open.closedAt !== undefined || open.userId !== a.userId) {
      throw new Error(`Slack driver: modal ${a.viewId} is not open for ${a.userId}`);
    }
    ws.recordViewState(a.viewId, a.values);
    const view = ws.view(a.viewId) ?? open;
    const triggerId = ws.issueTrigger(a.userId);
    const payload = {
      type: 'view_submission',
      team: { id: ws.teamId, domain: TEAM_DOMAIN },
      user: this.userObject(a.userId),
      api_app_id: ws.appId,
      token: this.verificationToken,
      trigger_id: triggerId,
      view: viewPayload(view),
      response_urls: [],
      is_enterprise_install: false,
      enterprise: null,
    };
    const response = await this.sendPayload(payload);
    ws.applyViewSubmissionAck(a.viewId, response.status, response.json);
    return { ...response, triggerId };
  }

  async postMessage(a: UserMessageInput): Promise<DriverResponse & { ts: string; eventId: string }> {
    const ws = this.workspace;
    const posted = ws.postUserMessage(a.userId, a.channel, a.text, a.threadTs);
    if (!posted.ok) throw new Error(`Slack driver: cannot post as ${a.userId} in ${a.channel}: ${posted.error}`);
    const channelId = posted.channel as string;
    const ts = posted.ts as string;
    const stored = ws.message(channelId, ts);
    const threadTs = stored?.thread_ts;
    const parent = threadTs ? ws.message(channelId, threadTs) : undefined;
    const envelope = this.eventCallback({
        type: 'message',
        user: a.userId,
        text: a.text,
        ts,
        team: ws.teamId,
        channel: channelId,
        event_ts: ts,
        channel_type: ws.channelType(channelId),
        client_msg_id: randomUUID(),
        ...(threadTs ? { thread_ts: threadTs } : {}),
        ...(parent ? { parent_user_id: parent.user } : {}),
        // "Also send to channel": Slack marks the reply as a broadcast and carries its thread's root
        ...(a.alsoSendToChannel && threadTs && parent
          ? { subtype: 'thread_broadcast', root: { type: 'message', user: parent.user, text: parent.text, ts: parent.ts, thread_ts: threadTs } }
          : {}),
    });
    const response = await this.deliverEvent(envelope, a.retryNum, a.retryReason);
    return { ...response, ts, eventId: envelope.event_id };
  }

  /** An Events API `event_callback` envelope around `event`, with a new event id, as Slack wraps every event. */
  private eventCallback(event: Record<string, unknown>) {
    const ws = this.workspace;
    return {
      token: this.verificationToken,
      team_id: ws.teamId,
      api_app_id: ws.appId,
      event,
      type: 'event_callback',
      event_id: slackId('Ev', 10),
      event_time: Math.floor(ws.now() / 1000),
      authorizations: [{ enterprise_id: null, team_id: ws.teamId, user_id: ws.botUserId, is_bot: true, is_enterprise_install: false }],
      is_ext_shared_channel: false,
      event_context: `4-${randomToken(24)}`,
    };
  }

  /**
   * Sends an event envelope in this driver's mode and remembers it for redelivery: over HTTP signed, with Slack's
   * retry headers when `retryNum` is given; in Socket Mode as an `events_api` envelope with the retry fields.
   */
  private async deliverEvent(envelope: { event_id: string }, retryNum?: number, retryReason?: string): Promise<DriverResponse> {
    const body = JSON.stringify(envelope);
    this.sentEvents.set(envelope.event_id, body);
    if (this.socket) return this.sendEnvelope('events_api', envelope, retryNum, retryReason);
    const retryHeaders: Record<string, string> =
      retryNum !== undefined ? { 'X-Slack-Retry-Num': String(retryNum), 'X-Slack-Retry-Reason': retryReason ?? 'http_timeout' } : {};
    return this.sendSigned(body, JSON_TYPE, retryHeaders);
  }

  async redeliverEvent(a: { eventId: string; retryNum: number; retryReason?: string }): Promise<DriverResponse> {
    const body = this.sentEvents.get(a.eventId);
    if (body === undefined) throw new Error(`Slack driver: event ${a.eventId} was never sent by this driver`);
    if (this.socket) return this.sendEnvelope('events_api', JSON.parse(body), a.retryNum, a.retryReason ?? 'timeout');
    return this.sendSigned(body, JSON_TYPE, {
      'X-Slack-Retry-Num': String(a.retryNum),
      'X-Slack-Retry-Reason': a.retryReason ?? 'http_timeout',
    });
  }

  /**
   * Delivers an event this driver sent before once more, as Slack sometimes does minutes later: a new `event_id`
   * and `event_context`, and no retry header (so it does not look like a retry). Returns the new event id.
   */
  async redeliverAsNewEvent(eventId: string): Promise<DriverResponse & { eventId: string }> {
    const body = this.sentEvents.get(eventId);
    if (body === undefined) throw new Error(`Slack driver: event ${eventId} was never sent by this driver`);
    const copy = this.eventCallback((JSON.parse(body) as { event: Record<string, unknown> }).event);
    return { ...(await this.deliverEvent(copy)), eventId: copy.event_id };
  }

  async executeFunction(a: FunctionExecutionInput): Promise<DriverResponse & { eventId: string; executionId: string; botToken: string }> {
    const ws = this.workspace;
    const { execution, event } = ws.functions.start(a.callbackId, a.inputs);
    const envelope = this.eventCallback(event as unknown as Record<string, unknown>);
    const response = await this.deliverEvent(envelope);
    return { ...response, eventId: envelope.event_id, executionId: execution.id, botToken: execution.botToken };
  }

  async suggestOptions(a: OptionsSuggestion): Promise<DriverResponse & { options: SuggestedOption[]; problems: string[] }> {
    const ws = this.workspace;
    this.requireUser(a.userId);
    const view = ws.view(a.viewId);
    if (!view || view.closedAt !== undefined || view.userId !== a.userId) {
      throw new Error(`Slack driver: view ${a.viewId} is not open for ${a.userId}`);
    }
    const found = findElement(view.blocks, a.actionId, a.blockId);
    if (!found || (found.element.type !== 'external_select' && found.element.type !== 'multi_external_select')) {
      throw new Error(`Slack driver: no external select with action_id ${a.actionId} is rendered in view ${a.viewId}`);
    }
    const minQueryLength = typeof found.element.min_query_length === 'number' ? found.element.min_query_length : DEFAULT_MIN_QUERY_LENGTH;
    if ([...a.value].length < minQueryLength) {
      throw new Error(`Slack driver: Slack asks for options only once ${minQueryLength} characters are typed (min_query_length); "${a.value}" is shorter`);
    }
    const payload = {
      type: 'block_suggestion',
      user: this.userObject(a.userId),
      container: { type: 'view', view_id: view.id },
      api_app_id: ws.appId,
      token: this.verificationToken,
      action_id: a.actionId,
      block_id: found.blockId,
      value: a.value,
      team: { id: ws.teamId, domain: TEAM_DOMAIN },
      enterprise: null,
      is_enterprise_install: false,
      view: viewPayload(view),
    };
    const response = await this.sendPayload(payload);
    const read = readOptionsAnswer(response);
    return { ...response, options: read.problems.length === 0 ? read.options : [], problems: read.problems };
  }

  sendRaw(a: RawRequest): Promise<DriverResponse> {
    if (this.socket) throw new Error('Slack driver: sendRaw sends signed HTTP bytes; Socket Mode has no request URL or signature');
    return this.sendSigned(a.body, a.contentType ?? JSON_TYPE, a.headers ?? {}, a.timestamp, a.signature);
  }

  private sendPayload(payload: unknown): Promise<DriverResponse> {
    if (this.socket) return this.sendEnvelope('interactive', payload);
    return this.sendSigned(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), FORM);
  }

  /** Socket Mode: the envelope's ack as an HTTP-like answer (200 and the payload as JSON; 408 when never acked). */
  private async sendEnvelope(type: SocketModeEnvelopeType, payload: unknown, retryAttempt?: number, retryReason?: string): Promise<DriverResponse> {
    const socket = this.socket as SocketModeServer;
    const delivery = await socket.deliver(type, payload, {
      ...(retryAttempt !== undefined ? { retryAttempt, retryReason: retryReason ?? 'timeout' } : {}),
    });
    if (!delivery.acked) return { status: SOCKET_MODE_NO_ACK_STATUS, body: '', ms: delivery.ms };
    if (delivery.payload === undefined) return { status: 200, body: '', ms: delivery.ms };
    return { status: 200, body: JSON.stringify(delivery.payload), json: delivery.payload, ms: delivery.ms };
  }

  private sendSigned(
    body: string,
    contentType: string,
    extraHeaders: Record<string, string> = {},
    timestamp?: number,
    signature?: string,
  ): Promise<DriverResponse> {
    const http = this.http as HttpDriverOptions;
    const ts = timestamp ?? nowSeconds();
    const headers: Record<string, string> = {
      'Content-Type': contentType,
      'Content-Length': String(Buffer.byteLength(body)),
      'User-Agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
      'X-Slack-Request-Timestamp': String(ts),
      'X-Slack-Signature': signature ?? signSlackRequest(http.signingSecret, ts, body),
      ...extraHeaders,
    };
    return new Promise<DriverResponse>((resolve, reject) => {
      const started = performance.now();
      const req = request(http.appUrl, { method: 'POST', headers, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const ms = performance.now() - started;
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          if (text.trim() !== '') {
            try {
              json = JSON.parse(text);
            } catch {
              json = undefined;
            }
          }
          resolve({ status: res.statusCode ?? 0, body: text, ...(json !== undefined ? { json } : {}), ms });
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  private requireUser(userId: string): string {
    const name = this.workspace.userName(userId);
    if (name === undefined) throw new Error(`Slack driver: unknown user ${userId}; add it to the emulator first`);
    return name;
  }

  private requireChannel(reference: string): string {
    const channelId = this.workspace.resolveChannel(reference);
    if (!channelId) throw new Error(`Slack driver: unknown channel ${reference}`);
    return channelId;
  }

  private userObject(userId: string): Record<string, unknown> {
    const name = this.workspace.userName(userId) ?? userId;
    return { id: userId, username: name, name, team_id: this.workspace.teamId };
  }
}

/**
 * A driver acting as Slack's platform towards the app, over HTTP (`{ appUrl, signingSecret }`) or Socket Mode
 * (`{ mode: 'socket' }`: the app must be connected with SLACK_APP_TOKEN = emulator.appToken). Throws on a call
 * naming an unknown user, channel, message or view.
 */
export function createSlackDriver(options: SlackDriverOptions): SlackDriver {
  return new PlatformDriver(options);
}
