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
    await store.checkpoint(ticket, 'run-1');
    expect(await store.take('sess-1', 'user-1', 'claimant')).toEqual(ticket);
    expect(await store.take('sess-1', 'user-1', 'claimant')).toBeUndefined();
  });

  it('hands it to exactly one of several concurrent takers', async () => {
    const store = backend.create();
    await store.checkpoint({ sessionId: 's', userId: 'u', state: state() }, 'run-1');
    const taken = await Promise.all(
      Array.from({ length: 8 }, () => store.take('s', 'u', 'claimant')),
    );
    expect(taken.filter((t) => t !== undefined)).toHaveLength(1);
  });

  it("does not give another user's ticket away, nor let them consume it", async () => {
    const store = backend.create();
    await store.checkpoint({ sessionId: 'sess-1', userId: 'owner', state: state() }, 'run-1');
    expect(await store.take('sess-1', 'intruder', 'claimant')).toBeUndefined();
    expect(await store.take('sess-1', 'owner', 'claimant')).toMatchObject({ userId: 'owner' });
  });

  it('keeps ids containing separators apart', async () => {
    const store = backend.create();
    await store.checkpoint({ sessionId: 'b:c', userId: 'a', state: state() }, 'run-1');
    expect(await store.take('c', 'a:b', 'claimant')).toBeUndefined();
    expect(await store.take('b:c', 'a', 'claimant')).toBeDefined();
  });

  it('stores a snapshot: later changes to the caller’s object do not leak in', async () => {
    const store = backend.create();
    const original = state();
    await store.checkpoint({ sessionId: 's', userId: 'u', state: original }, 'run-1');
    original.turns = 99;
    expect((await store.take('s', 'u', 'claimant'))?.state.turns).toBe(4);
  });

  it('replaces the ticket when saved again', async () => {
    const store = backend.create();
    await store.checkpoint(
      { sessionId: 's', userId: 'u', state: { ...state(), turns: 1 } },
      'run-1',
    );
    await store.checkpoint(
      { sessionId: 's', userId: 'u', state: { ...state(), turns: 2 } },
      'run-1',
    );
    expect((await store.take('s', 'u', 'claimant'))?.state.turns).toBe(2);
    expect(await store.take('s', 'u', 'claimant')).toBeUndefined();
  });

  it('refuses tickets over the size cap, and bad ids or TTLs', async () => {
    const store = backend.create({ maxTicketBytes: 512 });
    const big = { ...state(), nested: { tags: ['x'.repeat(600)] } };
    const error = await store
      .checkpoint({ sessionId: 's', userId: 'u', state: big }, 'run-1')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AtlasError);
    expect(error).toMatchObject({ code: 'payload_too_large' });
    expect(await store.take('s', 'u', 'claimant')).toBeUndefined();
    await expect(
      store.checkpoint({ sessionId: '', userId: 'u', state: state() }, 'run-1'),
    ).rejects.toThrow(TypeError);
    await expect(
      store.checkpoint({ sessionId: 's', userId: 'u', state: state() }, 'run-1', 0),
    ).rejects.toThrow(RangeError);
    await expect(
      store.checkpoint({ sessionId: 's', userId: 'u', state: state() }, ''),
    ).rejects.toThrow(TypeError);
    await expect(store.take('s', 'u', '')).rejects.toThrow(TypeError);
    expect(() => backend.create({ ttlMs: -1 })).toThrow(RangeError);
  });

  it('makes the taker the owner: the old run can no longer write the ticket', async () => {
    const store = backend.create();
    const ticket = { sessionId: 's', userId: 'u', state: state() };
    expect(await store.checkpoint(ticket, 'old-run')).toBe(true);
    expect(await store.take('s', 'u', 'new-run')).toEqual(ticket);
    // A half-open connection's run refreshes late: refused, and the taker's claim stands.
    expect(await store.checkpoint({ ...ticket, state: { ...state(), turns: 9 } }, 'old-run')).toBe(
      false,
    );
    expect(await store.take('s', 'u', 'third-run')).toBeUndefined();
    expect(await store.release('s', 'u', 'old-run')).toBe(false);
    expect(await store.checkpoint({ ...ticket, state: { ...state(), turns: 5 } }, 'new-run')).toBe(
      true,
    );
    expect((await store.take('s', 'u', 'third-run'))?.state.turns).toBe(5);
  });

  it('release ends the session for good: no ticket to take, no late checkpoint', async () => {
    const store = backend.create();
    const ticket = { sessionId: 's', userId: 'u', state: state() };
    await store.checkpoint(ticket, 'run-1');
    expect(await store.release('s', 'u', 'run-1')).toBe(true);
    expect(await store.take('s', 'u', 'claimant')).toBeUndefined();
    expect(await store.checkpoint(ticket, 'run-1')).toBe(false);
    // Releasing a session nobody checkpointed (it never started) is allowed.
    expect(await store.release('never-started', 'u', 'run-2')).toBe(true);
  });

  it('lets exactly one of two racing writers win a taken session', async () => {
    const store = backend.create();
    const ticket = { sessionId: 's', userId: 'u', state: state() };
    await store.checkpoint(ticket, 'old-run');
    const [taken, oldWrite] = await Promise.all([
      store.take('s', 'u', 'new-run'),
      store.checkpoint(ticket, 'old-run'),
    ]);
    expect(taken).toBeDefined();
    // Whichever ran first, the old run is locked out afterwards.
    expect(typeof oldWrite).toBe('boolean');
    expect(await store.checkpoint(ticket, 'old-run')).toBe(false);
    expect(await store.checkpoint(ticket, 'new-run')).toBe(true);
  });
});

describe('memory resume store expiry (injected clock)', () => {
  it('expires tickets and owner marks after their TTL and sweeps them on a later write', async () => {
    let now = 0;
    const store = new MemoryResumeStore<State>({ ttlMs: 60_000, now: () => now });
    await store.checkpoint({ sessionId: 'default-ttl', userId: 'u', state: state() }, 'run-1');
    await store.checkpoint({ sessionId: 'short', userId: 'u', state: state() }, 'run-1', 1_000);
    now = 999;
    expect(await store.take('short', 'u', 'claimant', 1_000)).toBeDefined();
    now = 1_998;
    // The claimant's mark still stands.
    expect(
      await store.checkpoint({ sessionId: 'short', userId: 'u', state: state() }, 'run-1'),
    ).toBe(false);
    now = 1_999;
    // Expired: the mark is gone, so nobody holds the session any more.
    expect(
      await store.checkpoint({ sessionId: 'short', userId: 'u', state: state() }, 'run-1', 1_000),
    ).toBe(true);
    now = 2_999;
    expect(await store.take('short', 'u', 'claimant')).toBeUndefined();
    now = 59_999;
    expect(await store.take('default-ttl', 'u', 'claimant')).toBeDefined();

    await store.checkpoint({ sessionId: 'old', userId: 'u', state: state() }, 'run-1', 10);
    now += 60_000;
    await store.checkpoint({ sessionId: 'new', userId: 'u', state: state() }, 'run-1');
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

    await store.checkpoint({ sessionId: 's', userId: 'u', state: state() }, 'run-1');
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);

    await store.checkpoint({ sessionId: 's', userId: 'u', state: state() }, 'run-1', 100);
    await vi.waitFor(
      async () => {
        expect(await redis.exists(key)).toBe(0);
      },
      { timeout: 10_000, interval: 25 },
    );
    expect(await store.take('s', 'u', 'claimant')).toBeUndefined();
  });
});
