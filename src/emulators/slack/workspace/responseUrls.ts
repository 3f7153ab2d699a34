/**
 * response_url accounting: the URLs an interaction or slash command gives the app for answering later, and what a
 * POST on one does (https://docs.slack.dev/interactivity/handling-user-interaction). Slack's rules kept here: a URL
 * works 5 times within 30 minutes (then 404 used_url / expired_url, and an unknown one is 404 invalid_url); a post
 * is an ephemeral for the person, or a channel message with `response_type: 'in_channel'`, in `thread_ts` when
 * given; `replace_original` and `delete_original` act on the message or ephemeral the URL came from. Only posts
 * that succeed count as uses.
 */
import { randomToken } from '../ids.js';
import { failure, isRecord, isTruthyFlag, type ApiAnswer } from './apiAnswer.js';
import type { WorkspaceContext } from './context.js';
import type { Ephemerals } from './ephemerals.js';
import type { MessageContent } from './messageContent.js';
import type { Messages } from './messages.js';

const RESPONSE_URL_LIFETIME_MS = 30 * 60_000;
const RESPONSE_URL_USES = 5;

/** The message or ephemeral a response_url came from, which replace_original and delete_original act on. */
export type ResponseSource = { kind: 'message'; channel: string; ts: string } | { kind: 'ephemeral'; userId: string; ts: string };

interface ResponseUrlRecord {
  userId: string;
  channel: string;
  source?: ResponseSource;
  issuedAt: number;
  uses: number;
}

export class ResponseUrls {
  private readonly responseUrls = new Map<string, ResponseUrlRecord>();

  constructor(
    private readonly context: Pick<WorkspaceContext, 'now' | 'baseUrl'>,
    private readonly messages: Pick<Messages, 'postBotMessage' | 'deleteMessage' | 'replaceOriginal'>,
    private readonly ephemerals: Pick<Ephemerals, 'postEphemeral' | 'deleteOriginal' | 'replaceOriginal'>,
  ) {}

  /** A new response_url ('<base>/response/<id>') for `userId` in `channel`, from `source` when there is one. */
  issueResponseUrl(userId: string, channel: string, source?: ResponseSource): string {
    const id = randomToken(12);
    this.responseUrls.set(id, { userId, channel, ...(source ? { source } : {}), issuedAt: this.context.now(), uses: 0 });
    return `${this.context.baseUrl}/response/${id}`;
  }

  /** Slack's answer to a POST on a response_url: 200 {ok:true}, or 4xx with the reason. */
  postToResponseUrl(id: string, body: unknown): { status: number; answer: ApiAnswer } {
    const record = this.responseUrls.get(id);
    if (!record) return { status: 404, answer: failure('invalid_url') };
    if (this.context.now() - record.issuedAt > RESPONSE_URL_LIFETIME_MS) return { status: 404, answer: failure('expired_url') };
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
      if (source.kind === 'message') return this.messages.deleteMessage(source.channel, source.ts, false);
      return this.ephemerals.deleteOriginal(source.userId, source.ts);
    }
    const content: MessageContent = { text: body.text, blocks: body.blocks, attachments: body.attachments };
    if (isTruthyFlag(body.replace_original) && source) {
      if (source.kind === 'message') return this.messages.replaceOriginal(source.channel, source.ts, content);
      return this.ephemerals.replaceOriginal(source.userId, source.ts, content);
    }
    const threadTs = typeof body.thread_ts === 'string' ? body.thread_ts : undefined;
    if (body.response_type === 'in_channel') {
      return this.messages.postBotMessage(record.channel, { ...content, ...(threadTs ? { threadTs } : {}) });
    }
    return this.ephemerals.postEphemeral(record.channel, record.userId, { ...content, ...(threadTs ? { threadTs } : {}) }, 'response_url');
  }
}
