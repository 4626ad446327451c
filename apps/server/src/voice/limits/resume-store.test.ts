import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { connectRedis, type Redis } from '../../cache/redis-connection.js';
import { AtlasError } from '../../errors.js';
import { MemoryResumeStore } from './memory-resume-store.js';
import { RedisResumeStore } from './redis-resume-store.js';
import { type ResumeStore, type ResumeStoreOptions, ticketKey } from './resume-store.js';

const redisUrl = process.env.TEST_REDIS_URL;

interface State {
  conversationId: string;
  costUsd: number;
  startedAt: number;
  turns: number;
  nested?: { tags: string[] };
}

type Open = () => Promise<{
  create(options?: ResumeStoreOptions): ResumeStore<State>;
  close(): void;
}>;

const stores: Array<[string, Open]> = [
  [
    'memory',
    async () => ({ create: (options) => new MemoryResumeStore<State>(options), close: () => {} }),
  ],
];
if (redisUrl) {
  stores.push([
    'redis',
    async () => {
      const redis = await connectRedis(redisUrl);
      return {
        create: (options) =>
          new RedisResumeStore<State>({
            ...options,
            redis,
            keyPrefix: `atlas:test:${crypto.randomUUID()}`,
          }),
        close: () => redis.disconnect(),
      };
    },
  ]);
}

const state = (): State => ({
  conversationId: crypto.randomUUID(),
  costUsd: 0.0123,
  startedAt: 1_750_000_000_000,
  turns: 4,
  nested: { tags: ['a', 'b'] },
});

describe.each(stores)('resume store (%s)', (_name, open) => {
  let backend: Awaited<ReturnType<Open>>;
  beforeAll(async () => {
    backend = await open();
  });
  afterAll(() => backend.close());

  it('hands a ticket out once', async () => {
    const store = backend.create();
    const ticket = { sessionId: 'sess-1', userId: 'user-1', state: state() };
    await store.save(ticket);
    expect(await store.take('sess-1', 'user-1')).toEqual(ticket);
    expect(await store.take('sess-1', 'user-1')).toBeUndefined();
  });

  it('hands it to exactly one of several concurrent takers', async () => {
    const store = backend.create();
    await store.save({ sessionId: 's', userId: 'u', state: state() });
    const taken = await Promise.all(Array.from({ length: 8 }, () => store.take('s', 'u')));
    expect(taken.filter((t) => t !== undefined)).toHaveLength(1);
  });

  it("does not give another user's ticket away, nor let them consume it", async () => {
    const store = backend.create();
    await store.save({ sessionId: 'sess-1', userId: 'owner', state: state() });
    expect(await store.take('sess-1', 'intruder')).toBeUndefined();
    expect(await store.take('sess-1', 'owner')).toMatchObject({ userId: 'owner' });
  });

  it('keeps ids containing separators apart', async () => {
    const store = backend.create();
    await store.save({ sessionId: 'b:c', userId: 'a', state: state() });
    expect(await store.take('c', 'a:b')).toBeUndefined();
    expect(await store.take('b:c', 'a')).toBeDefined();
  });

  it('stores a snapshot: later changes to the caller’s object do not leak in', async () => {
    const store = backend.create();
    const original = state();
    await store.save({ sessionId: 's', userId: 'u', state: original });
    original.turns = 99;
    expect((await store.take('s', 'u'))?.state.turns).toBe(4);
  });

  it('replaces the ticket when saved again', async () => {
    const store = backend.create();
    await store.save({ sessionId: 's', userId: 'u', state: { ...state(), turns: 1 } });
    await store.save({ sessionId: 's', userId: 'u', state: { ...state(), turns: 2 } });
    expect((await store.take('s', 'u'))?.state.turns).toBe(2);
    expect(await store.take('s', 'u')).toBeUndefined();
  });

  it('refuses tickets over the size cap, and bad ids or TTLs', async () => {
    const store = backend.create({ maxTicketBytes: 512 });
    const big = { ...state(), nested: { tags: ['x'.repeat(600)] } };
    const error = await store
      .save({ sessionId: 's', userId: 'u', state: big })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AtlasError);
    expect(error).toMatchObject({ code: 'payload_too_large' });
    expect(await store.take('s', 'u')).toBeUndefined();
    await expect(store.save({ sessionId: '', userId: 'u', state: state() })).rejects.toThrow(
      TypeError,
    );
    await expect(store.save({ sessionId: 's', userId: 'u', state: state() }, 0)).rejects.toThrow(
      RangeError,
    );
    expect(() => backend.create({ ttlMs: -1 })).toThrow(RangeError);
  });
});

describe('memory resume store expiry (injected clock)', () => {
  it('expires tickets after their TTL and sweeps them on the next save', async () => {
    let now = 0;
    const store = new MemoryResumeStore<State>({ ttlMs: 60_000, now: () => now });
    await store.save({ sessionId: 'default-ttl', userId: 'u', state: state() });
    await store.save({ sessionId: 'short', userId: 'u', state: state() }, 1_000);
    now = 999;
    expect(await store.take('short', 'u')).toBeDefined();
    await store.save({ sessionId: 'short', userId: 'u', state: state() }, 1_000);
    now = 1_999;
    expect(store.size).toBe(2);
    now = 1_999 + 1;
    expect(await store.take('short', 'u')).toBeUndefined();
    now = 59_999;
    expect(await store.take('default-ttl', 'u')).toBeDefined();

    await store.save({ sessionId: 'old', userId: 'u', state: state() }, 10);
    now += 10;
    await store.save({ sessionId: 'new', userId: 'u', state: state() });
    expect(store.size).toBe(1);
  });
});

describe.skipIf(!redisUrl)('redis resume store expiry', () => {
  let redis: Redis;
  beforeAll(async () => {
    redis = await connectRedis(redisUrl ?? '');
  });
  afterAll(() => redis.disconnect());

  it('saves with a PX TTL; an expired ticket cannot be taken', async () => {
    const keyPrefix = `atlas:test:${crypto.randomUUID()}`;
    const store = new RedisResumeStore<State>({ redis, keyPrefix });
    const key = ticketKey(keyPrefix, 's', 'u');

    await store.save({ sessionId: 's', userId: 'u', state: state() });
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);

    await store.save({ sessionId: 's', userId: 'u', state: state() }, 100);
    await vi.waitFor(
      async () => {
        expect(await redis.exists(key)).toBe(0);
      },
      { timeout: 10_000, interval: 25 },
    );
    expect(await store.take('s', 'u')).toBeUndefined();
  });
});
