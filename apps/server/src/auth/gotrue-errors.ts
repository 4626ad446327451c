/**
 * @module auth/gotrue-errors
 * Errors of the GoTrue-compatible endpoints, rendered the way Supabase Auth renders them so
 * `@supabase/auth-js` turns them into the `AuthError` (message, status, code) it would get from
 * Supabase: `{ code, msg }` plus the `X-Supabase-Api-Version` header for clients that send API
 * version 2024-01-01 (every current supabase-js), `{ code: <status>, error_code, msg }` (and the
 * OAuth `error` / `error_description` on `/token`) for older clients.
 *
 * @example
 * throw new GoTrueError('invalid_credentials', 'invalid_credentials', 'Invalid login credentials');
 */

import type { ErrorCode } from '@atlas/protocol';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AtlasError } from '../errors.js';

/** The Supabase Auth error codes this subset produces (a subset of auth-js's `ErrorCode`). */
export type GoTrueErrorCode =
  | 'bad_json'
  | 'bad_jwt'
  | 'email_address_invalid'
  | 'invalid_credentials'
  | 'no_authorization'
  | 'not_found'
  | 'over_request_rate_limit'
  | 'refresh_token_already_used'
  | 'refresh_token_not_found'
  | 'request_too_large'
  | 'session_not_found'
  | 'unexpected_failure'
  | 'user_already_exists'
  | 'user_not_found'
  | 'validation_failed'
  | 'weak_password';

export interface GoTrueErrorOptions {
  /** HTTP status when Supabase Auth's differs from the Atlas code's. */
  status?: number;
  /** For `weak_password`: which rules failed (`length`, `characters`, `pwned`). */
  reasons?: string[];
  /** For rate limits: sent as `Retry-After`. */
  retryAfterSeconds?: number;
  cause?: unknown;
}

/** An {@link AtlasError} that also knows how Supabase Auth reports the same failure. */
export class GoTrueError extends AtlasError {
  readonly gotrueCode: GoTrueErrorCode;
  readonly gotrueStatus: number;
  readonly reasons: string[] | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: ErrorCode,
    gotrueCode: GoTrueErrorCode,
    message: string,
    options: GoTrueErrorOptions = {},
  ) {
    super(code, message, { cause: options.cause });
    this.gotrueCode = gotrueCode;
    this.gotrueStatus = options.status ?? this.status;
    this.reasons = options.reasons;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

const API_VERSION_HEADER = 'x-supabase-api-version';
const API_VERSION_2024 = '2024-01-01';

/** How errors raised outside this module (verifier, Fastify) appear to a GoTrue client. */
function asGoTrueError(error: unknown): GoTrueError | undefined {
  if (error instanceof GoTrueError) return error;
  if (error instanceof AtlasError) {
    switch (error.code) {
      case 'unauthorized':
        return new GoTrueError(
          'unauthorized',
          'no_authorization',
          'This endpoint requires a Bearer token',
        );
      // Supabase Auth answers 403 bad_jwt for every defect of the access token, expiry included.
      case 'token_expired':
        return new GoTrueError('token_expired', 'bad_jwt', 'invalid JWT: token is expired', {
          status: 403,
        });
      case 'token_invalid':
        return new GoTrueError('token_invalid', 'bad_jwt', `invalid JWT: ${error.message}`, {
          status: 403,
        });
      default:
        // Atlas codes from shared code (limits, database): keep their status and catalogue message.
        return new GoTrueError(
          error.code,
          error.status >= 500 ? 'unexpected_failure' : 'validation_failed',
          error.message,
          { cause: error },
        );
    }
  }
  const fastifyError = error as Partial<FastifyError> | undefined;
  const status = fastifyError?.statusCode;
  if (typeof status !== 'number' || status >= 500) return undefined;
  const unparsable = error instanceof SyntaxError || fastifyError?.code?.startsWith('FST_ERR_CTP_');
  if (unparsable && status === 400) {
    return new GoTrueError(
      'bad_request',
      'bad_json',
      `Could not parse request body as JSON: ${fastifyError?.message ?? 'invalid JSON'}`,
    );
  }
  if (status === 413) {
    return new GoTrueError(
      'payload_too_large',
      'request_too_large',
      'The request body is too large.',
    );
  }
  return new GoTrueError(
    'bad_request',
    'validation_failed',
    fastifyError?.message ?? 'Bad request',
    { status },
  );
}

const OAUTH_ERRORS: Partial<Record<GoTrueErrorCode, string>> = {
  invalid_credentials: 'invalid_grant',
  refresh_token_not_found: 'invalid_grant',
  refresh_token_already_used: 'invalid_grant',
};

function isApiVersion2024(request: FastifyRequest): boolean {
  const value = request.headers[API_VERSION_HEADER];
  return (
    typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) && value >= API_VERSION_2024
  );
}

/** Writes `error` to `reply` in Supabase Auth's shape. */
export function sendGoTrueError(error: GoTrueError, request: FastifyRequest, reply: FastifyReply) {
  const weakPassword =
    error.reasons === undefined ? {} : { weak_password: { reasons: error.reasons } };
  if (error.retryAfterSeconds !== undefined)
    reply.header('retry-after', String(error.retryAfterSeconds));
  reply.header('cache-control', 'no-store');
  if (isApiVersion2024(request)) {
    reply.header(API_VERSION_HEADER, API_VERSION_2024);
    return reply
      .code(error.gotrueStatus)
      .send({ code: error.gotrueCode, msg: error.message, ...weakPassword });
  }
  const isTokenEndpoint = request.url.split('?')[0]?.endsWith('/token') === true;
  const oauth = isTokenEndpoint
    ? {
        error: OAUTH_ERRORS[error.gotrueCode] ?? 'invalid_request',
        error_description: error.message,
      }
    : {};
  return reply.code(error.gotrueStatus).send({
    code: error.gotrueStatus,
    error_code: error.gotrueCode,
    msg: error.message,
    ...weakPassword,
    ...oauth,
  });
}

/** The encapsulated error handler of the GoTrue plugin: known errors in GoTrue's shape, others logged and hidden. */
export function goTrueErrorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply) {
  const known = asGoTrueError(error);
  if (known !== undefined) {
    if (known.gotrueStatus >= 500) request.log.error({ err: error }, 'auth request failed');
    return sendGoTrueError(known, request, reply);
  }
  request.log.error({ err: error }, 'auth request failed');
  return sendGoTrueError(
    new GoTrueError('internal', 'unexpected_failure', 'Internal server error', { status: 500 }),
    request,
    reply,
  );
}
