/**
 * @module api/api-error
 * Every failure the web app shows is an ApiError carrying a code from the protocol's one error
 * catalogue (plus `offline` and `network` for failures that never reached Atlas), so views branch
 * on codes and show words from {@link describeError}, never raw exceptions.
 */
import { ERROR_CATALOGUE, type ErrorCode, isErrorCode } from '@atlas/protocol';

/** Failures that happen in the browser before Atlas could answer. */
export type ClientErrorCode = 'offline' | 'network' | 'aborted';

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: ErrorCode | ClientErrorCode,
    message: string,
    readonly status = 0,
    /** Seconds to wait before retrying, from `retry-after`, when the server said. */
    readonly retryAfterSeconds?: number,
    readonly details?: unknown,
  ) {
    super(message);
  }

  get retryable(): boolean {
    if (this.code === 'offline' || this.code === 'network') return true;
    if (this.code === 'aborted') return false;
    return ERROR_CATALOGUE[this.code].retryable;
  }

  /** Builds the error from a non-2xx response whose body follows `{code, message, details}`. */
  static async fromResponse(response: Response): Promise<ApiError> {
    const retryAfter = Number(response.headers.get('retry-after'));
    const seconds = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined;
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      body = undefined;
    }
    const record = (body ?? {}) as { code?: unknown; message?: unknown; details?: unknown };
    // GoTrue answers `{error_code, msg}` or `{error, error_description}`; accept those too.
    const gotrue = body as { error_code?: unknown; msg?: unknown; error_description?: unknown };
    const rawCode = record.code ?? gotrue?.error_code;
    const code: ErrorCode = isErrorCode(rawCode) ? rawCode : codeForStatus(response.status);
    const message =
      typeof record.message === 'string'
        ? record.message
        : typeof gotrue?.msg === 'string'
          ? gotrue.msg
          : typeof gotrue?.error_description === 'string'
            ? gotrue.error_description
            : ERROR_CATALOGUE[code].message;
    return new ApiError(code, message, response.status, seconds, record.details);
  }

  /** Wraps whatever `fetch` threw (offline, DNS, CORS, abort) as an ApiError. */
  static fromThrown(error: unknown): ApiError {
    if (error instanceof ApiError) return error;
    if (error instanceof DOMException && error.name === 'AbortError') {
      return new ApiError('aborted', 'The request was cancelled.');
    }
    if (typeof navigator !== 'undefined' && navigator.onLine === false) {
      return new ApiError('offline', 'You are offline.');
    }
    const detail = error instanceof Error ? error.message : String(error);
    return new ApiError('network', `Atlas could not be reached (${detail}).`);
  }
}

function codeForStatus(status: number): ErrorCode {
  if (status === 401) return 'unauthorized';
  if (status === 402) return 'limit_reached';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 413) return 'payload_too_large';
  if (status === 429) return 'rate_limited';
  if (status >= 400 && status < 500) return 'bad_request';
  return 'internal';
}

/** Words for a person, for any failure: what happened and what they can do. */
export function describeError(error: unknown): string {
  const apiError = ApiError.fromThrown(error);
  const wait =
    apiError.retryAfterSeconds === undefined
      ? ''
      : ` Try again in ${Math.ceil(apiError.retryAfterSeconds)} s.`;
  switch (apiError.code) {
    case 'offline':
      return 'You are offline. Your messages are kept here and sync when you are back online.';
    case 'network':
      return 'Atlas could not be reached. Check your connection and try again.';
    case 'aborted':
      return 'Stopped.';
    case 'rate_limited':
      return `You are sending messages too quickly.${wait || ' Wait a moment and try again.'}`;
    case 'limit_reached':
      return 'You have reached this month’s usage limit for your plan. It resets at the start of next month, or upgrade your plan for more.';
    case 'tier_required':
      return 'Your plan does not include this feature. Upgrade to Studio to use real-time voice.';
    case 'too_many_sessions':
      return 'You already have the maximum number of voice calls open. Close one and try again.';
    case 'unauthorized':
    case 'token_invalid':
    case 'token_expired':
    case 'invalid_refresh_token':
      return 'Your session has ended. Please sign in again.';
    default:
      return apiError.message;
  }
}
