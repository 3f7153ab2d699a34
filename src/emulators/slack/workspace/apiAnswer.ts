/**
 * The shape of a Slack Web API answer and the few ways the workspace builds one: `{ ok: true, ... }` or
 * `{ ok: false, error: '<code>' }` (https://docs.slack.dev/apis/web-api/#responses), `invalid_arguments` with
 * `[ERROR] …` lines in `response_metadata.messages`, and cursor pagination
 * (https://docs.slack.dev/apis/web-api/pagination).
 */

export type ApiAnswer = { ok: true; [field: string]: unknown } | { ok: false; error: string; [field: string]: unknown };

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A boolean flag as Slack reads it from JSON or a form: true, 'true', 1 or '1'. */
export function isTruthyFlag(value: unknown): boolean {
  return value === true || value === 'true' || value === 1 || value === '1';
}

/** `{ ok: false, error }`, with any extra fields Slack sends along. */
export function failure(error: string, extra: Record<string, unknown> = {}): ApiAnswer {
  return { ok: false, error, ...extra };
}

/** Slack's `invalid_arguments`, each problem as an `[ERROR] …` line of `response_metadata.messages`. */
export function invalidArguments(messages: string[]): ApiAnswer {
  return failure('invalid_arguments', { response_metadata: { messages: messages.map((m) => `[ERROR] ${m}`) } });
}

/**
 * One page of `items` under `field`: `limit` items (100 when 0 or less) from the offset the cursor carries, with
 * `has_more` and the next cursor ('' on the last page). A cursor the emulator did not issue answers `invalid_cursor`.
 */
export function paginate(field: string, items: unknown[], limit: number, cursor: string | undefined): ApiAnswer {
  const start = cursor ? Number.parseInt(Buffer.from(cursor, 'base64').toString('utf8').replace(/^offset:/, ''), 10) : 0;
  if (!Number.isInteger(start) || start < 0) return failure('invalid_cursor');
  const size = limit > 0 ? limit : 100;
  const page = items.slice(start, start + size);
  const more = start + size < items.length;
  return {
    ok: true,
    [field]: page,
    has_more: more,
    response_metadata: { next_cursor: more ? Buffer.from(`offset:${start + size}`).toString('base64') : '' },
  };
}
