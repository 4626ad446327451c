/**
 * @module usage/usage-routes
 * `GET /v1/usage?days=7|30&feature=…`: the signed-in user's daily cost by feature, totals, and
 * how much of the monthly allowance is used. `GET /v1/usage/events?limit&before&feature`: their
 * most recent events, newest first, in pages. Both read through `withUser` (row-level security).
 */
import {
  type UsageEventPage,
  type UsageResponse,
  usageEventsQuerySchema,
  usageQuerySchema,
} from '@atlas/protocol';
import type { FastifyInstance } from 'fastify';
import { requireUser } from '../auth/authenticate.js';
import type { TokenVerifier } from '../auth/token-verifier.js';
import type { Database } from '../db/database.js';
import { AtlasError } from '../errors.js';
import { listUsageEvents } from './usage-events.js';
import type { UsageService } from './usage-service.js';

export interface UsageRoutesDeps {
  db: Database;
  verifier: TokenVerifier;
  usage: UsageService;
}

export async function usageRoutes(app: FastifyInstance, deps: UsageRoutesDeps): Promise<void> {
  app.get(
    '/v1/usage',
    { preHandler: requireUser(deps.verifier) },
    async (request): Promise<UsageResponse> => {
      const claims = request.user;
      if (!claims) throw new AtlasError('unauthorized');
      const query = usageQuerySchema.parse(request.query ?? {});
      return deps.usage.usageReport(claims, { days: query.days, feature: query.feature });
    },
  );

  app.get(
    '/v1/usage/events',
    { preHandler: requireUser(deps.verifier) },
    async (request): Promise<UsageEventPage> => {
      const claims = request.user;
      if (!claims) throw new AtlasError('unauthorized');
      const query = usageEventsQuerySchema.parse(request.query ?? {});
      return listUsageEvents(deps.db, claims, query);
    },
  );
}
