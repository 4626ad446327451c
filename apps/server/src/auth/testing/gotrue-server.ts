/**
 * @module auth/testing/gotrue-server
 * A real, listening Fastify server with only the GoTrue-compatible routes, and a supabase-js
 * client pointed at it, for end-to-end auth tests.
 *
 * @example
 * const server = await startGoTrueServer({ db });
 * const supabase = server.client();
 * await supabase.auth.signUp({ email, password });
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import {
  createClient,
  type SupabaseClient,
  type SupabaseClientOptions,
} from '@supabase/supabase-js';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Redis } from '../../cache/redis-connection.js';
import type { Database } from '../../db/database.js';
import type { AuthLimitsConfig } from '../gotrue-limits.js';
import { createGoTrueRoutes } from '../gotrue-routes.js';
import { createTokenVerifier, type TokenVerifier } from '../token-verifier.js';
import { TEST_HS_SECRET } from './token-fixtures.js';

export const TEST_ISSUER = 'http://atlas.test/auth/v1';

type Transport = NonNullable<NonNullable<SupabaseClientOptions<'public'>['realtime']>['transport']>;

/**
 * supabase-js builds a realtime client in `createClient`, which on Node 20 (no global
 * WebSocket) throws unless given a transport. These tests never open a realtime channel, so the
 * transport refuses to be constructed.
 */
class NoRealtimeTransport {
  constructor() {
    throw new Error('realtime is not used by the auth tests');
  }
}

export interface GoTrueTestServer {
  app: FastifyInstance;
  /** `http://127.0.0.1:<port>`; the routes are under `/auth/v1`. */
  url: string;
  secret: string;
  verifier: TokenVerifier;
  /** A fresh supabase-js client (own in-memory session) against this server. */
  client(): SupabaseClient;
  close(): Promise<void>;
}

export interface GoTrueTestServerOptions {
  db: Database;
  redis?: Redis | undefined;
  limits?: Partial<AuthLimitsConfig>;
}

export async function startGoTrueServer(
  options: GoTrueTestServerOptions,
): Promise<GoTrueTestServer> {
  const secret = TEST_HS_SECRET;
  const verifier = createTokenVerifier({ hsSecret: secret });
  const app = Fastify();
  await app.register(
    createGoTrueRoutes({
      db: options.db,
      secret,
      issuer: TEST_ISSUER,
      verifier,
      redis: options.redis,
      limits: options.limits,
      limiterNamespace: `test-${randomUUID()}`,
    }),
    { prefix: '/auth/v1' },
  );
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  return {
    app,
    url,
    secret,
    verifier,
    client: () =>
      createClient(url, 'anon-key', {
        auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
        realtime: { transport: NoRealtimeTransport as unknown as Transport },
      }),
    close: () => app.close(),
  };
}
