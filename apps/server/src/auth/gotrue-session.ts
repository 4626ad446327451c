/**
 * @module auth/gotrue-session
 * What the GoTrue-compatible endpoints hand out: HS256 access tokens with Supabase's claims, and
 * the user and session JSON that `@supabase/auth-js` reads (`User`, `Session`).
 *
 * @example
 * const tokens = createAccessTokenSigner({ secret, issuer: 'http://localhost:8787/auth/v1' });
 * reply.send(await sessionBody(tokens, issued));
 */
import { SignJWT } from 'jose';
import type { IssuedSession, UserRow } from './gotrue-store.js';
import { ACCESS_TOKEN_AUDIENCE } from './token-verifier.js';

export interface AccessTokenSignerOptions {
  secret: string;
  /** `iss` claim: `<public base URL>/auth/v1`, as Supabase sets it. */
  issuer: string;
  /** Lifetime of access tokens; default 3600 (Supabase's default). */
  ttlSeconds?: number;
}

export interface SignedAccessToken {
  token: string;
  expiresIn: number;
  /** Epoch seconds. */
  expiresAt: number;
}

export interface AccessTokenSigner {
  sign(session: IssuedSession): Promise<SignedAccessToken>;
}

function iso(value: Date | string | null): string | null {
  return value === null ? null : new Date(value).toISOString();
}

export function createAccessTokenSigner(options: AccessTokenSignerOptions): AccessTokenSigner {
  const key = new TextEncoder().encode(options.secret);
  const ttl = options.ttlSeconds ?? 3600;
  return {
    async sign({ user, sessionId, authenticatedAt }) {
      const issuedAt = Math.floor(Date.now() / 1000);
      const expiresAt = issuedAt + ttl;
      const token = await new SignJWT({
        email: user.email ?? '',
        phone: '',
        app_metadata: user.raw_app_meta_data,
        user_metadata: user.raw_user_meta_data,
        role: user.role,
        aal: 'aal1',
        amr: [{ method: 'password', timestamp: authenticatedAt }],
        session_id: sessionId,
        is_anonymous: false,
      })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuer(options.issuer)
        .setSubject(user.id)
        .setAudience(ACCESS_TOKEN_AUDIENCE)
        .setIssuedAt(issuedAt)
        .setExpirationTime(expiresAt)
        .sign(key);
      return { token, expiresIn: ttl, expiresAt };
    },
  };
}

/** A user as Supabase Auth returns it (`GET /user`, `session.user`); never the password hash. */
export function userBody(user: UserRow) {
  const email = user.email ?? '';
  const confirmedAt = iso(user.email_confirmed_at);
  return {
    id: user.id,
    aud: user.aud,
    role: user.role,
    email,
    email_confirmed_at: confirmedAt,
    phone: '',
    confirmed_at: confirmedAt,
    last_sign_in_at: iso(user.last_sign_in_at),
    app_metadata: user.raw_app_meta_data,
    user_metadata: user.raw_user_meta_data,
    // Atlas keeps no identities table; email/password users have exactly this one identity.
    identities: [
      {
        identity_id: user.id,
        id: user.id,
        user_id: user.id,
        identity_data: {
          email,
          email_verified: confirmedAt !== null,
          phone_verified: false,
          sub: user.id,
        },
        provider: 'email',
        last_sign_in_at: iso(user.last_sign_in_at),
        created_at: iso(user.created_at),
        updated_at: iso(user.updated_at),
        email,
      },
    ],
    created_at: iso(user.created_at),
    updated_at: iso(user.updated_at),
    is_anonymous: false,
  };
}

/** The token response (`/token`, `/signup` with auto-confirmation). */
export async function sessionBody(signer: AccessTokenSigner, session: IssuedSession) {
  const access = await signer.sign(session);
  return {
    access_token: access.token,
    token_type: 'bearer',
    expires_in: access.expiresIn,
    expires_at: access.expiresAt,
    refresh_token: session.refreshToken,
    user: userBody(session.user),
  };
}
