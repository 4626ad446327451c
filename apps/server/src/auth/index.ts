/**
 * @module auth
 * Authentication for Atlas. Two modes, chosen by configuration:
 * - standalone (an HS256 secret is configured, or a development secret is generated): Atlas
 *   signs its own Supabase-compatible tokens and serves the GoTrue subset under `/auth/v1`;
 * - Supabase (only `SUPABASE_JWKS_URL`): tokens come from a Supabase project and are verified
 *   against its keys; `routes` registers nothing.
 * With both a secret and a JWKS URL, tokens of either kind are accepted.
 *
 * @example
 * const auth = await setupAuth({ config, logger, db, redis });
 * await app.register(auth.routes, { prefix: '/auth/v1' });
 * app.get('/v1/me', { preHandler: requireUser(auth.verifier) }, async (request) => request.user);
 */
import type { FastifyPluginAsync } from 'fastify';
import type { Redis } from '../cache/redis-connection.js';
import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import type { Logger } from '../observability/logger.js';
import { resolveJwtSecret } from './dev-secret.js';
import { createGoTrueRoutes } from './gotrue-routes.js';
import { createTokenVerifier, type TokenVerifier } from './token-verifier.js';

export { bearerToken, requireUser } from './authenticate.js';
export { resolveJwtSecret } from './dev-secret.js';
export { GoTrueError } from './gotrue-errors.js';
export { type AuthLimitsConfig, DEFAULT_AUTH_LIMITS } from './gotrue-limits.js';
export { createGoTrueRoutes, type GoTrueRoutesOptions } from './gotrue-routes.js';
export { hashPassword, verifyPassword } from './password-hash.js';
export {
  ACCESS_TOKEN_AUDIENCE,
  createTokenVerifier,
  type TokenVerifier,
  type TokenVerifierOptions,
} from './token-verifier.js';

export interface AuthModule {
  /** Verifies bearer tokens for every protected route (pass to {@link requireUser}). */
  verifier: TokenVerifier;
  /** Whether Atlas signs its own tokens and serves `/auth/v1`. */
  standalone: boolean;
  /** Register with `{ prefix: '/auth/v1' }`; empty unless standalone. */
  routes: FastifyPluginAsync;
}

export interface AuthSetupOptions {
  config: Pick<Config, 'jwt' | 'dataDir' | 'nodeEnv' | 'publicUrl' | 'host' | 'port'>;
  logger: Logger;
  db: Database;
  redis?: Redis | undefined;
}

/** The issuer base when `ATLAS_PUBLIC_URL` is unset: where a local client reaches the server. */
function localBaseUrl(config: Pick<Config, 'host' | 'port'>): string {
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.port}`;
}

export async function setupAuth(options: AuthSetupOptions): Promise<AuthModule> {
  const { config, db, redis } = options;
  const logger = options.logger.child({ module: 'auth' });
  const jwksUrl = config.jwt.jwksUrl;

  if (config.jwt.secret === undefined && jwksUrl !== undefined) {
    logger.info('Verifying Supabase tokens against SUPABASE_JWKS_URL; standalone sign-in is off');
    return {
      verifier: createTokenVerifier({ jwksUrl }),
      standalone: false,
      routes: async () => {},
    };
  }

  const secret = await resolveJwtSecret(config, logger);
  const verifier = createTokenVerifier({ hsSecret: secret, jwksUrl });
  const issuer = `${config.publicUrl ?? localBaseUrl(config)}/auth/v1`;
  const routes = createGoTrueRoutes({ db, secret, issuer, verifier, redis });
  return { verifier, standalone: true, routes };
}
