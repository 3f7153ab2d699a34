/**
 * Key requests stored and moved in a test namespace as the engine and the key kind do: stored with the request
 * store's `create` (with the kind's indexes, when given), moved with its `transition` from the states the key's table
 * lets reach the target (`statesLeadingTo`) unless told otherwise. Ids carry the namespace, so a key written outside
 * it can still be found by a SCAN of the whole server.
 */
import { expect } from 'vitest';
import { openKeyRequest, statesLeadingTo, type KeyRequest, type RequestState } from '../../src/keys/domain/keyRequest.js';
import type { DocumentPatch, RequestIndexes, RequestStore, SecretOp } from '../../src/approvals/requestStore.js';

export const HOUR = 3_600_000;
/** when the test requests are created (ms) */
export const NOW = 1_767_225_600_000;

type RequestOverrides = { readonly requesterId?: string; readonly createdAt?: number; readonly purpose?: string };

/** Key requests in the namespace `namespace` of `requests`; `indexesOf` names the lists a new one joins (none when absent). */
export function storedKeyRequests(namespace: string, requests: RequestStore, indexesOf?: (request: KeyRequest) => RequestIndexes) {
  let counter = 0;
  /** `<what>_<namespace>_<n>`: unique in the namespace */
  const uniqueId = (what: string) => `${what}_${namespace}_${++counter}`;

  /** a new pending key request (not stored), to be decided within 72 hours of its creation */
  const newRequest = (overrides: RequestOverrides = {}): KeyRequest =>
    openKeyRequest(
      {
        id: uniqueId('req'),
        requesterId: overrides.requesterId ?? uniqueId('U'),
        projectId: 'proj_support',
        projectName: 'Support Bot',
        purpose: overrides.purpose ?? 'answer support tickets faster',
        lifetimeDays: 30,
      },
      overrides.createdAt ?? NOW,
      72 * HOUR,
    );

  /** stores `request` as the engine's `open` does; false when its id is taken */
  const create = (request: KeyRequest) => requests.create(request, indexesOf?.(request));

  /** a new pending key request, stored (the test fails when its id was taken) */
  const created = async (overrides?: RequestOverrides): Promise<KeyRequest> => {
    const request = newRequest(overrides);
    expect(await create(request)).toBe(true);
    return request;
  };

  /** moves a stored request to `to` from the states its table lets reach it (or from `opts.from`), as `approvals.advance` does */
  const move = (id: string, to: RequestState, patch: DocumentPatch<KeyRequest> = {}, opts: { from?: readonly RequestState[]; secret?: SecretOp } = {}) =>
    requests.transition<KeyRequest>(id, to, patch, { ...opts, from: opts.from ?? statesLeadingTo(to) });

  /** a new request walked along the happy path up to `provisioning` */
  const provisioning = async (): Promise<KeyRequest> => {
    const request = await created();
    expect((await move(request.id, 'approved', { decidedBy: 'U0APPROVER1', decidedAt: NOW + 1 })).kind).toBe('ok');
    const outcome = await move(request.id, 'provisioning');
    if (outcome.kind !== 'ok') throw new Error(`could not reach provisioning: ${outcome.kind}`);
    return outcome.request;
  };

  return { uniqueId, newRequest, create, created, move, provisioning };
}
