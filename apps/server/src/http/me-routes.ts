/**
 * @module http/me-routes
 * `GET /v1/me`: the signed-in user's profile, tier and the models that tier uses. Read through
 * `withUser`, so row-level security decides what is visible.
 */
import { type MeResponse, MODEL_MAP, tierSchema } from '@atlas/protocol';
import type { FastifyInstance } from 'fastify';
import { requireUser } from '../auth/authenticate.js';
import type { TokenVerifier } from '../auth/token-verifier.js';
import type { Database } from '../db/database.js';
import { AtlasError } from '../errors.js';

interface ProfileRow {
  id: string;
  email: string | null;
  display_name: string | null;
  tier: string;
  created_at: Date | string;
}

export interface MeDeps {
  db: Database;
  verifier: TokenVerifier;
}

export async function meRoutes(app: FastifyInstance, deps: MeDeps): Promise<void> {
  app.get(
    '/v1/me',
    { preHandler: requireUser(deps.verifier) },
    async (request): Promise<MeResponse> => {
      const claims = request.user;
      if (!claims) throw new AtlasError('unauthorized');
      const { rows } = await deps.db.withUser(claims, (tx) =>
        tx.query<ProfileRow>(
          'select id, email, display_name, tier, created_at from public.profiles where id = (select auth.uid())',
        ),
      );
      const row = rows[0];
      if (!row) throw new AtlasError('not_found', 'No profile exists for this user yet.');
      const tier = tierSchema.parse(row.tier);
      return {
        profile: {
          id: row.id,
          email: row.email,
          displayName: row.display_name,
          tier,
          createdAt: new Date(row.created_at).toISOString(),
        },
        models: MODEL_MAP[tier],
      };
    },
  );
}
