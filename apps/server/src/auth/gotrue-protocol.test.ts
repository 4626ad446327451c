/**
 * Wire details of the GoTrue-compatible endpoints that supabase-js alone does not show: both
 * error shapes, validation, per-IP limits, session checks on `/user`. In-process requests.
 */
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance, type InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/database.js';
import { pgliteTarget } from '../db/testing/test-databases.js';
import { createGoTrueRoutes } from './gotrue-routes.js';
import { signHs256, TEST_HS_SECRET, userClaims } from './testing/token-fixtures.js';
import { createTokenVerifier } from './token-verifier.js';

const V2024 = { 'x-supabase-api-version': '2024-01-01' };
const PASSWORD = 'a-good-long-password';

let db: Database;
let app: FastifyInstance;

beforeAll(async () => {
  db = await pgliteTarget.open();
  app = Fastify();
  await app.register(
    createGoTrueRoutes({
      db,
      secret: TEST_HS_SECRET,
      issuer: 'http://atlas.test/auth/v1',
      verifier: createTokenVerifier({ hsSecret: TEST_HS_SECRET }),
      limits: {
        loginPerIp: { points: 3, durationSeconds: 300 },
        signupPerIp: { points: 2, durationSeconds: 3600 },
      },
      limiterNamespace: `test-${randomUUID()}`,
    }),
    { prefix: '/auth/v1' },
  );
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await db?.close();
});

/** Each test uses its own client IP so the per-IP limits of one do not leak into another. */
const ip = () =>
  `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;

function call(options: InjectOptions & { remoteAddress?: string }) {
  return app.inject({ remoteAddress: ip(), ...options });
}

async function signUp(remoteAddress = ip()) {
  const email = `user-${randomUUID()}@example.test`;
  const response = await call({
    method: 'POST',
    url: '/auth/v1/signup',
    payload: { email, password: PASSWORD },
    remoteAddress,
  });
  expect(response.statusCode).toBe(200);
  return {
    email,
    body: response.json() as { access_token: string; refresh_token: string; user: { id: string } },
  };
}

describe('GoTrue error shapes', () => {
  it('answers API-version 2024 clients with { code, msg } and echoes the version', async () => {
    const response = await call({
      method: 'POST',
      url: '/auth/v1/token?grant_type=password',
      headers: { ...V2024, 'content-type': 'application/json' },
      payload: '{"email": ',
    });
    expect(response.statusCode).toBe(400);
    expect(response.headers['x-supabase-api-version']).toBe('2024-01-01');
    expect(response.json()).toEqual({
      code: 'bad_json',
      msg: expect.stringMatching(/^Could not parse request body as JSON/),
    });
  });

  it('answers older clients with { code: status, error_code, msg } and OAuth fields on /token', async () => {
    const response = await call({
      method: 'POST',
      url: '/auth/v1/token?grant_type=password',
      payload: { email: 'nobody@example.test', password: PASSWORD },
    });
    expect(response.statusCode).toBe(400);
    expect(response.headers['x-supabase-api-version']).toBeUndefined();
    expect(response.json()).toEqual({
      code: 400,
      error_code: 'invalid_credentials',
      msg: 'Invalid login credentials',
      error: 'invalid_grant',
      error_description: 'Invalid login credentials',
    });
  });

  it('leaves the OAuth fields off other endpoints', async () => {
    const response = await call({ method: 'GET', url: '/auth/v1/user' });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({
      code: 401,
      error_code: 'no_authorization',
      msg: 'This endpoint requires a Bearer token',
    });
  });

  it('lists weak-password reasons in both shapes', async () => {
    const payload = { email: `user-${randomUUID()}@example.test`, password: 'short' };
    const modern = await call({ method: 'POST', url: '/auth/v1/signup', headers: V2024, payload });
    expect(modern.statusCode).toBe(422);
    expect(modern.json()).toMatchObject({
      code: 'weak_password',
      weak_password: { reasons: ['length'] },
    });
    const legacy = await call({ method: 'POST', url: '/auth/v1/signup', payload });
    expect(legacy.json()).toMatchObject({
      code: 422,
      error_code: 'weak_password',
      weak_password: { reasons: ['length'] },
    });
  });

  it('answers unknown paths under the prefix in the same shape', async () => {
    const response = await call({
      method: 'GET',
      url: '/auth/v1/settings-unknown',
      headers: V2024,
    });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ code: 'not_found', msg: 'Not found' });
  });
});

describe('validation', () => {
  it.each([
    [
      'an invalid email',
      { email: 'not-an-email', password: PASSWORD },
      400,
      'email_address_invalid',
    ],
    ['no password', { email: 'a@example.test' }, 400, 'validation_failed'],
    ['no body at all', undefined, 400, 'validation_failed'],
    [
      'metadata that is not an object',
      { email: 'b@example.test', password: PASSWORD, data: 'x' },
      400,
      'validation_failed',
    ],
    [
      'oversized metadata',
      { email: 'c@example.test', password: PASSWORD, data: { blob: 'x'.repeat(20_000) } },
      400,
      'validation_failed',
    ],
    [
      'an absurdly long password',
      { email: 'd@example.test', password: 'x'.repeat(2000) },
      422,
      'validation_failed',
    ],
  ])('refuses a sign-up with %s', async (_name, payload, status, code) => {
    const response = await call({
      method: 'POST',
      url: '/auth/v1/signup',
      headers: V2024,
      ...(payload ? { payload } : {}),
    });
    expect(response.statusCode).toBe(status);
    expect(response.json().code).toBe(code);
  });

  it('refuses unknown grant types and logout scopes', async () => {
    const grant = await call({
      method: 'POST',
      url: '/auth/v1/token?grant_type=id_token',
      headers: V2024,
      payload: {},
    });
    expect(grant.statusCode).toBe(400);
    expect(grant.json().code).toBe('validation_failed');

    const { body } = await signUp();
    const logout = await call({
      method: 'POST',
      url: '/auth/v1/logout?scope=everyone',
      headers: { ...V2024, authorization: `Bearer ${body.access_token}` },
    });
    expect(logout.statusCode).toBe(400);
  });

  it('marks every answer no-store', async () => {
    const { email } = await signUp();
    const response = await call({
      method: 'POST',
      url: '/auth/v1/token?grant_type=password',
      payload: { email, password: PASSWORD },
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
  });
});

describe('per-IP limits', () => {
  it('limits password attempts per IP across different emails', async () => {
    const attacker = ip();
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const response = await call({
        method: 'POST',
        url: '/auth/v1/token?grant_type=password',
        payload: { email: `victim-${i}@example.test`, password: PASSWORD },
        remoteAddress: attacker,
      });
      statuses.push(response.statusCode);
    }
    expect(statuses).toEqual([400, 400, 400, 429]);
    const elsewhere = await call({
      method: 'POST',
      url: '/auth/v1/token?grant_type=password',
      payload: { email: 'victim-0@example.test', password: PASSWORD },
    });
    expect(elsewhere.statusCode).toBe(400);
  });

  it('limits sign-ups per IP, with Retry-After', async () => {
    const client = ip();
    await signUp(client);
    await signUp(client);
    const third = await call({
      method: 'POST',
      url: '/auth/v1/signup',
      headers: V2024,
      payload: { email: `user-${randomUUID()}@example.test`, password: PASSWORD },
      remoteAddress: client,
    });
    expect(third.statusCode).toBe(429);
    expect(third.json()).toEqual({
      code: 'over_request_rate_limit',
      msg: 'Request rate limit reached',
    });
    expect(Number(third.headers['retry-after'])).toBeGreaterThan(0);
  });
});

describe('/user session checks', () => {
  it('refuses a correctly signed token whose session does not exist', async () => {
    const { body } = await signUp();
    const forged = await signHs256(userClaims({ sub: body.user.id, session_id: randomUUID() }));
    const response = await call({
      method: 'GET',
      url: '/auth/v1/user',
      headers: { ...V2024, authorization: `Bearer ${forged}` },
    });
    expect(response.statusCode).toBe(403);
    expect(response.json().code).toBe('session_not_found');
  });

  it('refuses an expired token as a bad JWT, like Supabase Auth', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = await signHs256(userClaims({ iat: now - 7200, exp: now - 3600 }));
    const response = await call({
      method: 'GET',
      url: '/auth/v1/user',
      headers: { ...V2024, authorization: `Bearer ${expired}` },
    });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toEqual({ code: 'bad_jwt', msg: 'invalid JWT: token is expired' });
  });

  it('does not hand out the password hash', async () => {
    const { body } = await signUp();
    const response = await call({
      method: 'GET',
      url: '/auth/v1/user',
      headers: { authorization: `Bearer ${body.access_token}` },
    });
    expect(response.statusCode).toBe(200);
    expect(response.body).not.toMatch(/scrypt|encrypted_password/);
  });
});
