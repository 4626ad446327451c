/**
 * @module http/health-routes
 * `GET /health` (liveness: the process serves requests, and what it runs on) and `GET /ready`
 * (readiness: the database and Redis answer), for load balancers and operators.
 */
import type { HealthResponse } from '@atlas/protocol';
import type { FastifyInstance } from 'fastify';
import type { Redis } from '../cache/redis-connection.js';
import type { Database } from '../db/database.js';
import { AtlasError } from '../errors.js';
import type { ProviderReport } from '../providers/selection.js';

export interface HealthDeps {
  version: string;
  db: Database;
  redis: Redis | undefined;
  auth: { standalone: boolean; jwks: boolean };
  providers: ProviderReport;
  /** How long a dependency may take to answer before it counts as down. */
  readyTimeoutMs?: number;
}

type CheckResult = 'ok' | 'unreachable' | 'not configured';

async function check(probe: () => Promise<unknown>, timeoutMs: number): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<CheckResult>((resolve) => {
    timer = setTimeout(() => resolve('unreachable'), timeoutMs);
  });
  try {
    return await Promise.race([probe().then((): CheckResult => 'ok'), timeout]);
  } catch {
    return 'unreachable';
  } finally {
    clearTimeout(timer);
  }
}

export async function healthRoutes(app: FastifyInstance, deps: HealthDeps): Promise<void> {
  const startedAt = Date.now();

  app.get(
    '/health',
    async (): Promise<HealthResponse> => ({
      status: 'ok',
      version: deps.version,
      uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
      database: deps.db.kind,
      cache: deps.redis ? 'redis' : 'memory',
      auth: deps.auth,
      providers: deps.providers,
    }),
  );

  app.get('/ready', async () => {
    const timeoutMs = deps.readyTimeoutMs ?? 2_000;
    const redis = deps.redis;
    const [database, cache] = await Promise.all([
      check(() => deps.db.ping(), timeoutMs),
      redis ? check(() => redis.ping(), timeoutMs) : Promise.resolve<CheckResult>('not configured'),
    ]);
    const checks = { database, cache };
    if (database !== 'ok' || cache === 'unreachable') {
      throw new AtlasError('not_ready', 'A dependency is unreachable.', { details: checks });
    }
    return { status: 'ready', checks };
  });
}
