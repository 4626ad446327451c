/**
 * @module http/error-handler
 * The one place REST errors become responses: `{code, message, details?}` with the catalogue's
 * status. Unknown errors are logged in full and answered with a generic `internal` body, so no
 * stack trace, SQL or secret ever reaches a client.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ZodError } from 'zod';
import { AtlasError } from '../errors.js';

/** Fastify's own request-level failures, mapped to catalogue codes. */
function fromFastifyError(error: FastifyError): AtlasError | undefined {
  if (error.validation) {
    return new AtlasError('validation_failed', error.message, { details: error.validation });
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AtlasError('payload_too_large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AtlasError('unsupported_media_type');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AtlasError('bad_request', 'The request body is not valid JSON.');
    default:
      break;
  }
  // Other 4xx from Fastify (e.g. a JSON syntax error thrown by the parser) are the client's.
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    if (error.statusCode === 413) return new AtlasError('payload_too_large');
    if (error.statusCode === 415) return new AtlasError('unsupported_media_type');
    if (error.statusCode === 404) return new AtlasError('not_found');
    return new AtlasError(
      'bad_request',
      error instanceof SyntaxError ? 'The request body is not valid JSON.' : error.message,
    );
  }
  return undefined;
}

export function toAtlasError(error: unknown): AtlasError {
  if (error instanceof AtlasError) return error;
  if (error instanceof ZodError) {
    return new AtlasError('validation_failed', 'The request body is invalid.', {
      details: error.issues.map((issue) => ({
        path: issue.path.join('.'),
        message: issue.message,
      })),
    });
  }
  if (error instanceof Error) {
    const mapped = fromFastifyError(error as FastifyError);
    if (mapped) return mapped;
  }
  return new AtlasError('internal', undefined, { cause: error });
}

export function errorHandler(
  error: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  const atlasError = toAtlasError(error);
  if (atlasError.status >= 500) {
    request.log.error({ err: error, code: atlasError.code }, 'request failed');
  } else {
    request.log.info({ code: atlasError.code }, atlasError.message);
  }
  if (atlasError.code === 'rate_limited' || atlasError.code === 'too_many_sessions') {
    const retryAfterMs = (atlasError.details as { retryAfterMs?: unknown } | undefined)
      ?.retryAfterMs;
    if (typeof retryAfterMs === 'number') {
      const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
      reply.header('retry-after', seconds);
      const limit = (atlasError.details as { limit?: unknown }).limit;
      if (typeof limit === 'number') {
        reply.header('x-ratelimit-limit', limit);
        reply.header('x-ratelimit-remaining', 0);
        reply.header('x-ratelimit-reset', seconds);
      }
    }
  }
  return reply.status(atlasError.status).send(atlasError.toBody());
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return reply
    .status(404)
    .send(
      new AtlasError(
        'not_found',
        `No route for ${request.method} ${request.url.split('?')[0]}`,
      ).toBody(),
    );
}
