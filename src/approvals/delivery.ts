/**
 * Getting a request in front of people: its message in the approval channel (posted once, then updated in place),
 * and what waits in its outbox (thread notes and DMs to the requester, in order, one delivery per request at a time).
 * Slack refusing a step for good (the bot is not in the channel, the user is gone) is logged and passed over; only the
 * engine changes a request (posted, unpostable, a DM kept so it can follow the request).
 */
import type { Logger } from 'pino';
import { slackRefusal, slackRefusalCode } from '../platform/queues/retry.js';
import type { JobSlack } from '../platform/queues/slackCalls.js';
import type { JobQueues } from '../platform/queues/queues.js';
import { jobId } from '../platform/queues/registry.js';
import { postOnce } from '../platform/slack/postOnce.js';
import type { ApprovalDocument } from './domain/document.js';
import type { ApprovalEngine, RequestEventLike } from './engine.js';
import type { RequestOutbox } from './outbox.js';
import { unpostableRequestText } from './render/unpostable.js';

/** The request message is not in Slack yet; the job retries with backoff until it is. */
export class NotPostedYet extends Error {}

/** What the delivery flows need; each takes a `Pick<>` of these. `slack` is the Slack of one job's attempt. */
export interface ApprovalDeliveryDeps {
  readonly approvals: Pick<
    ApprovalEngine,
    'document' | 'renderMessage' | 'renderThreadNote' | 'renderDm' | 'followingDm' | 'markPosted' | 'markUnpostable' | 'dmPosted'
  >;
  readonly outbox: Pick<RequestOutbox<RequestEventLike>, 'lock' | 'unlock' | 'next' | 'advance'>;
  readonly queues: Pick<JobQueues, 'add'>;
  readonly slack: JobSlack;
  /** the channel id where requests are posted for approvers */
  readonly approvalChannel: string;
  /** ms since epoch */
  readonly clock: () => number;
  readonly log: Pick<Logger, 'error'>;
}

/** How long one outbox delivery holds its request's lock (ms); a crashed worker's lock lapses after this. */
const OUTBOX_LOCK_MS = 60_000;

type FollowingDmDeps = Pick<ApprovalDeliveryDeps, 'approvals' | 'slack' | 'log'>;

/**
 * Brings the DM that follows the request (a key's "Reveal key" DM) up to date, so it no longer offers a button to a
 * key that is gone. Slack refusing the update for good is logged, not retried; any other Slack error is thrown.
 */
async function updateFollowingDm(deps: FollowingDmDeps, doc: ApprovalDocument): Promise<void> {
  const dm = deps.approvals.followingDm(doc);
  if (!dm) return;
  try {
    await deps.slack.update(dm.channel, dm.ts, dm.message);
  } catch (error) {
    const refusal = slackRefusal(error);
    if (!refusal) throw error;
    deps.log.error({ requestId: doc.id, reason: refusal }, 'the reveal DM could not be updated; skipped');
  }
}

/**
 * Slack will never take the request message (the bot is not in the approval channel, say): the request cannot be
 * decided, so the engine ends it now, and the requester is told why and what an admin must do, instead of waiting
 * unseen. `slackError` is Slack's error code (`slackRefusalCode`, e.g. `not_in_channel`).
 */
async function reportUnpostable(deps: Pick<ApprovalDeliveryDeps, 'approvals' | 'queues' | 'approvalChannel' | 'log'>, request: ApprovalDocument, slackError: string): Promise<void> {
  const reason = `Slack refused: ${slackError}`;
  deps.log.error({ requestId: request.id, channel: deps.approvalChannel, reason }, 'the request message cannot be posted in the approval channel');
  // Only an undecided request depends on its message (it expires); a decided one goes on, and its DMs still reach the requester.
  await deps.approvals.markUnpostable(request.id, reason);
  if (request.state !== 'pending') return;
  const text = unpostableRequestText(request.id, deps.approvalChannel, slackError);
  // A job of its own: paced and retried like any post, and queued once.
  await deps.queues.add('slack', 'post', { kind: 'dm', userId: request.requesterId, text }, { jobId: jobId('unpostable', request.id) });
}

/** What posting (or updating) a request message came to, as the job reports it. */
export type RequestMessageOutcome = 'request-gone' | 'no-message' | 'updated' | 'unpostable' | 'posted';

/**
 * Posts the request message in the approval channel (once, by name: `request.<id>`), or updates it in place when
 * `mode` is `update` or it is already posted; an update also brings the DM that follows the request up to date. A
 * decision or vote made before the message existed is shown by an update right after the post. Slack refusing the
 * post for good ends the request as unpostable and tells the requester (a `dm` job).
 * @throws NotPostedYet when an update is asked for before the message is posted (the job retries)
 */
export async function postRequestMessage(
  deps: Pick<ApprovalDeliveryDeps, 'approvals' | 'queues' | 'slack' | 'approvalChannel' | 'clock' | 'log'>,
  note: { readonly requestId: string; readonly mode: 'post' | 'update' },
): Promise<RequestMessageOutcome> {
  const { slack } = deps;
  const now = deps.clock();
  const request = await deps.approvals.document(note.requestId);
  if (!request) return 'request-gone';
  const message = deps.approvals.renderMessage(request, now);
  if (note.mode === 'update') await updateFollowingDm(deps, request);
  if (note.mode === 'update' || request.messageTs) {
    if (!request.messageTs || !request.channelId) {
      if (request.messageUnpostable) return 'no-message';
      throw new NotPostedYet('the request message is not posted yet');
    }
    await slack.update(request.channelId, request.messageTs, message);
    return 'updated';
  }
  let posted;
  try {
    posted = await postOnce(slack, `request.${request.id}`, { channel: deps.approvalChannel }, message);
  } catch (error) {
    const refusal = slackRefusalCode(error);
    if (!refusal) throw error;
    await reportUnpostable(deps, request, refusal);
    return 'unpostable';
  }
  const { channel, ts } = posted;
  // One thread index for every kind: a reply finds its request, and the engine decides it.
  const latest = await deps.approvals.markPosted(request.id, channel, ts);
  // A decision (or a vote) made before the message existed: bring the message up to date.
  if (latest && latest.version !== request.version + 1) await slack.update(channel, ts, deps.approvals.renderMessage(latest, now));
  return 'posted';
}

/** What an outbox delivery came to: `busy` when another delivery holds the request's lock (try again shortly). */
export type OutboxOutcome = 'busy' | 'request-gone' | `delivered ${number}`;

/**
 * Posts the request's waiting thread notes and DMs in order, each step once by name (`outbox.<id>.<cursor>`), and
 * advances the outbox's cursor after each. One delivery per request at a time: `owner` (the job's id) takes the
 * request's re-entrant lock, so a retry of the same job is not kept out by its own lock. A step Slack refuses for
 * good is logged and skipped.
 * @throws NotPostedYet when a thread note waits for a request message not yet posted (the job retries)
 */
export async function deliverOutbox(
  deps: Pick<ApprovalDeliveryDeps, 'approvals' | 'outbox' | 'slack' | 'log'>,
  requestId: string,
  owner: string,
): Promise<OutboxOutcome> {
  const { slack, outbox } = deps;
  if (!(await outbox.lock(requestId, owner, OUTBOX_LOCK_MS))) return 'busy';
  let delivered = 0;
  try {
    for (let next = await outbox.next(requestId); next; next = await outbox.next(requestId)) {
      const request = await deps.approvals.document(requestId);
      if (!request) return 'request-gone';
      const name = `outbox.${requestId}.${next.cursor}`;
      try {
        if (next.step === 'thread') {
          if (!request.messageTs || !request.channelId) {
            if (!request.messageUnpostable) throw new NotPostedYet('the request message is not posted yet');
          } else {
            const note = deps.approvals.renderThreadNote(request, next.event);
            if (note) await postOnce(slack, name, { channel: request.channelId, threadTs: request.messageTs }, note);
          }
        } else {
          const dm = deps.approvals.renderDm(request, next.event);
          if (dm) {
            const posted = await postOnce(slack, name, { channel: await slack.dmChannel(request.requesterId) }, dm);
            // Kept so the DM can follow the request; if the request moved on meanwhile, the DM follows now.
            const kept = await deps.approvals.dmPosted(requestId, next.event, { channel: posted.channel, ts: posted.ts });
            if (kept && kept.state !== request.state) await updateFollowingDm(deps, kept);
          }
        }
      } catch (error) {
        // Slack will never take this step (the user or channel is gone): say so in the log and go on with the rest.
        const refusal = slackRefusal(error);
        if (!refusal) throw error;
        deps.log.error({ requestId, step: next.step, cursor: next.cursor, reason: refusal }, 'a request notice could not be posted; skipped');
      }
      await outbox.advance(requestId);
      delivered += 1;
    }
  } finally {
    await outbox.unlock(requestId, owner);
  }
  return `delivered ${delivered}`;
}
