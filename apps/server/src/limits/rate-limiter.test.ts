import { afterAll, describe, expect, it } from 'vitest';
import { connectRedis, type Redis } from '../cache/redis-connection.js';
import { createRateLimiter } from './rate-limiter.js';

const redisUrl = process.env.TEST_REDIS_URL;
const stores: Array<[string, () => Promise<Redis | undefined>]> = [
  ['memory', async () => undefined],
];
if (redisUrl) stores.push(['redis', () => connectRedis(redisUrl)]);

describe.each(stores)('rate limiter (%s)', (_store, connect) => {
  const opened: Redis[] = [];
  afterAll(() => {
    for (const redis of opened) redis.disconnect();
  });

  async function limiter(points: number) {
    const redis = await connect();
    if (redis) opened.push(redis);
    return createRateLimiter({
      name: `test-${crypto.randomUUID()}`,
      points,
      durationSeconds: 60,
      redis,
    });
  }

  it('allows up to the limit, then refuses with a retry time', async () => {
    const rl = await limiter(3);
    const decisions = [];
    for (let i = 0; i < 4; i++) decisions.push(await rl.consume('user-1'));
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, false]);
    expect(decisions[2]?.remaining).toBe(0);
    expect(decisions[3]?.retryAfterMs).toBeGreaterThan(0);
    expect(decisions[3]?.retryAfterMs).toBeLessThanOrEqual(60_000);
  });

  it('keeps keys apart and forgets a key on reset', async () => {
    const rl = await limiter(1);
    expect((await rl.consume('a')).allowed).toBe(true);
    expect((await rl.consume('b')).allowed).toBe(true);
    expect((await rl.consume('a')).allowed).toBe(false);
    await rl.reset('a');
    expect((await rl.consume('a')).allowed).toBe(true);
  });

  it('shares counts between limiters of the same name (instances) only through Redis', async () => {
    const redis = await connect();
    if (redis) opened.push(redis);
    const name = `shared-${crypto.randomUUID()}`;
    const first = createRateLimiter({ name, points: 1, durationSeconds: 60, redis });
    const second = createRateLimiter({ name, points: 1, durationSeconds: 60, redis });
    await first.consume('k');
    expect((await second.consume('k')).allowed).toBe(redis === undefined);
  });
});
