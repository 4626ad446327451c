import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireUser } from '../auth/authenticate.js';
import { createTokenVerifier } from '../auth/token-verifier.js';
import { signTestToken, TEST_JWT_SECRET } from '../voice/testing/voice-harness.js';
import { errorHandler } from './error-handler.js';
import { createOriginPolicy, securityPlugin } from './security.js';

const ALLOWED = 'https://app.example.com';
const FOREIGN = 'https://evil.example.net';

describe('securityPlugin', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = Fastify();
    app.setErrorHandler(errorHandler);
    await app.register(securityPlugin, { corsOrigins: [ALLOWED, 'http://localhost:5173/'] });
    const verifier = createTokenVerifier({ hsSecret: TEST_JWT_SECRET });
    app.get('/v1/me', { preHandler: requireUser(verifier) }, async (request) => ({
      id: request.user.sub,
    }));
    app.get('/health', async () => ({ ok: true }));
    await app.ready();
  });
  afterAll(() => app.close());

  it('refuses a simple request from a foreign origin with 403 forbidden', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/health',
      headers: { origin: FOREIGN },
    });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toEqual({ code: 'forbidden', message: 'Origin not allowed' });
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('refuses a preflight from a foreign origin with 403 forbidden', async () => {
    const response = await app.inject({
      method: 'OPTIONS',
      url: '/v1/me',
      headers: {
        origin: FOREIGN,
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization',
      },
    });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toEqual({ code: 'forbidden', message: 'Origin not allowed' });
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('refuses `Origin: null` and an origin differing only by scheme or port', async () => {
    for (const origin of ['null', 'http://app.example.com', 'https://app.example.com:8443']) {
      const response = await app.inject({ method: 'GET', url: '/health', headers: { origin } });
      expect(response.statusCode, origin).toBe(403);
    }
  });

  it('answers an allowed origin with its ACAO, simple and preflight, without credentials', async () => {
    const userId = crypto.randomUUID();
    const token = await signTestToken(userId);
    const simple = await app.inject({
      method: 'GET',
      url: '/v1/me',
      headers: { origin: ALLOWED, authorization: `Bearer ${token}` },
    });
    expect(simple.statusCode).toBe(200);
    expect(simple.json()).toEqual({ id: userId });
    expect(simple.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(simple.headers['access-control-allow-credentials']).toBeUndefined();
    expect(simple.headers.vary).toMatch(/origin/i);

    const preflight = await app.inject({
      method: 'OPTIONS',
      url: '/v1/me',
      headers: {
        origin: 'http://localhost:5173',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('http://localhost:5173');
    expect(preflight.headers['access-control-allow-methods']).toContain('POST');
    expect(String(preflight.headers['access-control-allow-headers'])).toContain('authorization');
  });

  it('allows same-origin requests (Origin equal to the request host)', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/health',
      headers: { origin: 'https://atlas.internal:8080', host: 'atlas.internal:8080' },
    });
    expect(response.statusCode).toBe(200);
  });

  it('passes requests without Origin to the route, which still demands a token', async () => {
    const health = await app.inject({ method: 'GET', url: '/health' });
    expect(health.statusCode).toBe(200);
    const me = await app.inject({ method: 'GET', url: '/v1/me' });
    expect(me.statusCode).toBe(401);
    expect(me.json().code).toBe('unauthorized');
  });

  it('sets helmet security headers with a CSP allowing WebSockets to connect', async () => {
    const response = await app.inject({ method: 'GET', url: '/health' });
    const headers = response.headers;
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(headers['strict-transport-security']).toMatch(/max-age=\d+/);
    expect(headers['referrer-policy']).toBe('no-referrer');
    expect(headers['x-powered-by']).toBeUndefined();
    const csp = String(headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("connect-src 'self' ws: wss:");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
  });

  it('sets the security headers on refusals too', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/nope',
      headers: { origin: FOREIGN },
    });
    expect(response.statusCode).toBe(403);
    expect(response.headers['x-content-type-options']).toBe('nosniff');
  });
});

describe('createOriginPolicy', () => {
  it('allows listed origins (normalised), same-origin, and anything with `*`', () => {
    const allowed = createOriginPolicy(['https://App.Example.com/']);
    expect(allowed('https://app.example.com', 'api.example.com')).toBe(true);
    expect(allowed('https://other.example.com', 'api.example.com')).toBe(false);
    expect(allowed('http://api.example.com', 'api.example.com')).toBe(true);
    expect(allowed('not an origin', 'api.example.com')).toBe(false);
    expect(createOriginPolicy(['*'])('https://any.example.org', undefined)).toBe(true);
    expect(createOriginPolicy([])('https://any.example.org', undefined)).toBe(false);
  });
});
