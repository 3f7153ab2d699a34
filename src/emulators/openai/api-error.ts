/** An error answered in OpenAI's shape: `{ error: { message, type, param, code } }`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string | null = null,
    readonly param: string | null = null,
    readonly type: string = errorTypeForStatus(status),
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toBody(): ErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

export interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export function errorTypeForStatus(status: number): string {
  if (status === 429) return 'requests';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

export function defaultCodeForStatus(status: number): string | null {
  switch (status) {
    case 401:
      return 'invalid_api_key';
    case 403:
      return 'insufficient_permissions';
    case 404:
      return 'not_found';
    case 429:
      return 'rate_limit_exceeded';
    default:
      return status >= 500 ? 'server_error' : null;
  }
}

export function defaultMessageForStatus(status: number): string {
  switch (status) {
    case 400:
      return 'Invalid request.';
    case 401:
      return 'Incorrect API key provided.';
    case 403:
      return 'You have insufficient permissions for this operation.';
    case 404:
      return 'Not found.';
    case 409:
      return 'The request conflicted with another request.';
    case 429:
      return 'Rate limit reached for requests. Please try again later.';
    case 503:
      return 'The server is overloaded or not ready yet.';
    default:
      return status >= 500 ? 'The server had an error while processing your request. Sorry about that!' : 'Request failed.';
  }
}

export const invalidParam = (param: string, message: string): ApiError =>
  new ApiError(400, message, 'invalid_value', param);

export const notFound = (message: string, param: string | null = null): ApiError =>
  new ApiError(404, message, 'not_found', param);
