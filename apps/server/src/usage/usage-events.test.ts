import { type UsageEventPage, usageEventPageSchema } from '@atlas/protocol';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenVerifier } from '../auth/token-verifier.js';
import { encodeCursor } from '../chat/index.js';
import type { Database } from '../db/database.js';
import { createTestUser, databaseTargets } from '../db/testing/test-databases.js';
import { errorHandler } from '../http/error-handler.js';
import { signTestToken, TEST_JWT_SECRET } from '../voice/testing/voice-harness.js';
import { safeUsageMeta } from './usage-events.js';
import { usageRoutes } from './usage-routes.js';
import { UsageService } from './usage-service.js';

interface StoredEvent {
  feature: string;
  costUsd: number;
  at: string;
  meta?: Record<string, unknown>;
  id?: string;
}

async function insertEvent(db: Database, userId: string, event: StoredEvent): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `insert into public.usage_events
       (id, user_id, feature, model, tokens_input, tokens_output, cost_usd, meta, created_at)
     values (coalesce($1::uuid, gen_random_uuid()), $2, $3, 'test-model', 12, 34, $4, $5::jsonb, $6)
     returning id`,
    [
      event.id ?? null,
      userId,
      event.feature,
      event.costUsd,
      JSON.stringify(event.meta ?? {}),
      event.at,
    ],
  );
  const id = rows[0]?.id;
  if (id === undefined) throw new Error('insert returned no id');
  return id;
}

describe('safeUsageMeta', () => {
  it('keeps only the fields safe to show, in camelCase', () => {
    expect(
      safeUsageMeta({
        session_id: 's1',
        turn_id: 't1',
        seconds: 2.5,
        provider: 'deepgram',
        bytes: 123,
        priceFallback: true,
        cancelled: false,
      }),
    ).toEqual({ sessionId: 's1', turnId: 't1', audioSeconds: 2.5, cancelled: false });
    expect(safeUsageMeta({ durationSeconds: 3, route: 'v1/voice/transcribe' })).toEqual({
      audioSeconds: 3,
    });
  });

  it('drops values of the wrong type or size, and non-objects', () => {
    expect(
      safeUsageMeta({ session_id: 7, seconds: -1, characters: 'many', turn_id: 'x'.repeat(101) }),
    ).toEqual({});
    expect(safeUsageMeta(null)).toEqual({});
    expect(safeUsageMeta(['session_id'])).toEqual({});
    expect(safeUsageMeta('text')).toEqual({});
  });
});

describe.each(databaseTargets())('usage events on $name', (target) => {
  let db: Database;
  let app: FastifyInstance;

  beforeAll(async () => {
    db = await target.open();
    app = Fastify();
    app.setErrorHandler(errorHandler);
    await app.register(usageRoutes, {
      db,
      verifier: createTokenVerifier({ hsSecret: TEST_JWT_SECRET }),
      usage: new UsageService(db),
    });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await db?.close();
  });

  async function get(userId: string, query = '') {
    return app.inject({
      method: 'GET',
      url: `/v1/usage/events${query}`,
      headers: { authorization: `Bearer ${await signTestToken(userId)}` },
    });
  }

  async function getPage(userId: string, query = ''): Promise<UsageEventPage> {
    const response = await get(userId, query);
    expect(response.statusCode, response.body).toBe(200);
    return usageEventPageSchema.parse(response.json());
  }

  it('lists the newest events first with their safe fields', async () => {
    const user = await createTestUser(db);
    await insertEvent(db, user.id, { feature: 'chat', costUsd: 0.01, at: '2026-11-20T10:00:00Z' });
    const newest = await insertEvent(db, user.id, {
      feature: 'voice_stt',
      costUsd: 0.0042,
      at: '2026-11-21T10:00:00.123456Z',
      meta: { session_id: 'sess-1', seconds: 4, provider: 'deepgram' },
    });
    const page = await getPage(user.id);
    expect(page.nextCursor).toBeNull();
    expect(page.events.map((e) => e.feature)).toEqual(['voice_stt', 'chat']);
    expect(page.events[0]).toEqual({
      id: newest,
      feature: 'voice_stt',
      model: 'test-model',
      tokensInput: 12,
      tokensOutput: 34,
      costUsd: 0.0042,
      createdAt: '2026-11-21T10:00:00.123456Z',
      meta: { sessionId: 'sess-1', audioSeconds: 4 },
    });
  });

  it('pages by (created_at, id) without gaps or repeats, ties included', async () => {
    const user = await createTestUser(db);
    const ids = new Set<string>();
    // Three events share one timestamp, so the id must break the tie between pages.
    const stamps = ['01', '02', '03', '03', '03', '04', '05'];
    for (const [i, day] of stamps.entries()) {
      ids.add(
        await insertEvent(db, user.id, {
          feature: 'chat',
          costUsd: i / 1000,
          at: `2026-11-${day}T08:00:00Z`,
        }),
      );
    }
    const seen: string[] = [];
    const createdAt: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor === null ? '?limit=2' : `?limit=2&before=${cursor}`;
      const page = await getPage(user.id, query);
      expect(page.events.length).toBeLessThanOrEqual(2);
      seen.push(...page.events.map((e) => e.id));
      createdAt.push(...page.events.map((e) => e.createdAt));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor !== null && pages < 10);
    expect(pages).toBe(4);
    expect(new Set(seen)).toEqual(ids);
    expect(seen).toHaveLength(ids.size);
    expect([...createdAt].sort().reverse()).toEqual(createdAt);
  });

  it('defaults to 20 events and allows up to 100', async () => {
    const user = await createTestUser(db);
    for (let i = 0; i < 21; i++) {
      await insertEvent(db, user.id, {
        feature: 'chat',
        costUsd: 0.001,
        at: new Date(Date.UTC(2026, 10, 1, 0, i)).toISOString(),
      });
    }
    const first = await getPage(user.id);
    expect(first.events).toHaveLength(20);
    expect(first.nextCursor).not.toBeNull();
    const all = await getPage(user.id, '?limit=100');
    expect(all.events).toHaveLength(21);
    expect(all.nextCursor).toBeNull();
  });

  it('filters by feature, also across pages', async () => {
    const user = await createTestUser(db);
    const features = ['chat', 'voice_tts', 'chat', 'voice_tts', 'voice_tts', 'chat'];
    for (const [i, feature] of features.entries()) {
      await insertEvent(db, user.id, { feature, costUsd: 0.002, at: `2026-11-1${i}T00:00:00Z` });
    }
    const first = await getPage(user.id, '?feature=voice_tts&limit=2');
    expect(first.events.map((e) => e.feature)).toEqual(['voice_tts', 'voice_tts']);
    const rest = await getPage(user.id, `?feature=voice_tts&limit=2&before=${first.nextCursor}`);
    expect(rest.events.map((e) => e.feature)).toEqual(['voice_tts']);
    expect(rest.nextCursor).toBeNull();
    expect((await getPage(user.id, '?feature=vision')).events).toEqual([]);
  });

  it("never shows another user's events (RLS)", async () => {
    const alice = await createTestUser(db);
    const bob = await createTestUser(db);
    const aliceEvent = await insertEvent(db, alice.id, {
      feature: 'chat',
      costUsd: 0.25,
      at: '2026-11-21T00:00:00Z',
    });
    const bobEvent = await insertEvent(db, bob.id, {
      feature: 'chat',
      costUsd: 0.75,
      at: '2026-11-21T00:00:01Z',
    });
    expect((await getPage(alice.id, '?limit=100')).events.map((e) => e.id)).toEqual([aliceEvent]);
    // A cursor pointing just after Bob's event still yields only Alice's rows.
    const crafted = encodeCursor(['2026-11-22T00:00:00.000000Z', bobEvent]);
    expect((await getPage(alice.id, `?before=${crafted}`)).events.map((e) => e.id)).toEqual([
      aliceEvent,
    ]);
    const stranger = await createTestUser(db);
    expect(await getPage(stranger.id)).toEqual({ events: [], nextCursor: null });
  });

  it.each([
    ['limit 0', '?limit=0'],
    ['limit 101', '?limit=101'],
    ['a fractional limit', '?limit=1.5'],
    ['a word as limit', '?limit=many'],
    ['an unknown feature', '?feature=email'],
    ['a tampered cursor', '?before=not-a-cursor'],
    ['a cursor of the wrong shape', `?before=${encodeCursor(['yesterday', 'x'])}`],
  ])('rejects %s with 400 validation_failed', async (_name, query) => {
    const user = await createTestUser(db);
    const response = await get(user.id, query);
    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe('validation_failed');
  });

  it('requires a token', async () => {
    const response = await app.inject({ method: 'GET', url: '/v1/usage/events' });
    expect(response.statusCode).toBe(401);
    const forged = await app.inject({
      method: 'GET',
      url: '/v1/usage/events',
      headers: { authorization: 'Bearer not-a-token' },
    });
    expect(forged.statusCode).toBe(401);
  });
});
