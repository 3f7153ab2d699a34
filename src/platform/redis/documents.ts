/**
 * A JSON document with a `state` and a `version`, changed only by compare-and-set: the Lua script applies a patch
 * if the current state is one of `from`, bumps the version, and can store or take a companion secret in the same
 * step. Used by key requests and limit-change requests alike.
 */
import type { RedisClient as Redis } from './connection.js';

export type SecretOp = { readonly kind: 'set'; readonly sealed: string; readonly ttlMs: number } | { readonly kind: 'take' };

export type CasOutcome<T> =
  | { readonly kind: 'ok'; readonly doc: T; readonly sealedSecret?: string }
  | { readonly kind: 'conflict'; readonly doc: T }
  | { readonly kind: 'missing' }
  | { readonly kind: 'no_secret'; readonly doc: T };

// KEYS[1] document, KEYS[2] secret. ARGV[1] allowed from-states (JSON), ARGV[2] patch (JSON), ARGV[3] secret op,
// ARGV[4] sealed secret, ARGV[5] secret TTL (ms), ARGV[6] fields that must hold these values (JSON object).
// A patch field set to null removes that field.
const CAS_SCRIPT = `
local raw = redis.call('GET', KEYS[1])
if not raw then return {'missing'} end
local doc = cjson.decode(raw)
local allowed = cjson.decode(ARGV[1])
local permitted = false
for _, s in ipairs(allowed) do if s == doc.state then permitted = true end end
if not permitted then return {'conflict', raw} end
for field, value in pairs(cjson.decode(ARGV[6])) do
  if doc[field] ~= value then return {'conflict', raw} end
end
local sealed = ''
if ARGV[3] == 'take' then
  sealed = redis.call('GET', KEYS[2])
  if not sealed then return {'no_secret', raw} end
  redis.call('DEL', KEYS[2])
end
local patch = cjson.decode(ARGV[2])
for k, v in pairs(patch) do
  if v == cjson.null then doc[k] = nil else doc[k] = v end
end
doc.version = (doc.version or 0) + 1
local out = cjson.encode(doc)
redis.call('SET', KEYS[1], out, 'KEEPTTL')
if ARGV[3] == 'set' then redis.call('SET', KEYS[2], ARGV[4], 'PX', ARGV[5]) end
return {'ok', out, sealed}
`;

export async function compareAndSet<T>(
  redis: Redis,
  keys: { readonly doc: string; readonly secret: string },
  from: readonly string[],
  patch: object,
  secret?: SecretOp,
  /** fields that must still hold these values (e.g. the token of the attempt that may finish) */
  expect: Readonly<Record<string, string | number | boolean>> = {},
): Promise<CasOutcome<T>> {
  const reply = (await redis.eval(
    CAS_SCRIPT,
    2,
    keys.doc,
    keys.secret,
    JSON.stringify(from),
    JSON.stringify(patch),
    secret?.kind ?? '',
    secret?.kind === 'set' ? secret.sealed : '',
    secret?.kind === 'set' ? String(Math.max(1, Math.round(secret.ttlMs))) : '0',
    // an empty Lua table encodes as {} either way, so an empty object is safe here
    JSON.stringify(expect),
  )) as [string, string?, string?];
  const [status, json, sealed] = reply;
  if (status === 'missing') return { kind: 'missing' };
  const doc = JSON.parse(json as string) as T;
  if (status === 'conflict') return { kind: 'conflict', doc };
  if (status === 'no_secret') return { kind: 'no_secret', doc };
  return sealed ? { kind: 'ok', doc, sealedSecret: sealed } : { kind: 'ok', doc };
}
