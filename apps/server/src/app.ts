/**
 * @module app
 * Builds the Fastify application from already-opened dependencies. Nothing here connects to
 * anything, so tests can build an app around an in-memory database and inject requests.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AUTH_IP_RATE_LIMIT } from '@atlas/protocol';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { AuthModule } from './auth/index.js';
import type { Redis } from './cache/redis-connection.js';
import type { Config } from './config.js';
import type { Database } from './db/database.js';
import { clientConfigRoutes, spaFallback } from './http/client-config-routes.js';
import { errorHandler } from './http/error-handler.js';
import { healthRoutes } from './http/health-routes.js';
import { meRoutes } from './http/me-routes.js';
import { securityPlugin } from './http/security.js';
import { ipRateLimit } from './limits/message-rate-limit.js';
import type { Logger } from './observability/logger.js';
import { metricsRoutes, type VoiceMetrics } from './observability/metrics.js';
import { type PlatformServices, registerPlatform } from './platform.js';
import { type ProviderReport, plannedReport } from './providers/selection.js';
import { VERSION } from './version.js';
import type { VoiceGateway } from './voice/gateway.js';

export interface AppDeps {
  config: Config;
  logger: Logger;
  db: Database;
  redis: Redis | undefined;
  auth: AuthModule;
  metrics: VoiceMetrics;
  /** The Voice V2 gateway; absent when no voice providers are available. */
  voice?: VoiceGateway | undefined;
  /** Chat, usage and the V1 voice path; absent in apps built for narrower tests. */
  platform?: PlatformServices | undefined;
  /** What the providers are (for `/health`); defaults to the configured plan. */
  providerReport?: ProviderReport | undefined;
}

/** The built web app when present, else a page saying how to build it. */
function webRoot(): string {
  const built = fileURLToPath(new URL('../../web/dist', import.meta.url));
  return existsSync(built)
    ? built
    : fileURLToPath(new URL('../../web/placeholder', import.meta.url));
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  // Widened so the instance is the plain FastifyInstance every plugin is typed against.
  const loggerInstance: FastifyBaseLogger = deps.logger;
  const app = Fastify({
    loggerInstance,
    requestIdHeader: 'x-request-id',
    bodyLimit: 1024 * 1024,
    // Behind a proxy in production (fly.io, a load balancer): client IPs come from X-Forwarded-For.
    trustProxy: deps.config.nodeEnv === 'production',
  });

  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(spaFallback);
  await app.register(securityPlugin, { corsOrigins: deps.config.corsOrigins });

  const providers = deps.providerReport ?? plannedReport(deps.config);
  // VOICE_V2_ENABLED=false leaves /v2/voice unattached; the web app then uses the V1 path.
  const voice = deps.config.voiceV2Enabled ? deps.voice : undefined;
  await app.register(healthRoutes, {
    version: VERSION,
    db: deps.db,
    redis: deps.redis,
    auth: { standalone: deps.auth.standalone, jwks: deps.config.jwt.jwksUrl !== undefined },
    providers,
  });
  await app.register(clientConfigRoutes, {
    config: deps.config,
    version: VERSION,
    providers,
    voiceV2Served: voice !== undefined,
  });
  // A per-IP ceiling over every auth endpoint, beneath the per-account login limits.
  await app.register(
    async (auth) => {
      auth.addHook(
        'preHandler',
        ipRateLimit({ name: 'auth-ip', ...AUTH_IP_RATE_LIMIT, redis: deps.redis }),
      );
      await auth.register(deps.auth.routes);
    },
    { prefix: '/auth/v1' },
  );
  await app.register(meRoutes, { db: deps.db, verifier: deps.auth.verifier });
  if (deps.platform) await registerPlatform(app, deps.db, deps.auth.verifier, deps.platform);
  await app.register(metricsRoutes, {
    metrics: deps.metrics,
    ...(deps.config.metricsToken ? { bearerToken: deps.config.metricsToken } : {}),
  });

  if (voice) {
    voice.attach(app.server);
    // Before the HTTP server closes: live calls are told to resume elsewhere (1001) and their
    // records are handed to the writer.
    app.addHook('preClose', async () => {
      await voice.shutdown();
    });
  }
  await app.register(fastifyStatic, { root: webRoot(), prefix: '/' });

  return app;
}
