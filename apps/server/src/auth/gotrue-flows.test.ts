/**
 * The GoTrue-compatible endpoints driven by the real `@supabase/supabase-js` client over HTTP,
 * against a real database (PGlite; PostgreSQL too when TEST_DATABASE_URL is set) and Redis-backed
 * limits when TEST_REDIS_URL is set.
 */
import { randomUUID } from 'node:crypto';
import {
  isAuthApiError,
  isAuthSessionMissingError,
  isAuthWeakPasswordError,
} from '@supabase/supabase-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, type Redis } from '../cache/redis-connection.js';
import type { Database } from '../db/database.js';
import { databaseTargets } from '../db/testing/test-databases.js';
import { hashRefreshToken } from './gotrue-store.js';
import { type GoTrueTestServer, startGoTrueServer, TEST_ISSUER } from './testing/gotrue-server.js';

const PASSWORD = 'correct-horse-battery';
const newEmail = () => `user-${randomUUID()}@example.test`;

describe.each(databaseTargets())('GoTrue subset via supabase-js on $name', (target) => {
  let db: Database;
  let redis: Redis | undefined;
  let server: GoTrueTestServer;

  beforeAll(async () => {
    db = await target.open();
    redis = process.env.TEST_REDIS_URL ? await connectRedis(process.env.TEST_REDIS_URL) : undefined;
    // Sign-ups and per-IP logins are loosened (every test comes from 127.0.0.1); the
    // per-IP-and-email login limit keeps its production default of 10 per 5 minutes.
    server = await startGoTrueServer({
      db,
      redis,
      limits: {
        signupPerIp: { points: 1000, durationSeconds: 3600 },
        loginPerIp: { points: 1000, durationSeconds: 300 },
      },
    });
  });
  afterAll(async () => {
    await server?.close();
    redis?.disconnect();
    await db?.close();
  });

  async function signedUp(email = newEmail()) {
    const supabase = server.client();
    const { data, error } = await supabase.auth.signUp({ email, password: PASSWORD });
    expect(error).toBeNull();
    if (!data.session || !data.user) throw new Error('sign-up returned no session');
    return { supabase, email, session: data.session, user: data.user };
  }

  it('signs up with auto-confirmation, normalising the email and keeping metadata', async () => {
    const email = newEmail();
    const supabase = server.client();
    const { data, error } = await supabase.auth.signUp({
      email: `  ${email.toUpperCase()} `,
      password: PASSWORD,
      options: { data: { display_name: 'Ada' } },
    });
    expect(error).toBeNull();
    expect(data.user).toMatchObject({
      email,
      aud: 'authenticated',
      role: 'authenticated',
      user_metadata: { display_name: 'Ada' },
      app_metadata: { provider: 'email', providers: ['email'] },
    });
    expect(data.user?.email_confirmed_at).toEqual(expect.any(String));
    expect(data.session).toMatchObject({ token_type: 'bearer', expires_in: 3600 });
    expect(data.session?.refresh_token.length).toBeGreaterThanOrEqual(43);
    // The client keeps the session it was given.
    expect((await supabase.auth.getSession()).data.session?.access_token).toBe(
      data.session?.access_token,
    );
  });

  it('issues access tokens that the token verifier accepts, with Supabase claims', async () => {
    const { session, user, email } = await signedUp();
    const claims = await server.verifier.verify(session.access_token);
    expect(claims).toMatchObject({
      sub: user.id,
      aud: 'authenticated',
      role: 'authenticated',
      email,
      iss: TEST_ISSUER,
      aal: 'aal1',
      session_id: expect.any(String),
      user_metadata: {},
      app_metadata: { provider: 'email' },
    });
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(3600);
    expect(session.expires_at).toBe(claims.exp);
  });

  it('refuses a second sign-up with the same email, whatever its case', async () => {
    const { email } = await signedUp();
    const { data, error } = await server
      .client()
      .auth.signUp({ email: email.toUpperCase(), password: PASSWORD });
    expect(data.session).toBeNull();
    expect(isAuthApiError(error)).toBe(true);
    expect(error).toMatchObject({
      status: 422,
      code: 'user_already_exists',
      message: 'User already registered',
    });
  });

  it('refuses a weak password with the weak-password error', async () => {
    const { error } = await server.client().auth.signUp({ email: newEmail(), password: 'short' });
    expect(isAuthWeakPasswordError(error)).toBe(true);
    expect(error).toMatchObject({ status: 422, code: 'weak_password', reasons: ['length'] });
    expect(error?.message).toMatch(/at least 8 characters/);
  });

  it('signs in with the right password, not with a wrong one or an unknown email', async () => {
    const { email, user } = await signedUp();
    const supabase = server.client();
    const ok = await supabase.auth.signInWithPassword({
      email: ` ${email.toUpperCase()}`,
      password: PASSWORD,
    });
    expect(ok.error).toBeNull();
    expect(ok.data.user?.id).toBe(user.id);
    expect(ok.data.session?.access_token).toEqual(expect.any(String));

    for (const attempt of [
      { email, password: `${PASSWORD}!` },
      { email: newEmail(), password: PASSWORD },
    ]) {
      const { data, error } = await server.client().auth.signInWithPassword(attempt);
      expect(data.session).toBeNull();
      expect(isAuthApiError(error)).toBe(true);
      expect(error).toMatchObject({
        status: 400,
        code: 'invalid_credentials',
        message: 'Invalid login credentials',
      });
    }
  });

  it('gets the signed-in user', async () => {
    const { supabase, user, email } = await signedUp();
    const { data, error } = await supabase.auth.getUser();
    expect(error).toBeNull();
    expect(data.user).toMatchObject({ id: user.id, email });
    expect(JSON.stringify(data.user)).not.toContain('scrypt');
  });

  it('refuses a forged token on /user with a JWT error', async () => {
    const { error } = await server.client().auth.getUser('not-a-jwt');
    expect(isAuthApiError(error)).toBe(true);
    expect(error).toMatchObject({ status: 403, code: 'bad_jwt' });
  });

  it('rotates refresh tokens; replaying a spent one fails and revokes the session', async () => {
    const { supabase, session: first } = await signedUp();
    const refreshed = await supabase.auth.refreshSession();
    expect(refreshed.error).toBeNull();
    const second = refreshed.data.session;
    if (!second) throw new Error('refresh returned no session');
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect((await server.verifier.verify(second.access_token)).session_id).toBe(
      (await server.verifier.verify(first.access_token)).session_id,
    );

    const replay = await server
      .client()
      .auth.refreshSession({ refresh_token: first.refresh_token });
    expect(replay.data.session).toBeNull();
    expect(replay.error).toMatchObject({
      status: 400,
      code: 'refresh_token_already_used',
      message: 'Invalid Refresh Token: Already Used',
    });

    // The replay ended the session: its newest refresh token and access token are dead too.
    const next = await server.client().auth.refreshSession({ refresh_token: second.refresh_token });
    expect(next.error).toMatchObject({ status: 400, code: 'refresh_token_not_found' });
    const user = await server.client().auth.getUser(second.access_token);
    expect(isAuthSessionMissingError(user.error)).toBe(true);
  });

  it('refuses a refresh token it never issued', async () => {
    const { error } = await server
      .client()
      .auth.refreshSession({ refresh_token: 'made-up-refresh-token' });
    expect(error).toMatchObject({ status: 400, code: 'refresh_token_not_found' });
  });

  it('signs out (global by default): tokens of every session of the user stop working', async () => {
    const { supabase, email, session } = await signedUp();
    const other = server.client();
    const otherSession = (await other.auth.signInWithPassword({ email, password: PASSWORD })).data
      .session;
    if (!otherSession) throw new Error('second sign-in failed');

    expect((await supabase.auth.signOut()).error).toBeNull();
    expect((await supabase.auth.getSession()).data.session).toBeNull();
    for (const s of [session, otherSession]) {
      expect(
        isAuthSessionMissingError((await server.client().auth.getUser(s.access_token)).error),
      ).toBe(true);
      const refresh = await server.client().auth.refreshSession({ refresh_token: s.refresh_token });
      expect(refresh.error).toMatchObject({ code: 'refresh_token_not_found' });
    }
  });

  it('signs out locally or everywhere else on request', async () => {
    const { supabase: a, email } = await signedUp();
    const b = server.client();
    const c = server.client();
    await b.auth.signInWithPassword({ email, password: PASSWORD });
    await c.auth.signInWithPassword({ email, password: PASSWORD });

    expect((await a.auth.signOut({ scope: 'others' })).error).toBeNull();
    expect((await a.auth.getUser()).error).toBeNull();
    expect(isAuthSessionMissingError((await b.auth.getUser()).error)).toBe(true);

    const d = server.client();
    await d.auth.signInWithPassword({ email, password: PASSWORD });
    expect((await a.auth.signOut({ scope: 'local' })).error).toBeNull();
    expect((await d.auth.getUser()).error).toBeNull();
    const aSession = (await a.auth.getSession()).data.session;
    expect(aSession).toBeNull();
  });

  it('limits password attempts per IP and email: the 11th in 5 minutes gets 429 and Retry-After', async () => {
    const { email } = await signedUp();
    const supabase = server.client();
    for (let i = 0; i < 10; i++) {
      const { error } = await supabase.auth.signInWithPassword({
        email,
        password: `wrong-${i}-password`,
      });
      expect(error?.status, `attempt ${i + 1}`).toBe(400);
    }
    const limited = await supabase.auth.signInWithPassword({ email, password: PASSWORD });
    expect(isAuthApiError(limited.error)).toBe(true);
    expect(limited.error).toMatchObject({ status: 429, code: 'over_request_rate_limit' });

    const raw = await fetch(`${server.url}/auth/v1/token?grant_type=password`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: PASSWORD }),
    });
    expect(raw.status).toBe(429);
    const retryAfter = Number(raw.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(300);

    // Another account from the same IP is not affected.
    const other = await signedUp();
    expect(
      (await server.client().auth.signInWithPassword({ email: other.email, password: PASSWORD }))
        .error,
    ).toBeNull();
  });

  it('forgets failed attempts after a successful login', async () => {
    const { email } = await signedUp();
    const supabase = server.client();
    const statuses: Array<number | undefined> = [];
    for (let i = 0; i < 9; i++) {
      statuses.push(
        (await supabase.auth.signInWithPassword({ email, password: 'not-the-password' })).error
          ?.status,
      );
    }
    expect(
      (await supabase.auth.signInWithPassword({ email, password: PASSWORD })).error,
    ).toBeNull();
    for (let i = 0; i < 10; i++) {
      statuses.push(
        (await supabase.auth.signInWithPassword({ email, password: 'not-the-password' })).error
          ?.status,
      );
    }
    expect(statuses).toEqual(Array(19).fill(400));
  });

  it('stores neither passwords nor refresh tokens in clear', async () => {
    const { email, session } = await signedUp();
    const users = await db.query<{ encrypted_password: string }>(
      'select encrypted_password from auth.users where email = $1',
      [email],
    );
    const stored = users.rows[0]?.encrypted_password ?? '';
    expect(stored).toMatch(/^\$scrypt\$/);
    expect(stored).not.toContain(PASSWORD);

    const tokens = await db.query<{ token_hash: string }>(
      'select token_hash from auth.refresh_tokens where token_hash = $1 or token_hash = $2',
      [session.refresh_token, hashRefreshToken(session.refresh_token)],
    );
    expect(tokens.rows).toEqual([{ token_hash: hashRefreshToken(session.refresh_token) }]);
    expect(tokens.rows[0]?.token_hash).toMatch(/^[0-9a-f]{64}$/);
  });
});
