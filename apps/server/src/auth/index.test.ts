import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/database.js';
import { pgliteTarget } from '../db/testing/test-databases.js';
import { createLogger } from '../observability/logger.js';
import { type AuthModule, type AuthSetupOptions, setupAuth } from './index.js';
import {
  createTestKeys,
  type JwksServer,
  signHs256,
  signWith,
  startJwksServer,
  TEST_HS_SECRET,
  type TestKeys,
  userClaims,
} from './testing/token-fixtures.js';

let db: Database;
let keys: TestKeys;
let jwks: JwksServer;
let dataDir: string;
const logger = createLogger({ level: 'silent' });

beforeAll(async () => {
  db = await pgliteTarget.open();
  keys = await createTestKeys();
  jwks = await startJwksServer([keys.rsa.publicJwk]);
  dataDir = await mkdtemp(path.join(tmpdir(), 'atlas-auth-setup-'));
});
afterAll(async () => {
  await jwks?.close();
  await db?.close();
  await rm(dataDir, { recursive: true, force: true });
});

function config(
  jwt: { secret?: string; jwksUrl?: string },
  publicUrl?: string,
): AuthSetupOptions['config'] {
  return {
    jwt: { secret: jwt.secret, jwksUrl: jwt.jwksUrl },
    dataDir,
    nodeEnv: 'development',
    publicUrl,
    host: '127.0.0.1',
    port: 8787,
  };
}

async function appFor(auth: AuthModule): Promise<FastifyInstance> {
  const app = Fastify();
  await app.register(auth.routes, { prefix: '/auth/v1' });
  await app.ready();
  return app;
}

async function signUpThrough(app: FastifyInstance) {
  return app.inject({
    method: 'POST',
    url: '/auth/v1/signup',
    payload: {
      email: `user-${crypto.randomUUID()}@example.test`,
      password: 'a-long-enough-password',
    },
  });
}

describe('setupAuth', () => {
  it('is standalone with a configured secret: serves /auth/v1 and verifies its own tokens', async () => {
    const auth = await setupAuth({
      config: config({ secret: TEST_HS_SECRET }, 'https://atlas.example'),
      logger,
      db,
    });
    expect(auth.standalone).toBe(true);
    const app = await appFor(auth);
    const response = await signUpThrough(app);
    expect(response.statusCode).toBe(200);
    const claims = await auth.verifier.verify(response.json().access_token);
    expect(claims.iss).toBe('https://atlas.example/auth/v1');
    await expect(
      auth.verifier.verify(await signHs256(userClaims(), TEST_HS_SECRET)),
    ).resolves.toBeDefined();
    await app.close();
  });

  it('with only a JWKS URL: not standalone, registers no routes, verifies the issuer keys only', async () => {
    const auth = await setupAuth({ config: config({ jwksUrl: jwks.url }), logger, db });
    expect(auth.standalone).toBe(false);
    const app = await appFor(auth);
    expect((await signUpThrough(app)).statusCode).toBe(404);
    await app.close();
    await expect(
      auth.verifier.verify(await signWith(keys.rsa, userClaims())),
    ).resolves.toBeDefined();
    await expect(auth.verifier.verify(await signHs256(userClaims()))).rejects.toMatchObject({
      code: 'token_invalid',
    });
  });

  it('with a secret and a JWKS URL: standalone, accepting both kinds of token', async () => {
    const auth = await setupAuth({
      config: config({ secret: TEST_HS_SECRET, jwksUrl: jwks.url }),
      logger,
      db,
    });
    expect(auth.standalone).toBe(true);
    await expect(
      auth.verifier.verify(await signWith(keys.rsa, userClaims())),
    ).resolves.toBeDefined();
    await expect(auth.verifier.verify(await signHs256(userClaims()))).resolves.toBeDefined();
  });

  it('with nothing configured: a development secret that survives a restart', async () => {
    const first = await setupAuth({ config: config({}), logger, db });
    expect(first.standalone).toBe(true);
    const app = await appFor(first);
    const response = await signUpThrough(app);
    await app.close();
    const token = response.json().access_token as string;
    expect((await first.verifier.verify(token)).iss).toBe('http://127.0.0.1:8787/auth/v1');

    const restarted = await setupAuth({ config: config({}), logger, db });
    await expect(restarted.verifier.verify(token)).resolves.toBeDefined();
    // ...and it is not some well-known secret.
    await expect(restarted.verifier.verify(await signHs256(userClaims()))).rejects.toMatchObject({
      code: 'token_invalid',
    });
  });
});
