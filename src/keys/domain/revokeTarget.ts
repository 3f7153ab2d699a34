/** What a `revoke` names, and which request a masked key value stands for. Pure. */
import { holdsKey, type KeyRequest } from './keyRequest.js';

/** A revoke target: a request id (`req_…`), a key id at OpenAI, or a masked key value (`sk-svcacct-…nUAA`). */
export type RevokeTargetKind = 'request' | 'key' | 'masked';

/** The kind of a revoke target guessed from its shape: `req_…` is a request, one with `…` a masked key, else a key id. */
export const revokeTargetKind = (target: string): RevokeTargetKind =>
  target.startsWith('req_') ? 'request' : target.includes('…') ? 'masked' : 'key';

/** The requests a masked key value may stand for: none, exactly one, or several (newest first). */
export type MaskedKeyMatch =
  | { readonly kind: 'none' }
  | { readonly kind: 'one'; readonly request: KeyRequest }
  | { readonly kind: 'ambiguous'; readonly candidates: readonly KeyRequest[] };

/**
 * Picks the request among those whose masked key matches: keys still live (held, or being made after approval)
 * are preferred over ended ones; several candidates left are ambiguous, newest first.
 */
export function chooseByMaskedKey(matches: readonly KeyRequest[]): MaskedKeyMatch {
  const all = [...matches].sort((a, b) => b.createdAt - a.createdAt);
  const live = all.filter((r) => holdsKey(r.state) || r.state === 'approved' || r.state === 'provisioning');
  const candidates = live.length > 0 ? live : all;
  const [only] = candidates;
  if (!only) return { kind: 'none' };
  if (candidates.length > 1) return { kind: 'ambiguous', candidates };
  return { kind: 'one', request: only };
}
