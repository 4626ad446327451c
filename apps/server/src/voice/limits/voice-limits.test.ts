import { afterAll, describe, expect, it } from 'vitest';
import { connectRedis, type Redis } from '../../cache/redis-connection.js';
import { MemoryResumeStore } from './memory-resume-store.js';
import { MemorySessionRegistry } from './memory-session-registry.js';
import { RedisResumeStore } from './redis-resume-store.js';
import { RedisSessionRegistry } from './redis-session-registry.js';
import { createVoiceLimits } from './voice-limits.js';

const redisUrl = process.env.TEST_REDIS_URL;

describe('createVoiceLimits', () => {
  const opened: Redis[] = [];
  afterAll(() => {
    for (const redis of opened) redis.disconnect();
  });

  it('uses memory without Redis, with the protocol defaults', async () => {
    const limits = createVoiceLimits();
    expect(limits.backend).toBe('memory');
    expect(limits.registry).toBeInstanceOf(MemorySessionRegistry);
    expect(limits.resumeStore).toBeInstanceOf(MemoryResumeStore);
    expect(limits.registry.maxSessionsPerUser).toBe(3);
    expect(limits.createFrameGuard().options.maxFrameBytes).toBe(102_400);
  });

  it('passes options through and gives each connection its own guards', async () => {
    let now = 0;
    const limits = createVoiceLimits({
      maxSessionsPerUser: 1,
      sessionTtlMs: 1_000,
      resumeTtlMs: 500,
      now: () => now,
      frame: { maxFramesPerSecond: 1, rateWindowMs: 1_000 },
      malformed: { maxInWindow: 1 },
    });
    expect((await limits.registry.acquire('u', 'a')).ok).toBe(true);
    expect((await limits.registry.acquire('u', 'b')).ok).toBe(false);
    now = 1_000;
    expect((await limits.registry.acquire('u', 'b')).ok).toBe(true);

    await limits.resumeStore.checkpoint({ sessionId: 's', userId: 'u', state: {} }, 'run-1');
    now += 500;
    expect(await limits.resumeStore.take('s', 'u', 'run-2')).toBeUndefined();

    const [a, b] = [limits.createFrameGuard(), limits.createFrameGuard()];
    expect(a.check(3_200, 0)).toBe('ok');
    expect(a.check(3_200, 1)).toBe('rate_limited');
    expect(b.check(3_200, 1)).toBe('ok');
    expect(limits.createMalformedCounter().record(0)).toBe('close');
  });

  it('rejects bad options at creation, not on first use', () => {
    expect(() => createVoiceLimits({ maxSessionsPerUser: 0 })).toThrow(RangeError);
    expect(() => createVoiceLimits({ frame: { minFrameBytes: -1 } })).toThrow(RangeError);
    expect(() => createVoiceLimits({ malformed: { maxTotal: 0 } })).toThrow(RangeError);
    expect(() => createVoiceLimits({ resumeTtlMs: 0 })).toThrow(RangeError);
  });

  it.skipIf(!redisUrl)('uses Redis when given a connection, shared between instances', async () => {
    const redis = await connectRedis(redisUrl ?? '');
    opened.push(redis);
    const keyPrefix = `atlas:test:${crypto.randomUUID()}`;
    const first = createVoiceLimits({ redis, keyPrefix, maxSessionsPerUser: 1 });
    const second = createVoiceLimits({ redis, keyPrefix, maxSessionsPerUser: 1 });
    expect(first.backend).toBe('redis');
    expect(first.registry).toBeInstanceOf(RedisSessionRegistry);
    expect(first.resumeStore).toBeInstanceOf(RedisResumeStore);
    expect((await first.registry.acquire('u', 'a')).ok).toBe(true);
    expect(await second.registry.acquire('u', 'b')).toEqual({ ok: false, active: 1 });
    await first.resumeStore.checkpoint(
      { sessionId: 'a', userId: 'u', state: { turns: 2 } },
      'run-1',
    );
    expect(await second.resumeStore.take('a', 'u', 'run-2')).toEqual({
      sessionId: 'a',
      userId: 'u',
      state: { turns: 2 },
    });
  });
});
