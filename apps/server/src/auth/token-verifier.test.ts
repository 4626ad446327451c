import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AtlasError } from '../errors.js';
import {
  type AttackToken,
  attackTokens,
  createTestKeys,
  deadUrl,
  type JwksServer,
  signHs256,
  signWith,
  startJwksServer,
  type TestKeys,
  userClaims,
} from './testing/token-fixtures.js';
import { createTokenVerifier, type TokenVerifier } from './token-verifier.js';

let keys: TestKeys;
let jwks: JwksServer;
let attacks: AttackToken[];

beforeAll(async () => {
  keys = await createTestKeys();
  jwks = await startJwksServer([keys.rsa.publicJwk, keys.ec.publicJwk]);
  attacks = await attackTokens(keys);
});
afterAll(() => jwks.close());

async function rejection(verifier: TokenVerifier, token: string): Promise<AtlasError> {
  const error = await verifier.verify(token).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'the token was accepted').toBeInstanceOf(AtlasError);
  return error as AtlasError;
}

describe('createTokenVerifier', () => {
  it('needs at least one key source', () => {
    expect(() => createTokenVerifier({})).toThrow(/secret, a JWKS URL/);
  });

  it('accepts a valid HS256 token and returns its claims', async () => {
    const claims = userClaims({ email: 'a@example.test' });
    const verified = await createTokenVerifier({ hsSecret: keys.hsSecret }).verify(
      await signHs256(claims),
    );
    expect(verified).toMatchObject({
      sub: claims.sub,
      role: 'authenticated',
      aud: 'authenticated',
      email: 'a@example.test',
    });
  });

  it('tolerates a little clock skew but not an hour', async () => {
    const now = Math.floor(Date.now() / 1000);
    const verifier = createTokenVerifier({ hsSecret: keys.hsSecret });
    await expect(
      verifier.verify(await signHs256(userClaims({ exp: now - 5 }))),
    ).resolves.toBeDefined();
    expect((await rejection(verifier, await signHs256(userClaims({ exp: now - 3600 })))).code).toBe(
      'token_expired',
    );
  });

  it('accepts RS256 and ES256 tokens whose keys are in the JWKS', async () => {
    const verifier = createTokenVerifier({ jwksUrl: jwks.url });
    const rsClaims = userClaims();
    const esClaims = userClaims();
    expect((await verifier.verify(await signWith(keys.rsa, rsClaims))).sub).toBe(rsClaims.sub);
    expect((await verifier.verify(await signWith(keys.ec, esClaims))).sub).toBe(esClaims.sub);
    expect(jwks.fetches()).toBeGreaterThan(0);
  });

  it('accepts both kinds when configured with a secret and a JWKS', async () => {
    const verifier = createTokenVerifier({ hsSecret: keys.hsSecret, jwksUrl: jwks.url });
    await expect(verifier.verify(await signHs256(userClaims()))).resolves.toBeDefined();
    await expect(verifier.verify(await signWith(keys.rsa, userClaims()))).resolves.toBeDefined();
  });

  const configurations: Array<[string, Array<'hs' | 'jwks'>]> = [
    ['HS256 secret only', ['hs']],
    ['JWKS only', ['jwks']],
    ['secret and JWKS', ['hs', 'jwks']],
  ];

  describe.each(configurations)('with %s', (_name, sources) => {
    it('rejects every attack token with the right code and no stack in the message', async () => {
      const verifier = createTokenVerifier({
        hsSecret: sources.includes('hs') ? keys.hsSecret : undefined,
        jwksUrl: sources.includes('jwks') ? jwks.url : undefined,
      });
      for (const attack of attacks) {
        const error = await rejection(verifier, attack.token);
        const expected =
          attack.needs === undefined || sources.includes(attack.needs)
            ? attack.code
            : 'token_invalid';
        expect(error.code, attack.name).toBe(expected);
        expect(error.status, attack.name).toBe(401);
        expect(error.message, attack.name).not.toMatch(/\n\s+at /);
      }
    });
  });

  it('refuses an RS256 token, even a genuine one, when only a secret is configured', async () => {
    const error = await rejection(
      createTokenVerifier({ hsSecret: keys.hsSecret }),
      await signWith(keys.rsa, userClaims()),
    );
    expect(error.code).toBe('token_invalid');
    expect(error.message).toMatch(/RS256 tokens are not accepted/);
  });

  it('refuses HS256 when only a JWKS is configured (no algorithm confusion)', async () => {
    const forged = await signHs256(userClaims(), keys.rsa.publicPem, keys.rsa.kid);
    const error = await rejection(createTokenVerifier({ jwksUrl: jwks.url }), forged);
    expect(error.message).toMatch(/HS256 tokens are not accepted/);
  });

  it('gives precise messages', async () => {
    const verifier = createTokenVerifier({ hsSecret: keys.hsSecret, jwksUrl: jwks.url });
    const message = async (token: string) => (await rejection(verifier, token)).message;
    expect(await message(await signHs256(userClaims({ aud: 'x' })))).toMatch(/"aud" claim/);
    expect(
      await message(await signHs256(userClaims(), 'another-secret-that-is-also-long-enough-0123')),
    ).toMatch(/signature/);
    expect(await message(await signWith(keys.stranger, userClaims()))).toMatch(/no key/);
    expect(await message(await signHs256(userClaims({ sub: 'admin' })))).toMatch(/"sub"/);
    expect(await message('not-a-jwt')).toMatch(/well-formed/);
  });

  it('reports an unreachable JWKS as auth_unavailable, not as a bad token', async () => {
    const verifier = createTokenVerifier({ jwksUrl: await deadUrl() });
    const error = await rejection(verifier, await signWith(keys.rsa, userClaims()));
    expect(error.code).toBe('auth_unavailable');
    expect(error.status).toBe(503);
  });
});
