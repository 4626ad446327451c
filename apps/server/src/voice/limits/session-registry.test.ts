import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { connectRedis, type Redis } from '../../cache/redis-connection.js';
import { MemorySessionRegistry } from './memory-session-registry.js';
import { RedisSessionRegistry } from './redis-session-registry.js';
import type { SessionRegistry } from './session-registry.js';

const redisUrl = process.env.TEST_REDIS_URL;

interface Backend {
  name: string;
  /** Registries made with the same `prefix` share state when the backend can. */
  create(options?: {
    maxSessionsPerUser?: number;
    ttlMs?: number;
    prefix?: string;
  }): SessionRegistry;
}

const backends: Array<[string, () => Promise<Backend & { close(): void }>]> = [
  [
    'memory',
    async () => ({
      name: 'memory',
      create: (options = {}) => new MemorySessionRegistry(options),
      close: () => {},
    }),
  ],
];
if (redisUrl) {
  backends.push([
    'redis',
    async () => {
      const redis = await connectRedis(redisUrl);
      return {
        name: 'redis',
        create: ({ prefix, ...options } = {}) =>
          new RedisSessionRegistry({
            redis,
            keyPrefix: prefix ?? `atlas:test:${crypto.randomUUID()}`,
            ...options,
          }),
        close: () => redis.disconnect(),
      };
    },
  ]);
}

const newUser = () => `user-${crypto.randomUUID()}`;

describe.each(backends)('session registry (%s)', (_name, open) => {
  let backend: Backend & { close(): void };
  beforeAll(async () => {
    backend = await open();
  });
  afterAll(() => backend.close());

  it('refuses the 4th session with the number of active ones', async () => {
    const registry = backend.create();
    const user = newUser();
    const results = [];
    for (const session of ['s1', 's2', 's3', 's4']) {
      results.push(await registry.acquire(user, session));
    }
    expect(results).toEqual([
      { ok: true, alreadyHeld: false },
      { ok: true, alreadyHeld: false },
      { ok: true, alreadyHeld: false },
      { ok: false, active: 3 },
    ]);
    expect(await registry.count(user)).toBe(3);
  });

  it('counts each user separately', async () => {
    const registry = backend.create({ maxSessionsPerUser: 1 });
    const [alice, bob] = [newUser(), newUser()];
    expect((await registry.acquire(alice, 's1')).ok).toBe(true);
    expect((await registry.acquire(bob, 's1')).ok).toBe(true);
    expect(await registry.acquire(alice, 's2')).toEqual({ ok: false, active: 1 });
  });

  it('frees a slot on release; release is idempotent', async () => {
    const registry = backend.create();
    const user = newUser();
    for (const session of ['s1', 's2', 's3']) await registry.acquire(user, session);
    await registry.release(user, 's2');
    await registry.release(user, 's2');
    await registry.release(user, 'never-held');
    await registry.release(newUser(), 'whatever');
    expect(await registry.count(user)).toBe(2);
    expect(await registry.acquire(user, 's4')).toEqual({ ok: true, alreadyHeld: false });
    expect(await registry.acquire(user, 's5')).toEqual({ ok: false, active: 3 });
  });

  it('re-acquiring a held session id (a resume) succeeds without counting it twice', async () => {
    const registry = backend.create();
    const user = newUser();
    for (const session of ['s1', 's2', 's3']) await registry.acquire(user, session);
    expect(await registry.acquire(user, 's2')).toEqual({ ok: true, alreadyHeld: true });
    expect(await registry.count(user)).toBe(3);
    expect(await registry.acquire(user, 's4')).toEqual({ ok: false, active: 3 });
  });

  it('heartbeat reports whether the session still holds a slot', async () => {
    const registry = backend.create();
    const user = newUser();
    await registry.acquire(user, 's1');
    expect(await registry.heartbeat(user, 's1')).toBe(true);
    expect(await registry.heartbeat(user, 's1', 60_000)).toBe(true);
    expect(await registry.heartbeat(user, 'other')).toBe(false);
    await registry.release(user, 's1');
    expect(await registry.heartbeat(user, 's1')).toBe(false);
    expect(await registry.count(user)).toBe(0);
  });

  it('keeps ids containing separators apart', async () => {
    const registry = backend.create({ maxSessionsPerUser: 1 });
    const user = newUser();
    expect((await registry.acquire(`${user}:a`, 'b')).ok).toBe(true);
    expect((await registry.acquire(user, 'a:b')).ok).toBe(true);
  });

  it('rejects empty ids and bad options', async () => {
    const registry = backend.create();
    await expect(registry.acquire('', 's1')).rejects.toThrow(TypeError);
    await expect(registry.acquire(newUser(), '')).rejects.toThrow(TypeError);
    await expect(registry.heartbeat(newUser(), 's1', 0)).rejects.toThrow(RangeError);
    expect(() => backend.create({ maxSessionsPerUser: 0 })).toThrow(RangeError);
    expect(() => backend.create({ ttlMs: 1.5 })).toThrow(RangeError);
  });
});

describe('memory session registry expiry (injected clock)', () => {
  it("lets a session that stops heartbeating (a crashed instance's) expire after the TTL", async () => {
    let now = 1_000_000;
    const registry = new MemorySessionRegistry({ ttlMs: 1_000, now: () => now });
    for (const session of ['s1', 's2', 's3']) await registry.acquire('u', session);

    now += 500;
    expect(await registry.heartbeat('u', 's1')).toBe(true); // s1 now lives until +1500

    now += 499; // +999: all alive
    expect(await registry.acquire('u', 's4')).toEqual({ ok: false, active: 3 });

    now += 1; // +1000: s2 and s3 expired at this instant
    expect(await registry.count('u')).toBe(1);
    expect(await registry.heartbeat('u', 's2')).toBe(false);
    expect(await registry.acquire('u', 's4')).toEqual({ ok: true, alreadyHeld: false });

    now += 500; // +1500: s1 expired too
    expect(await registry.count('u')).toBe(1);
  });

  it('holds a slot for a longer window when asked, and re-acquire never shortens it', async () => {
    let now = 0;
    const registry = new MemorySessionRegistry({ ttlMs: 1_000, now: () => now });
    await registry.acquire('u', 's1');
    await registry.heartbeat('u', 's1', 60_000);
    now = 30_000;
    expect(await registry.acquire('u', 's1')).toEqual({ ok: true, alreadyHeld: true });
    now = 59_999;
    expect(await registry.count('u')).toBe(1);
    now = 60_000;
    expect(await registry.count('u')).toBe(0);
  });
});

describe.skipIf(!redisUrl)('redis session registry across instances', () => {
  const opened: Redis[] = [];
  async function connect(): Promise<Redis> {
    const redis = await connectRedis(redisUrl ?? '');
    opened.push(redis);
    return redis;
  }
  afterAll(() => {
    for (const redis of opened) redis.disconnect();
  });

  it('enforces one limit for two instances racing: 10 concurrent acquires, exactly 3 succeed', async () => {
    const keyPrefix = `atlas:test:${crypto.randomUUID()}`;
    const [a, b] = [
      new RedisSessionRegistry({ redis: await connect(), keyPrefix }),
      new RedisSessionRegistry({ redis: await connect(), keyPrefix }),
    ];
    const user = newUser();
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? a : b).acquire(user, `s${i}`)),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(3);
    for (const refused of results.filter((r) => !r.ok)) {
      expect(refused).toEqual({ ok: false, active: 3 });
    }
    expect(await a.count(user)).toBe(3);
    expect(await b.count(user)).toBe(3);
  });

  it('lets a session resume on another instance without counting it twice', async () => {
    const keyPrefix = `atlas:test:${crypto.randomUUID()}`;
    const a = new RedisSessionRegistry({ redis: await connect(), keyPrefix });
    const b = new RedisSessionRegistry({ redis: await connect(), keyPrefix });
    const user = newUser();
    for (const session of ['s1', 's2', 's3']) await a.acquire(user, session);
    expect(await b.acquire(user, 's3')).toEqual({ ok: true, alreadyHeld: true });
    expect(await b.acquire(user, 's4')).toEqual({ ok: false, active: 3 });
  });

  it("expires a crashed instance's sessions while a held one survives", async () => {
    const keyPrefix = `atlas:test:${crypto.randomUUID()}`;
    const crashed = new RedisSessionRegistry({ redis: await connect(), keyPrefix, ttlMs: 200 });
    const survivor = new RedisSessionRegistry({ redis: await connect(), keyPrefix });
    const user = newUser();
    for (const session of ['s1', 's2', 's3']) await crashed.acquire(user, session);
    // s1 is held for a minute (as for the resume window); s2 and s3 are never heartbeated.
    expect(await crashed.heartbeat(user, 's1', 60_000)).toBe(true);

    await vi.waitFor(
      async () => {
        expect(await survivor.count(user)).toBe(1);
      },
      { timeout: 10_000, interval: 50 },
    );
    expect(await survivor.acquire(user, 's4')).toEqual({ ok: true, alreadyHeld: false });
    expect(await survivor.heartbeat(user, 's1')).toBe(true);
  });

  it('leaves no key behind: it expires with its longest lease and goes on last release', async () => {
    const redis = await connect();
    const keyPrefix = `atlas:test:${crypto.randomUUID()}`;
    const registry = new RedisSessionRegistry({ redis, keyPrefix, ttlMs: 5_000 });
    const user = newUser();
    const key = `${keyPrefix}:sessions:${encodeURIComponent(user)}`;
    await registry.acquire(user, 's1');
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(5_000);
    await registry.heartbeat(user, 's1', 60_000);
    expect(await redis.pttl(key)).toBeGreaterThan(5_000);
    await registry.release(user, 's1');
    expect(await redis.exists(key)).toBe(0);
  });

  it('reloads its scripts after SCRIPT FLUSH', async () => {
    const redis = await connect();
    const registry = new RedisSessionRegistry({
      redis,
      keyPrefix: `atlas:test:${crypto.randomUUID()}`,
    });
    const user = newUser();
    await registry.acquire(user, 's1');
    await redis.script('FLUSH');
    expect(await registry.acquire(user, 's2')).toEqual({ ok: true, alreadyHeld: false });
    expect(await registry.count(user)).toBe(2);
  });
});
