import { MESSAGE_RATE_LIMITS, type Tier, tierSchema } from '@atlas/protocol';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { requireUser } from '../auth/authenticate.js';
import { createTokenVerifier } from '../auth/token-verifier.js';
import { connectRedis, type Redis } from '../cache/redis-connection.js';
import { errorHandler } from '../http/error-handler.js';
import { signTestToken, TEST_JWT_SECRET } from '../voice/testing/voice-harness.js';
import { createMessageRateLimit, ipRateLimit } from './message-rate-limit.js';

const redisUrl = process.env.TEST_REDIS_URL;
const stores: Array<[string, () => Promise<Redis | undefined>]> = [
  ['memory', async () => undefined],
];
if (redisUrl) stores.push(['redis', () => connectRedis(redisUrl)]);

const verifier = createTokenVerifier({ hsSecret: TEST_JWT_SECRET });

/** A server instance with a message route; the tier comes from a header for the test. */
async function messageApp(redis: Redis | undefined, namespace: string): Promise<FastifyInstance> {
  const app = Fastify();
  app.setErrorHandler(errorHandler);
  const limit = createMessageRateLimit({ redis, namespace });
  app.post('/v1/messages', { preHandler: requireUser(verifier) }, async (request, reply) => {
    const tier: Tier = tierSchema.parse(request.headers['x-test-tier']);
    await limit.check(request.user.sub, tier, reply);
    return { ok: true };
  });
  await app.ready();
  return app;
}

async function send(app: FastifyInstance, token: string, tier: Tier) {
  return app.inject({
    method: 'POST',
    url: '/v1/messages',
    headers: { authorization: `Bearer ${token}`, 'x-test-tier': tier },
    payload: {},
  });
}

describe('MESSAGE_RATE_LIMITS', () => {
  it('gives free users 20 messages a minute and paid tiers a higher ceiling', () => {
    expect(MESSAGE_RATE_LIMITS.free).toEqual({ points: 20, durationSeconds: 60 });
    expect(MESSAGE_RATE_LIMITS.core.points).toBeGreaterThan(MESSAGE_RATE_LIMITS.free.points);
    expect(MESSAGE_RATE_LIMITS.studio.points).toBeGreaterThan(MESSAGE_RATE_LIMITS.free.points);
  });
});

describe.each(stores)('message rate limit (%s)', (store, connect) => {
  const opened: Redis[] = [];
  const apps: FastifyInstance[] = [];
  afterAll(async () => {
    for (const app of apps) await app.close();
    for (const redis of opened) redis.disconnect();
  });
  async function instance(namespace: string) {
    const redis = await connect();
    if (redis) opened.push(redis);
    const app = await messageApp(redis, namespace);
    apps.push(app);
    return app;
  }

  it('refuses the 21st message in a minute from a free user with 429, retry-after and x-ratelimit headers', async () => {
    const app = await instance(`t-${crypto.randomUUID()}`);
    const token = await signTestToken(crypto.randomUUID());
    for (let i = 1; i <= 20; i++) {
      const ok = await send(app, token, 'free');
      expect(ok.statusCode).toBe(200);
      expect(ok.headers['x-ratelimit-limit']).toBe('20');
      expect(ok.headers['x-ratelimit-remaining']).toBe(String(20 - i));
      expect(Number(ok.headers['x-ratelimit-reset'])).toBeGreaterThan(0);
      expect(Number(ok.headers['x-ratelimit-reset'])).toBeLessThanOrEqual(60);
    }
    const refused = await send(app, token, 'free');
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['x-ratelimit-limit']).toBe('20');
    expect(refused.headers['x-ratelimit-remaining']).toBe('0');
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(Number(refused.headers['x-ratelimit-reset'])).toBe(retryAfter);
    const body = refused.json();
    expect(body.code).toBe('rate_limited');
    expect(body.message).toMatch(/20 messages in the last minute.*Try again in \d+ seconds?/);
    expect(body.details.retryAfterMs).toBeGreaterThan(0);
  });

  it('lets a paid user send a 21st message', async () => {
    const app = await instance(`t-${crypto.randomUUID()}`);
    const token = await signTestToken(crypto.randomUUID());
    for (const tier of ['core', 'studio'] as const) {
      const user = await signTestToken(crypto.randomUUID());
      for (let i = 0; i < 21; i++) expect((await send(app, user, tier)).statusCode).toBe(200);
      const last = await send(app, user, tier);
      expect(last.headers['x-ratelimit-limit']).toBe(String(MESSAGE_RATE_LIMITS[tier].points));
    }
    // Users are counted apart: another free user is unaffected.
    expect((await send(app, token, 'free')).statusCode).toBe(200);
  });

  it('counts a user across server instances only through Redis', async () => {
    const namespace = `t-${crypto.randomUUID()}`;
    const a = await instance(namespace);
    const b = await instance(namespace);
    const token = await signTestToken(crypto.randomUUID());
    for (let i = 0; i < 20; i++) expect((await send(a, token, 'free')).statusCode).toBe(200);
    const onB = await send(b, token, 'free');
    expect(onB.statusCode).toBe(store === 'redis' ? 429 : 200);
  });

  it('still demands a token before counting', async () => {
    const app = await instance(`t-${crypto.randomUUID()}`);
    const response = await app.inject({ method: 'POST', url: '/v1/messages', payload: {} });
    expect(response.statusCode).toBe(401);
    expect(response.headers['x-ratelimit-limit']).toBeUndefined();
  });
});

describe.each(stores)('ipRateLimit (%s)', (_store, connect) => {
  const opened: Redis[] = [];
  afterAll(() => {
    for (const redis of opened) redis.disconnect();
  });

  it('refuses an address over the limit with 429 and retry-after, other addresses pass', async () => {
    const redis = await connect();
    if (redis) opened.push(redis);
    const app = Fastify();
    app.setErrorHandler(errorHandler);
    app.addHook(
      'preHandler',
      ipRateLimit({ name: `t-${crypto.randomUUID()}`, points: 3, durationSeconds: 60, redis }),
    );
    app.post('/auth/v1/token', async () => ({ ok: true }));
    const from = (remoteAddress: string) =>
      app.inject({ method: 'POST', url: '/auth/v1/token', remoteAddress, payload: {} });

    for (let i = 0; i < 3; i++) expect((await from('203.0.113.7')).statusCode).toBe(200);
    const refused = await from('203.0.113.7');
    expect(refused.statusCode).toBe(429);
    expect(refused.json().code).toBe('rate_limited');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(refused.headers['x-ratelimit-limit']).toBe('3');
    expect(refused.headers['x-ratelimit-remaining']).toBe('0');
    expect((await from('203.0.113.8')).statusCode).toBe(200);
    await app.close();
  });
});
