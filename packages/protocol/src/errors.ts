/**
 * @module errors
 * The one catalogue of Atlas error codes. Each code is stable (clients branch on it, never on
 * message text), carries the HTTP status it maps to and whether retrying can help.
 * Codes are lower snake case, as in the voice protocol (`bad_audio_chunk`, `rate_limited`).
 * Never reuse a removed code for a different meaning.
 */

export interface ErrorSpec {
  readonly status: number;
  readonly retryable: boolean;
  /** Default human message; call sites may give a more precise one. */
  readonly message: string;
}

export const ERROR_CATALOGUE = {
  // Input
  bad_request: { status: 400, retryable: false, message: 'The request is malformed.' },
  validation_failed: { status: 400, retryable: false, message: 'The request body is invalid.' },
  payload_too_large: { status: 413, retryable: false, message: 'The request body is too large.' },
  unsupported_media_type: {
    status: 415,
    retryable: false,
    message: 'This content type is not accepted.',
  },
  not_found: { status: 404, retryable: false, message: 'Not found.' },
  conflict: { status: 409, retryable: false, message: 'The resource already exists.' },

  // Authentication and authorisation
  unauthorized: { status: 401, retryable: false, message: 'Authentication is required.' },
  token_invalid: { status: 401, retryable: false, message: 'The access token is invalid.' },
  token_expired: { status: 401, retryable: false, message: 'The access token has expired.' },
  invalid_credentials: { status: 400, retryable: false, message: 'Invalid login credentials.' },
  invalid_refresh_token: {
    status: 400,
    retryable: false,
    message: 'The refresh token is invalid or was already used.',
  },
  user_already_exists: {
    status: 422,
    retryable: false,
    message: 'A user with this email address already exists.',
  },
  weak_password: { status: 422, retryable: false, message: 'The password is too weak.' },
  forbidden: { status: 403, retryable: false, message: 'You are not allowed to do this.' },
  tier_required: {
    status: 403,
    retryable: false,
    message: 'Your plan does not include this feature.',
  },
  auth_unavailable: {
    status: 503,
    retryable: true,
    message: 'The sign-in service is unavailable; try again shortly.',
  },

  // Limits
  rate_limited: { status: 429, retryable: true, message: 'Too many requests; try again later.' },
  too_many_sessions: { status: 429, retryable: true, message: 'Too many concurrent sessions.' },
  limit_reached: { status: 402, retryable: false, message: 'The usage limit has been reached.' },

  // Voice session
  bad_audio_chunk: { status: 400, retryable: false, message: 'The audio frame was rejected.' },
  protocol_error: {
    status: 400,
    retryable: false,
    message: 'The message does not follow the protocol.',
  },
  idle_timeout: { status: 408, retryable: false, message: 'The session was idle for too long.' },
  session_start_timeout: {
    status: 408,
    retryable: false,
    message: 'No session_start arrived in time.',
  },
  client_too_slow: {
    status: 503,
    retryable: true,
    message: 'The connection cannot keep up with the audio.',
  },
  server_shutdown: {
    status: 503,
    retryable: true,
    message: 'The server is restarting; reconnect to resume.',
  },

  // Server side
  database_unavailable: { status: 503, retryable: true, message: 'The database is unavailable.' },
  cache_unavailable: { status: 503, retryable: true, message: 'The cache is unavailable.' },
  provider_unavailable: { status: 503, retryable: true, message: 'An AI provider is unavailable.' },
  not_ready: { status: 503, retryable: true, message: 'The service is not ready.' },
  internal: { status: 500, retryable: true, message: 'Something went wrong on our side.' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** The JSON body of every REST error response. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  details?: unknown;
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CATALOGUE, value);
}
