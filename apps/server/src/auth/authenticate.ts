/**
 * @module auth/authenticate
 * Request authentication for Fastify routes: `Authorization: Bearer <jwt>` → verified claims on
 * `request.user`. Failures throw {@link AtlasError}s (401) for the app's error handler to render.
 *
 * @example
 * app.get('/v1/me', { preHandler: requireUser(auth.verifier) }, async (request) => ({ id: request.user.sub }));
 */
import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { JwtClaims } from '../db/database.js';
import { AtlasError } from '../errors.js';
import type { TokenVerifier } from './token-verifier.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified access-token claims; set only on routes guarded by {@link requireUser}. */
    user: JwtClaims;
  }
}

/**
 * The token of an `Authorization: Bearer <token>` header (scheme case-insensitive), or
 * `undefined` when the header is absent, uses another scheme or carries no token.
 *
 * @example
 * bearerToken('Bearer eyJhbGciOi...'); // 'eyJhbGciOi...'
 * bearerToken('Basic dXNlcjpwYXNz');   // undefined
 */
export function bearerToken(header: string | string[] | undefined): string | undefined {
  if (typeof header !== 'string') return undefined;
  const match = /^\s*bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/**
 * A `preHandler` that admits only requests with a valid access token and sets `request.user`.
 *
 * @remarks Throws `unauthorized` without a bearer token; the verifier's `token_invalid` /
 * `token_expired` otherwise. Sets `WWW-Authenticate` as RFC 6750 asks.
 */
export function requireUser(verifier: TokenVerifier): preHandlerAsyncHookHandler {
  return async function requireUserHook(request: FastifyRequest, reply: FastifyReply) {
    const token = bearerToken(request.headers.authorization);
    if (token === undefined) {
      reply.header('www-authenticate', 'Bearer');
      throw new AtlasError('unauthorized', 'A bearer access token is required.');
    }
    try {
      request.user = await verifier.verify(token);
    } catch (error) {
      if (error instanceof AtlasError && error.status === 401) {
        reply.header('www-authenticate', 'Bearer error="invalid_token"');
      }
      throw error;
    }
  };
}
