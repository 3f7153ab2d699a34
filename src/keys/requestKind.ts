/**
 * Key requests as a kind of request the approvals engine decides: how it reads in Slack, what its states are called,
 * and what follows approval (the `provision` job, queued once by id). main.ts registers it with the engine.
 */
import { REQUEST_STATES, type KeyRequest } from './domain/keyRequest.js';
import { threadEventSchema } from './domain/threadEvents.js';
import type { ThreadEvent } from './domain/threadEvents.js';
import type { RequestKind } from '../approvals/index.js';
import type { JobQueues } from '../platform/queues/queues.js';
import { jobId } from '../platform/queues/registry.js';
import { renderKeyDmAfterReveal, renderRequestMessage, renderRequesterDm } from './render/index.js';
import { keyStateInWords } from './render/stateWords.js';
import { renderThreadNote } from './render/thread.js';
import type { KeyRequestStore } from './keyRequestStore.js';

/**
 * Key requests: approved → the `provision` job creates the service account and its key. The "Reveal key" DM (told
 * with `key_created`) follows the request: where it was posted is kept, and it is updated once the key was revealed
 * or ended, so it no longer offers a button to a key that is gone. A new request joins its requester's list and the
 * reconciler's unsettled set in the same step as the engine stores it.
 */
export function keyRequestKind(deps: {
  readonly queues: Pick<JobQueues, 'add'>;
  /** names the lists a new request joins as the engine stores it (its requester's, the reconciler's) */
  readonly keyRequests: Pick<KeyRequestStore, 'indexesOnOpen'>;
}): RequestKind<KeyRequest, ThreadEvent> {
  return {
    name: 'key',
    states: REQUEST_STATES,
    auditPrefix: 'request',
    askAgainCommand: '`/openai-key request`',
    noun: 'OpenAI key request',
    events: threadEventSchema,
    stateInWords: keyStateInWords,
    renderMessage: (doc, opts) => renderRequestMessage(doc, opts),
    renderThreadNote: (_doc, event) => renderThreadNote(event),
    renderDm: (doc, event) => renderRequesterDm(doc, event),
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
    indexesOnOpen: (doc) => deps.keyRequests.indexesOnOpen(doc),
  };
}

