/**
 * The request kinds keywarden registers with the approvals engine today: key requests and limit changes. Each says
 * how its request reads in Slack, what its states are called, and what follows approval (a job, queued once by id).
 * Later kinds (extensions, rotations, scope changes, temporary raises) are added here the same way.
 */
import type { KeyRequest } from '../keys/domain/keyRequest.js';
import { REQUEST_STATES } from '../keys/domain/keyRequest.js';
import { LIMIT_REQUEST_STATES, type LimitChangeRequest } from '../limits/domain/limitRequest.js';
import type { LimitChangeEvent, ThreadEvent } from './domain/requestEvents.js';
import type { JobQueues } from '../platform/queues/queues.js';
import { jobId } from '../platform/queues/registry.js';
import { renderKeyDmAfterReveal, renderRequestMessage, renderRequesterDm, renderStateInWords, renderThreadNote } from '../keys/render/index.js';
import { limitChangeStateInWords, renderLimitChangeRequestMessage, renderLimitChangeThreadNote, renderLimitRequesterDm } from '../limits/render/index.js';
import type { RequestKind } from './engine.js';

const keyStateWords = (state: string): string =>
  (REQUEST_STATES as readonly string[]).includes(state) ? renderStateInWords(state as KeyRequest['state']) : state.replaceAll('_', ' ');

/**
 * Key requests: approved → the `provision` job creates the service account and its key. The "Reveal key" DM (told
 * with `key_created`) follows the request: where it was posted is kept, and it is updated once the key was revealed
 * or ended, so it no longer offers a button to a key that is gone.
 */
export function keyRequestKind(deps: { readonly queues: Pick<JobQueues, 'add'> }): RequestKind<KeyRequest> {
  return {
    name: 'key',
    states: REQUEST_STATES,
    auditPrefix: 'request',
    askAgainCommand: '`/openai-key request`',
    noun: 'OpenAI key request',
    stateInWords: keyStateWords,
    renderMessage: (doc, opts) => renderRequestMessage(doc, opts),
    renderThreadNote: (_doc, event) => renderThreadNote(event as ThreadEvent),
    renderDm: (doc, event) => renderRequesterDm(doc, event as ThreadEvent),
    autoApproveFacts: (doc) => ({ lifetimeDays: doc.lifetimeDays }),
    onApproved: async (doc) => {
      await deps.queues.add('openai', 'provision', { requestId: doc.id }, { jobId: jobId('provision', doc.id) });
    },
    dmPosted: (doc, event, place) =>
      event.kind === 'key_created' ? { patch: { keyDmChannel: place.channel, keyDmTs: place.ts }, then: { kind: 'delivered', to: doc.requesterId } } : null,
    followingDm: (doc) => {
      if (!doc.keyDmChannel || !doc.keyDmTs) return null;
      const message = renderKeyDmAfterReveal(doc);
      return message ? { channel: doc.keyDmChannel, ts: doc.keyDmTs, message } : null;
    },
  };
}

/** Limit changes: approved → the `apply-limit-change` job sets the cap at OpenAI and records the limits. */
export function limitChangeKind(deps: { readonly queues: Pick<JobQueues, 'add'> }): RequestKind<LimitChangeRequest> {
  return {
    name: 'limit',
    states: [...LIMIT_REQUEST_STATES, 'cancelled'],
    auditPrefix: 'limits',
    askAgainCommand: '`/openai-key limit`',
    noun: 'spend limit change request',
    stateInWords: limitChangeStateInWords,
    renderMessage: (doc, opts) => renderLimitChangeRequestMessage(doc, opts),
    renderThreadNote: (doc, event) => renderLimitChangeThreadNote(event as LimitChangeEvent, doc),
    renderDm: (doc, event) => renderLimitRequesterDm(doc, event as LimitChangeEvent),
    autoApproveFacts: () => ({}),
    onApproved: async (doc) => {
      await deps.queues.add('openai', 'apply-limit-change', { requestId: doc.id }, { jobId: jobId('apply-limit', doc.id) });
    },
  };
}
