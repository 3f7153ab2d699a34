import type { OpenAIEmulator } from '../../../src/emulators/openai/index.js';

export interface RawAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
}

/** A request made with fetch, not the SDK, so a test controls the exact query string, headers and body. */
export async function rawRequest(
  e: OpenAIEmulator,
  method: string,
  pathAndQuery: string,
  options: { body?: unknown; rawBody?: string; authorization?: string | null } = {},
): Promise<RawAnswer> {
  const headers: Record<string, string> = {};
  const authorization = options.authorization === undefined ? `Bearer ${e.adminKey}` : options.authorization;
  if (authorization !== null) headers.authorization = authorization;
  let body: string | undefined;
  if (options.rawBody !== undefined) body = options.rawBody;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${e.baseURL}${pathAndQuery}`, { method, headers, body });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
}
