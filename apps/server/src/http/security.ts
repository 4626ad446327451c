/**
 * @module http/security
 * Browser-facing HTTP hardening: security headers (`@fastify/helmet`, with a CSP fit for a JSON
 * API and the same-origin web app, WebSockets included) and a strict CORS allowlist
 * (`@fastify/cors`). A request whose `Origin` is neither listed nor the server's own origin is
 * refused outright with 403 `{code: 'forbidden', message: 'Origin not allowed'}`, preflight or
 * not, rather than merely answered without `Access-Control-Allow-Origin`. Requests without an
 * `Origin` (curl, servers, native apps) pass: protected routes still demand a bearer token.
 * Credentials (cookies) are never allowed cross-origin; Atlas authenticates with bearer tokens.
 *
 * @example
 * await app.register(securityPlugin, { corsOrigins: config.corsOrigins });
 */
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { AtlasError } from '../errors.js';

export interface SecurityOptions {
  /** Allowed browser origins, e.g. `https://app.example.com` (`CORS_ORIGINS`); `*` allows any. */
  corsOrigins: readonly string[];
}

/** `https://App.example.com/` → `https://app.example.com`; `undefined` when not an origin. */
function normaliseOrigin(value: string): string | undefined {
  try {
    const url = new URL(value);
    return url.origin === 'null' ? undefined : url.origin;
  } catch {
    return undefined;
  }
}

/**
 * Decides whether a browser origin may call the API: listed in `corsOrigins`, or the origin of
 * the request itself (its `Host`), which is how the web app served by this server calls it.
 */
export function createOriginPolicy(corsOrigins: readonly string[]) {
  const allowAny = corsOrigins.includes('*');
  const allowed = new Set(
    corsOrigins.map(normaliseOrigin).filter((origin): origin is string => origin !== undefined),
  );
  return function isOriginAllowed(origin: string, requestHost: string | undefined): boolean {
    const normalised = normaliseOrigin(origin);
    // `Origin: null` (sandboxed frames, file://) and garbage are never allowed.
    if (normalised === undefined) return false;
    if (allowAny || allowed.has(normalised)) return true;
    return requestHost !== undefined && new URL(normalised).host === requestHost.toLowerCase();
  };
}

const ORIGIN_REFUSED = new AtlasError('forbidden', 'Origin not allowed').toBody();

async function security(app: FastifyInstance, options: SecurityOptions): Promise<void> {
  const isOriginAllowed = createOriginPolicy(options.corsOrigins);
  const originOf = (request: FastifyRequest): string | undefined => {
    const origin = request.headers.origin;
    return typeof origin === 'string' && origin.length > 0 ? origin : undefined;
  };

  // First, so refusals carry the security headers too.
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        baseUri: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        fontSrc: ["'self'", 'data:'],
        // The web app talks to this server over fetch and the voice WebSocket.
        connectSrc: ["'self'", 'ws:', 'wss:'],
        // Voice playback and capture (audio worklets) use blob: URLs.
        mediaSrc: ["'self'", 'blob:'],
        workerSrc: ["'self'", 'blob:'],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
      },
    },
    // The API is fetched cross-origin by allowed origins (CORS decides, not CORP).
    crossOriginResourcePolicy: { policy: 'same-site' },
  });

  // Registered before @fastify/cors so it also runs before the preflight answer.
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const origin = originOf(request);
    if (origin === undefined || isOriginAllowed(origin, request.host)) return;
    request.log.info({ origin }, 'request from a disallowed origin refused');
    reply.header('vary', 'Origin');
    return reply.code(403).send(ORIGIN_REFUSED);
  });

  await app.register(cors, {
    // Only allowed origins get this far; echo them (never `*`, never credentials).
    delegator: (request, callback) => {
      const origin = originOf(request);
      callback(null, {
        origin: origin !== undefined && isOriginAllowed(origin, request.host) ? origin : false,
        credentials: false,
        methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
        allowedHeaders: [
          'authorization',
          'content-type',
          'apikey',
          'x-client-info',
          'x-supabase-api-version',
          'idempotency-key',
        ],
        exposedHeaders: [
          'retry-after',
          'x-ratelimit-limit',
          'x-ratelimit-remaining',
          'x-ratelimit-reset',
          'x-request-id',
        ],
        maxAge: 600,
      });
    },
  });
}

/**
 * Security headers and the CORS allowlist, applied to the whole app: the plugin skips Fastify's
 * encapsulation (what `fastify-plugin` does, without the extra dependency), so register it on
 * the root instance before the routes.
 */
export const securityPlugin: FastifyPluginAsync<SecurityOptions> = Object.assign(security, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: 'atlas-security',
});
