/**
 * @module auth/token-verifier
 * Verifies Supabase-compatible access tokens: HS256 with a shared secret (Atlas's own tokens, or
 * a Supabase project's legacy secret) and asymmetric keys from a JWKS URL (a Supabase project's
 * signing keys). The configured keys decide which algorithms are acceptable; the token's header
 * only picks among them, so `alg: none` and algorithm confusion (an HS256 token MAC'd with a
 * public key) are refused before any signature is checked.
 *
 * @example
 * const verifier = createTokenVerifier({ hsSecret: config.jwt.secret, jwksUrl: config.jwt.jwksUrl });
 * const claims = await verifier.verify(token); // AtlasError('token_expired' | 'token_invalid') otherwise
 */
import {
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors,
  type JWSHeaderParameters,
  type JWTVerifyGetKey,
  jwtVerify,
} from 'jose';
import type { JwtClaims } from '../db/database.js';
import { AtlasError } from '../errors.js';

/** Checks an access token and returns its claims. */
export interface TokenVerifier {
  /**
   * @throws AtlasError `token_expired` when the token is past its `exp`, `token_invalid` for any
   * other defect, `auth_unavailable` when the JWKS cannot be fetched.
   */
  verify(token: string): Promise<JwtClaims>;
}

export interface TokenVerifierOptions {
  /** HS256 shared secret (UTF-8 bytes are the key, as Supabase uses it). */
  hsSecret?: string | undefined;
  /** URL of a JSON Web Key Set with the public keys of an asymmetric issuer. */
  jwksUrl?: string | undefined;
  /** Seconds of clock skew tolerated on `exp`, `nbf` and `iat`; default 30. */
  clockToleranceSeconds?: number;
}

/** The audience Supabase puts on user access tokens. */
export const ACCESS_TOKEN_AUDIENCE = 'authenticated';

const SYMMETRIC_ALGORITHMS = ['HS256'];
const ASYMMETRIC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
];
/** Far above any real access token; refuses absurd inputs before any parsing. */
const MAX_TOKEN_LENGTH = 16 * 1024;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Raised by the JWKS key lookup when the key set itself cannot be had (network, bad JSON). */
class KeySetUnavailable extends Error {}

function invalid(message: string): AtlasError {
  return new AtlasError('token_invalid', message);
}

export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const { hsSecret, jwksUrl } = options;
  if (hsSecret === undefined && jwksUrl === undefined) {
    throw new Error('createTokenVerifier needs an HS256 secret, a JWKS URL, or both');
  }
  const hsKey = hsSecret === undefined ? undefined : new TextEncoder().encode(hsSecret);
  const jwks = jwksUrl === undefined ? undefined : remoteKeys(new URL(jwksUrl));
  const clockTolerance = options.clockToleranceSeconds ?? 30;

  async function checkSignature(token: string, header: JWSHeaderParameters) {
    const alg = header.alg;
    const common = {
      audience: ACCESS_TOKEN_AUDIENCE,
      clockTolerance,
      requiredClaims: ['exp', 'sub'],
    };
    if (alg !== undefined && SYMMETRIC_ALGORITHMS.includes(alg)) {
      if (hsKey === undefined)
        throw invalid(`${alg} tokens are not accepted: no shared secret is configured`);
      return jwtVerify(token, hsKey, { ...common, algorithms: SYMMETRIC_ALGORITHMS });
    }
    if (alg !== undefined && ASYMMETRIC_ALGORITHMS.includes(alg)) {
      if (jwks === undefined)
        throw invalid(`${alg} tokens are not accepted: no JWKS URL is configured`);
      return jwtVerify(token, jwks, { ...common, algorithms: ASYMMETRIC_ALGORITHMS });
    }
    throw invalid(`the token algorithm ${JSON.stringify(alg ?? null)} is not accepted`);
  }

  return {
    async verify(token) {
      if (typeof token !== 'string' || token.length === 0) throw invalid('the token is empty');
      if (token.length > MAX_TOKEN_LENGTH) throw invalid('the token is too long');
      let header: JWSHeaderParameters;
      try {
        header = decodeProtectedHeader(token) as JWSHeaderParameters;
      } catch {
        throw invalid('the token is not a well-formed JWT');
      }
      if (token.split('.').length !== 3) throw invalid('the token is not a signed compact JWT');
      try {
        const { payload } = await checkSignature(token, header);
        return checkClaims(payload);
      } catch (error) {
        throw translate(error);
      }
    },
  };
}

/** Wraps jose's remote key set so "cannot fetch keys" is told apart from "no such key". */
function remoteKeys(url: URL): JWTVerifyGetKey {
  const remote = createRemoteJWKSet(url);
  return async (header, token) => {
    try {
      return await remote(header, token);
    } catch (error) {
      if (
        error instanceof errors.JWKSNoMatchingKey ||
        error instanceof errors.JWKSMultipleMatchingKeys
      ) {
        throw error;
      }
      throw new KeySetUnavailable('the JWKS could not be fetched', { cause: error });
    }
  };
}

function checkClaims(payload: Record<string, unknown>): JwtClaims {
  const { sub, role } = payload;
  if (typeof sub !== 'string' || !UUID.test(sub))
    throw invalid('the "sub" claim is not a user id (uuid)');
  if (typeof role !== 'string' || role.length === 0) throw invalid('the "role" claim is missing');
  return payload as JwtClaims;
}

/** Maps anything thrown while verifying to an AtlasError with a precise message and no stack. */
function translate(error: unknown): AtlasError {
  if (error instanceof AtlasError) return error;
  if (error instanceof KeySetUnavailable) {
    return new AtlasError(
      'auth_unavailable',
      'The signing keys of the token issuer cannot be fetched.',
      {
        cause: error.cause,
      },
    );
  }
  if (error instanceof errors.JWTExpired) return new AtlasError('token_expired');
  if (error instanceof errors.JWTClaimValidationFailed) {
    return invalid(`the "${error.claim}" claim is invalid: ${error.message}`);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return invalid('the token signature does not verify');
  if (error instanceof errors.JWKSNoMatchingKey)
    return invalid('no key of the issuer matches the token (kid/alg)');
  if (error instanceof errors.JWKSMultipleMatchingKeys)
    return invalid('the token does not say which key signed it');
  if (error instanceof errors.JOSEAlgNotAllowed)
    return invalid('the token algorithm is not accepted');
  if (error instanceof errors.JOSEError) return invalid(`the token is malformed: ${error.message}`);
  // e.g. a key of the wrong type for the algorithm (TypeError from the crypto layer).
  return invalid('the token could not be verified');
}
