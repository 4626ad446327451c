/**
 * @module auth/gotrue-routes
 * The standalone sign-in endpoints: the subset of Supabase Auth (GoTrue) that
 * `@supabase/supabase-js` uses for email and password, so the web app's auth code works
 * unchanged against Atlas (`signUp`, `signInWithPassword`, `refreshSession`, `getUser`,
 * `signOut`). Registered under `/auth/v1`; encapsulated, with its own GoTrue-shaped error handler.
 *
 * @example
 * app.register(createGoTrueRoutes({ db, secret, issuer, verifier, redis }), { prefix: '/auth/v1' });
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Redis } from '../cache/redis-connection.js';
import type { Database } from '../db/database.js';
import { bearerToken } from './authenticate.js';
import { GoTrueError, goTrueErrorHandler } from './gotrue-errors.js';
import { type AuthLimitsConfig, createAuthLimits } from './gotrue-limits.js';
import { createAccessTokenSigner, sessionBody, userBody } from './gotrue-session.js';
import { AuthStore, isUniqueViolation, type LogoutScope } from './gotrue-store.js';
import { hashPassword, verifyAgainstDecoy, verifyPassword } from './password-hash.js';
import type { TokenVerifier } from './token-verifier.js';

export interface GoTrueRoutesOptions {
  db: Database;
  /** HS256 secret access tokens are signed with. */
  secret: string;
  /** `iss` of issued tokens: `<public base URL>/auth/v1`. */
  issuer: string;
  /** Verifies bearer tokens on `/user` and `/logout` (accepts at least the tokens issued here). */
  verifier: TokenVerifier;
  redis?: Redis | undefined;
  limits?: Partial<AuthLimitsConfig> | undefined;
  /** Prefix of rate-limiter names; tests sharing one Redis set a unique one. */
  limiterNamespace?: string | undefined;
  accessTokenTtlSeconds?: number | undefined;
}

export const MIN_PASSWORD_LENGTH = 8;
const MAX_PASSWORD_LENGTH = 1024;
/** Metadata travels inside every access token, which must fit in an HTTP header (~16 KiB). */
const MAX_METADATA_BYTES = 4 * 1024;
const MAX_EMAIL_LENGTH = 254;

const metadata = z.record(z.string(), z.unknown());
const signupBody = z.object({
  email: z.string({ error: 'To sign up, please provide your email' }),
  password: z.string({ error: 'Signup requires a valid password' }),
  data: metadata.nullish(),
});
const passwordGrantBody = z.object({
  email: z.string({ error: 'An email address is required (phone sign-in is not supported)' }),
  password: z.string({ error: 'A password is required' }),
});
const refreshGrantBody = z.object({
  refresh_token: z.string({ error: 'refresh_token is required' }).min(1),
});
const tokenQuery = z.object({ grant_type: z.string().optional() });
const logoutQuery = z.object({ scope: z.enum(['global', 'local', 'others']).default('global') });
const emailFormat = z.email();

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const message = result.error.issues[0]?.message ?? 'The request is invalid';
  throw new GoTrueError('validation_failed', 'validation_failed', message);
}

/** Trimmed and lower-cased: one account per mailbox however it is typed. */
export function normaliseEmail(raw: string): string {
  const email = raw.trim().toLowerCase();
  if (email.length > MAX_EMAIL_LENGTH || !emailFormat.safeParse(email).success) {
    throw new GoTrueError(
      'validation_failed',
      'email_address_invalid',
      'Unable to validate email address: invalid format',
    );
  }
  return email;
}

function checkNewPassword(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new GoTrueError(
      'weak_password',
      'weak_password',
      `Password should be at least ${MIN_PASSWORD_LENGTH} characters.`,
      {
        reasons: ['length'],
      },
    );
  }
  if (password.length > MAX_PASSWORD_LENGTH) {
    throw new GoTrueError(
      'validation_failed',
      'validation_failed',
      `Password cannot be longer than ${MAX_PASSWORD_LENGTH} characters`,
      {
        status: 422,
      },
    );
  }
}

function clientInfo(request: FastifyRequest) {
  const agent = request.headers['user-agent'];
  return { userAgent: typeof agent === 'string' ? agent.slice(0, 512) : undefined, ip: request.ip };
}

const invalidCredentials = () =>
  new GoTrueError('invalid_credentials', 'invalid_credentials', 'Invalid login credentials');

export function createGoTrueRoutes(options: GoTrueRoutesOptions): FastifyPluginAsync {
  const store = new AuthStore(options.db);
  const signer = createAccessTokenSigner({
    secret: options.secret,
    issuer: options.issuer,
    ...(options.accessTokenTtlSeconds === undefined
      ? {}
      : { ttlSeconds: options.accessTokenTtlSeconds }),
  });
  const limits = createAuthLimits({
    redis: options.redis,
    limits: options.limits,
    namespace: options.limiterNamespace,
  });

  /** The caller's verified claims and live session, as Supabase Auth's `requireAuthentication`. */
  async function authenticate(request: FastifyRequest) {
    const token = bearerToken(request.headers.authorization);
    if (token === undefined)
      throw new GoTrueError(
        'unauthorized',
        'no_authorization',
        'This endpoint requires a Bearer token',
      );
    const claims = await options.verifier.verify(token);
    const sessionId = typeof claims.session_id === 'string' ? claims.session_id : undefined;
    if (sessionId !== undefined && !(await store.isSessionActive(sessionId, claims.sub))) {
      throw new GoTrueError(
        'unauthorized',
        'session_not_found',
        'Session from session_id claim in JWT does not exist',
        {
          status: 403,
        },
      );
    }
    return { claims, sessionId };
  }

  return async function goTrueRoutes(app) {
    app.setErrorHandler(goTrueErrorHandler);
    // auth-js posts `/logout` with a JSON content type and no body, which Fastify's parser refuses.
    const parseJson = app.getDefaultJsonParser('error', 'error');
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
      if (body.length === 0) return done(null, undefined);
      return parseJson(request, body.toString(), done);
    });
    app.setNotFoundHandler((request, reply) => {
      goTrueErrorHandler(
        new GoTrueError('not_found', 'not_found', 'Not found', { status: 404 }),
        request,
        reply,
      );
    });
    app.addHook('onSend', async (_request, reply) => {
      reply.header('cache-control', 'no-store');
    });

    app.post('/signup', async (request) => {
      const body = parse(signupBody, request.body);
      const email = normaliseEmail(body.email);
      checkNewPassword(body.password);
      const data = body.data ?? {};
      if (Buffer.byteLength(JSON.stringify(data)) > MAX_METADATA_BYTES) {
        throw new GoTrueError(
          'validation_failed',
          'validation_failed',
          'User metadata is too large',
        );
      }
      await limits.checkSignup(request.ip);
      const passwordHash = await hashPassword(body.password);
      try {
        const issued = await store.signUp(
          { email, passwordHash, metadata: data },
          clientInfo(request),
        );
        request.log.info({ event: 'auth.signup', userId: issued.user.id }, 'user signed up');
        return await sessionBody(signer, issued);
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        throw new GoTrueError(
          'user_already_exists',
          'user_already_exists',
          'User already registered',
        );
      }
    });

    app.post('/token', async (request) => {
      const { grant_type: grant } = parse(tokenQuery, request.query);
      if (grant === 'password') {
        const body = parse(passwordGrantBody, request.body);
        const email = body.email.trim().toLowerCase();
        await limits.checkLogin(request.ip, email);
        // No stored password can be this long; refuse before spending a hash on it.
        if (body.password.length > MAX_PASSWORD_LENGTH) throw invalidCredentials();
        const user = await store.findUserByEmail(email);
        const ok =
          user?.encrypted_password != null
            ? await verifyPassword(body.password, user.encrypted_password)
            : await verifyAgainstDecoy(body.password);
        if (!ok || user === undefined) {
          request.log.info(
            { event: 'auth.login_failed', known: user !== undefined },
            'password login refused',
          );
          throw invalidCredentials();
        }
        await limits.loginSucceeded(request.ip, email);
        const issued = await store.signIn(user.id, clientInfo(request));
        request.log.info(
          { event: 'auth.login', userId: user.id, sessionId: issued.sessionId },
          'user signed in',
        );
        return sessionBody(signer, issued);
      }
      if (grant === 'refresh_token') {
        const body = parse(refreshGrantBody, request.body);
        await limits.checkRefresh(request.ip);
        const result = await store.rotate(body.refresh_token);
        if (result.kind === 'rotated') return sessionBody(signer, result.session);
        if (result.kind === 'reused') {
          request.log.warn(
            {
              event: 'auth.refresh_token_reused',
              userId: result.userId,
              sessionId: result.sessionId,
            },
            'a spent refresh token was presented again; the session is revoked',
          );
          throw new GoTrueError(
            'invalid_refresh_token',
            'refresh_token_already_used',
            'Invalid Refresh Token: Already Used',
          );
        }
        throw new GoTrueError(
          'invalid_refresh_token',
          'refresh_token_not_found',
          'Invalid Refresh Token: Refresh Token Not Found',
        );
      }
      throw new GoTrueError(
        'validation_failed',
        'validation_failed',
        'unsupported_grant_type: use password or refresh_token',
      );
    });

    app.get('/user', async (request) => {
      const { claims } = await authenticate(request);
      const user = await store.findUserById(claims.sub);
      if (user === undefined) {
        throw new GoTrueError(
          'unauthorized',
          'user_not_found',
          'User from sub claim in JWT does not exist',
          { status: 403 },
        );
      }
      return userBody(user);
    });

    app.post('/logout', async (request, reply) => {
      const { scope } = parse(logoutQuery, request.query);
      const { claims, sessionId } = await authenticate(request);
      await store.logout(claims.sub, sessionId, scope satisfies LogoutScope);
      request.log.info(
        { event: 'auth.logout', userId: claims.sub, sessionId, scope },
        'user signed out',
      );
      return reply.code(204).send();
    });
  };
}
