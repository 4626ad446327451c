import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AtlasError } from '../errors.js';
import { bearerToken, requireUser } from './authenticate.js';
import {
  type AttackToken,
  attackTokens,
  createTestKeys,
  type JwksServer,
  signHs256,
  signWith,
  startJwksServer,
  type TestKeys,
  userClaims,
} from './testing/token-fixtures.js';
import { createTokenVerifier, type TokenVerifier } from './token-verifier.js';

describe('bearerToken', () => {
  it.each([
    ['Bearer abc.def.ghi', 'abc.def.ghi'],
    ['bearer abc', 'abc'],
    ['BEARER   abc  ', 'abc'],
    ['Basic dXNlcjpwYXNz', undefined],
    ['Bearer', undefined],
    ['Bearer ', undefined],
    ['Bearer a b', undefined],
    ['abc.def.ghi', undefined],
    [undefined, undefined],
    [['Bearer a', 'Bearer b'], undefined],
  ])('%j → %j', (header, expected) => {
    expect(bearerToken(header)).toBe(expected);
  });
});

/** A tiny app with the Atlas error body, as the real app renders AtlasErrors. */
async function appWith(verifier: TokenVerifier): Promise<FastifyInstance> {
  const app = Fastify();
  app.setErrorHandler((error, _request, reply) => {
    if (error instanceof AtlasError) return reply.code(error.status).send(error.toBody());
    return reply.code(500).send({ code: 'internal' });
  });
  app.get('/me', { preHandler: requireUser(verifier) }, async (request) => ({
    sub: request.user.sub,
  }));
  await app.ready();
  return app;
}

let keys: TestKeys;
let jwks: JwksServer;
let attacks: AttackToken[];

beforeAll(async () => {
  keys = await createTestKeys();
  jwks = await startJwksServer([keys.rsa.publicJwk, keys.ec.publicJwk]);
  attacks = await attackTokens(keys);
});
afterAll(() => jwks.close());

describe.each([
  ['HS256 secret only', ['hs']],
  ['JWKS only', ['jwks']],
  ['secret and JWKS', ['hs', 'jwks']],
] as const)('requireUser with %s', (_name, sources) => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await appWith(
      createTokenVerifier({
        hsSecret: sources.includes('hs' as never) ? keys.hsSecret : undefined,
        jwksUrl: sources.includes('jwks' as never) ? jwks.url : undefined,
      }),
    );
  });
  afterAll(() => app.close());

  const get = (authorization?: string) =>
    app.inject({
      method: 'GET',
      url: '/me',
      headers: authorization === undefined ? {} : { authorization },
    });

  it('lets a valid token through and sets request.user', async () => {
    const claims = userClaims();
    const pair = sources.includes('hs' as never)
      ? await signHs256(claims)
      : await signWith(keys.ec, claims);
    const response = await get(`Bearer ${pair}`);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ sub: claims.sub });
  });

  it('answers 401 unauthorized without a bearer token', async () => {
    for (const header of [undefined, 'Basic dXNlcjpwYXNz', 'Bearer']) {
      const response = await get(header);
      expect(response.statusCode, String(header)).toBe(401);
      expect(response.json().code).toBe('unauthorized');
      expect(response.headers['www-authenticate']).toBe('Bearer');
    }
  });

  it('answers 401 to every attack token, without leaking a stack', async () => {
    for (const attack of attacks) {
      const response = await get(`Bearer ${attack.token}`);
      expect(response.statusCode, attack.name).toBe(401);
      expect(['token_invalid', 'token_expired'], attack.name).toContain(response.json().code);
      expect(response.headers['www-authenticate'], attack.name).toBe(
        'Bearer error="invalid_token"',
      );
      expect(response.body, attack.name).not.toMatch(/at .*\.(ts|js):\d+/);
    }
  });
});
