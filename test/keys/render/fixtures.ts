import { REQUEST_STATES, type DecisionRefusal, type KeyRequest, type RequestState } from '../../../src/keys/domain/keyRequest.js';
import { decisionRefusalInWords } from '../../../src/approvals/render/decisionRefusal.js';
import { keyRequestKind } from '../../../src/keys/requestKind.js';
import { KeyRequestStore } from '../../../src/keys/keyRequestStore.js';
import { redisKeys } from '../../../src/platform/redis/redis.js';

export const NOW = Date.UTC(2025, 10, 22, 10, 0, 0);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Looks like a real service-account key; no renderer but the reveal modal may ever print it. */
export const SAMPLE_KEY = `sk-svcacct-${'Q7vX2mPz'.repeat(18)}T3BlbkFJ${'aB9c'.repeat(12)}`;

/** Text a hostile or careless user might type: broadcasts, mentions, a disguised link, a raw ampersand. */
export const HOSTILE = '<!channel> ping <@U1> & <https://evil.example/x|click here> <!here> <#C999> a>b';

/** Every optional field set, in a state that would normally hold all of them. */
export const fullRequest = (overrides: Partial<KeyRequest> = {}): KeyRequest => ({
  id: 'req_01JD0000000000000000000000',
  kind: 'key',
  state: 'active',
  requesterId: 'U0REQUESTER',
  projectId: 'proj_abc123',
  projectName: 'Support summariser',
  purpose: 'Nightly summaries of the support inbox for the on-call team.',
  lifetimeDays: 30,
  createdAt: NOW - 2 * DAY,
  decideBy: NOW - 2 * DAY + 48 * HOUR,
  decidedBy: 'U0APPROVER',
  decidedAt: NOW - 2 * DAY + HOUR,
  denyReason: 'Use the shared staging key instead.',
  channelId: 'C0APPROVALS',
  messageTs: '1763800000.000100',
  serviceAccountId: 'svc_acct_123',
  keyId: 'key_abc',
  redactedKey: 'sk-svca…AbCd',
  keyCreatedAt: NOW - 2 * DAY + 2 * HOUR,
  keyExpiresAt: NOW + 28 * DAY,
  revealBy: NOW - 2 * DAY + 26 * HOUR,
  revealedAt: NOW - 2 * DAY + 3 * HOUR,
  revokedAt: NOW - HOUR,
  revokedBy: 'U0ADMIN',
  endedReason: 'Rotated after the incident review.',
  failure: 'OpenAI said: project is archived',
  version: 7,
  ...overrides,
});

/** A plausible request in `state`, with only the fields that state would have. */
export const requestIn = (state: RequestState, overrides: Partial<KeyRequest> = {}): KeyRequest => {
  const base: KeyRequest = {
    id: 'req_01JD0000000000000000000001',
    kind: 'key',
    state,
    requesterId: 'U0REQUESTER',
    projectId: 'proj_abc123',
    projectName: 'Support summariser',
    purpose: 'Nightly summaries of the support inbox for the on-call team.',
    lifetimeDays: 30,
    createdAt: NOW - HOUR,
    decideBy: NOW + 47 * HOUR,
    version: 1,
  };
  const decided = { decidedBy: 'U0APPROVER', decidedAt: NOW - HOUR / 2 };
  const keyed = {
    ...decided,
    serviceAccountId: 'svc_acct_123',
    keyId: 'key_abc',
    redactedKey: 'sk-svca…AbCd',
    keyCreatedAt: NOW - HOUR / 4,
    keyExpiresAt: NOW + 30 * DAY,
    revealBy: NOW + 24 * HOUR,
  };
  const byState: Record<RequestState, Partial<KeyRequest>> = {
    pending: {},
    approved: decided,
    provisioning: decided,
    awaiting_reveal: keyed,
    active: { ...keyed, revealedAt: NOW - HOUR / 8 },
    denied: { ...decided, denyReason: 'Use the shared staging key instead.' },
    expired: { decideBy: NOW - HOUR },
    failed: { ...decided, failure: 'OpenAI said: project is archived' },
    revoked: { ...keyed, revealedAt: NOW - HOUR / 8, revokedBy: 'U0ADMIN', revokedAt: NOW, endedReason: 'Rotated.' },
    cancelled: { cancelledBy: 'U0REQUESTER', cancelledAt: NOW - HOUR / 4, endedReason: 'cancelled' },
  };
  return { ...base, ...byState[state], ...overrides };
};

export const ALL_STATES: readonly RequestState[] = REQUEST_STATES;

/**
 * The key request kind as main.ts registers it (its `onApproved` is never called by these tests, nor is a request
 * opened: its store only names the lists one would join, so no Redis is reached).
 */
const keyKind = keyRequestKind({ queues: { add: () => Promise.resolve() }, keyRequests: new KeyRequestStore(null as never, redisKeys('render')) });

/**
 * Why a decision on a key request was refused, in the words the engine's `refusalInWords` gives a key request: the
 * kind's `stateInWords` and `askAgainCommand` through `decisionRefusalInWords`.
 */
export const keyRefusalInWords = (by: string, refusal: DecisionRefusal<string>): string => decisionRefusalInWords(by, refusal, keyKind);
