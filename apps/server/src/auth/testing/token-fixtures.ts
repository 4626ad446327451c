/**
 * @module auth/testing/token-fixtures
 * Keys, a local JWKS server and a catalogue of hostile tokens for the verifier and HTTP tests.
 * Every attack token is signed (or not) the way an attacker could produce it.
 *
 * @example
 * const keys = await createTestKeys();
 * const jwks = await startJwksServer([keys.rsa.publicJwk, keys.ec.publicJwk]);
 * const tokens = await attackTokens(keys);
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type CryptoKey,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  type JWK,
  type JWTPayload,
  SignJWT,
  UnsecuredJWT,
} from 'jose';

export const TEST_HS_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';

export interface TestKeyPair {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: CryptoKey;
  publicJwk: JWK;
  publicPem: string;
}

export interface TestKeys {
  hsSecret: string;
  rsa: TestKeyPair;
  ec: TestKeyPair;
  /** A key pair whose public half is in no JWKS. */
  stranger: TestKeyPair;
}

async function keyPair(alg: 'RS256' | 'ES256', kid: string): Promise<TestKeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, publicJwk, publicPem: await exportSPKI(publicKey) };
}

export async function createTestKeys(): Promise<TestKeys> {
  return {
    hsSecret: TEST_HS_SECRET,
    rsa: await keyPair('RS256', 'rsa-key-1'),
    ec: await keyPair('ES256', 'ec-key-1'),
    stranger: await keyPair('RS256', 'unknown-kid'),
  };
}

/** Claims of a normal user access token, valid for an hour. */
export function userClaims(overrides: JWTPayload = {}): JWTPayload {
  const now = Math.floor(Date.now() / 1000);
  return {
    sub: randomUUID(),
    aud: 'authenticated',
    role: 'authenticated',
    email: 'user@example.test',
    iat: now,
    exp: now + 3600,
    session_id: randomUUID(),
    ...overrides,
  };
}

export function signHs256(
  claims: JWTPayload,
  secret: string = TEST_HS_SECRET,
  kid?: string,
): Promise<string> {
  const header =
    kid === undefined ? { alg: 'HS256', typ: 'JWT' } : { alg: 'HS256', typ: 'JWT', kid };
  return new SignJWT(claims).setProtectedHeader(header).sign(new TextEncoder().encode(secret));
}

export function signWith(pair: TestKeyPair, claims: JWTPayload): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: pair.alg, typ: 'JWT', kid: pair.kid })
    .sign(pair.privateKey);
}

/** Same signature, different payload: what an attacker editing claims produces. */
export function tamper(token: string, changes: JWTPayload): string {
  const [header, payload, signature] = token.split('.');
  const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as JWTPayload;
  const forged = Buffer.from(JSON.stringify({ ...claims, ...changes })).toString('base64url');
  return `${header}.${forged}.${signature}`;
}

export interface AttackToken {
  name: string;
  token: string;
  /** The error code a verifier must answer with... */
  code: 'token_invalid' | 'token_expired';
  /** ...when it has this key source; without it, every token is simply `token_invalid`. */
  needs?: 'hs' | 'jwks';
}

/** Hostile or broken tokens that every verifier configuration here must refuse. */
export async function attackTokens(keys: TestKeys): Promise<AttackToken[]> {
  const now = Math.floor(Date.now() / 1000);
  const valid = await signHs256(userClaims());
  const { exp: _exp, ...withoutExp } = userClaims();
  const { role: _role, ...withoutRole } = userClaims();
  const list: Array<
    [string, string | Promise<string>, AttackToken['code']?, AttackToken['needs']?]
  > = [
    ['alg none', new UnsecuredJWT(userClaims()).encode()],
    ['alg none with a signature', `${new UnsecuredJWT(userClaims()).encode()}c2lnbmF0dXJl`],
    [
      'HS256 MAC keyed with the RSA public key (PEM)',
      signHs256(userClaims(), keys.rsa.publicPem, keys.rsa.kid),
    ],
    [
      'HS256 MAC keyed with the RSA public key (JWK JSON)',
      signHs256(userClaims(), JSON.stringify(keys.rsa.publicJwk), keys.rsa.kid),
    ],
    [
      'expired HS256',
      signHs256(userClaims({ iat: now - 7200, exp: now - 3600 })),
      'token_expired',
      'hs',
    ],
    [
      'expired RS256',
      signWith(keys.rsa, userClaims({ iat: now - 7200, exp: now - 3600 })),
      'token_expired',
      'jwks',
    ],
    ['RS256 without exp', signWith(keys.rsa, withoutExp)],
    ['wrong audience', signHs256(userClaims({ aud: 'someone-else' }))],
    ['no audience', signHs256(userClaims({ aud: undefined }))],
    ['missing exp', signHs256(withoutExp)],
    ['missing role', signHs256(withoutRole)],
    ['non-uuid sub', signHs256(userClaims({ sub: 'admin' }))],
    ['tampered payload', tamper(valid, { role: 'service_role', sub: randomUUID() })],
    ['wrong secret', signHs256(userClaims(), 'another-secret-that-is-also-long-enough-0123')],
    ['RS256 with a key in no JWKS (unknown kid)', signWith(keys.stranger, userClaims())],
    ['ES256 with a kid of the RSA key', signWith({ ...keys.ec, kid: keys.rsa.kid }, userClaims())],
    ['garbage', 'not-a-jwt'],
    ['three garbage segments', 'aaa.bbb.ccc'],
    ['JWE-shaped', 'eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..aaaa.bbbb.cccc'],
    ['header alg is not a string', `${Buffer.from('{"alg":42}').toString('base64url')}.e30.c2ln`],
  ];
  const tokens: AttackToken[] = [];
  for (const [name, token, code = 'token_invalid', needs] of list) {
    tokens.push({ name, token: await token, code, ...(needs ? { needs } : {}) });
  }
  return tokens;
}

export interface JwksServer {
  url: string;
  /** How many times the key set was fetched. */
  fetches(): number;
  close(): Promise<void>;
}

/** Serves `{ keys }` at `/.well-known/jwks.json` on 127.0.0.1 and a free port. */
export async function startJwksServer(keys: JWK[]): Promise<JwksServer> {
  let count = 0;
  const server: Server = createServer((request, response) => {
    if (request.url !== '/.well-known/jwks.json') {
      response.writeHead(404).end();
      return;
    }
    count += 1;
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    fetches: () => count,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** A URL on which nothing listens (a port that was just free). */
export async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/.well-known/jwks.json`;
}
