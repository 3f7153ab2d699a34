/**
 * Limit changes as a kind of request the approvals engine decides: how it reads in Slack, what its states are called,
 * and what follows approval (the `apply-limit-change` job, queued once by id). main.ts registers it with the engine.
 */
import { LIMIT_REQUEST_STATES, type LimitChangeRequest } from './domain/limitRequest.js';
import { limitChangeEventSchema } from './domain/limitChangeEvents.js';
import type { LimitChangeEvent } from './domain/limitChangeEvents.js';
import type { RequestKind } from '../approvals/index.js';
import type { JobQueues } from '../platform/queues/queues.js';
import { jobId } from '../platform/queues/registry.js';
import { limitChangeStateInWords, renderLimitChangeRequestMessage, renderLimitChangeThreadNote, renderLimitRequesterDm } from './render/index.js';

/** Limit changes: approved → the `apply-limit-change` job sets the cap at OpenAI and records the limits. */
export function limitChangeKind(deps: { readonly queues: Pick<JobQueues, 'add'> }): RequestKind<LimitChangeRequest, LimitChangeEvent> {
  return {
    name: 'limit',
    states: LIMIT_REQUEST_STATES,
    auditPrefix: 'limits',
    askAgainCommand: '`/openai-key limit`',
    noun: 'spend limit change request',
    events: limitChangeEventSchema,
    stateInWords: limitChangeStateInWords,
    renderMessage: (doc, opts) => renderLimitChangeRequestMessage(doc, opts),
    renderThreadNote: (doc, event) => renderLimitChangeThreadNote(event, doc),
    renderDm: (doc, event) => renderLimitRequesterDm(doc, event),
    autoApproveFacts: () => ({}),
    onApproved: async (doc) => {
      await deps.queues.add('openai', 'apply-limit-change', { requestId: doc.id }, { jobId: jobId('apply-limit', doc.id) });
    },
  };
}
