import { type UsageResponse, usageResponseSchema } from '@atlas/protocol';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenVerifier } from '../auth/token-verifier.js';
import type { Database } from '../db/database.js';
import { createTestUser, databaseTargets } from '../db/testing/test-databases.js';
import { AtlasError } from '../errors.js';
import { errorHandler } from '../http/error-handler.js';
import { signTestToken, TEST_JWT_SECRET } from '../voice/testing/voice-harness.js';
import { usageRoutes } from './usage-routes.js';
import { monthStart, nextMonthStart, UsageService } from './usage-service.js';

async function insertAt(
  db: Database,
  userId: string,
  feature: string,
  costUsd: number,
  at: Date,
): Promise<void> {
  await db.query(
    'insert into public.usage_events (user_id, feature, model, cost_usd, created_at) values ($1, $2, $3, $4, $5)',
    [userId, feature, 'test-model', costUsd, at.toISOString()],
  );
}

describe('month boundaries', () => {
  it('are UTC calendar months', () => {
    const now = new Date('2026-12-31T23:59:00Z');
    expect(monthStart(now).toISOString()).toBe('2026-12-01T00:00:00.000Z');
    expect(nextMonthStart(now).toISOString()).toBe('2027-01-01T00:00:00.000Z');
  });
});

describe.each(databaseTargets())('usage on $name', (target) => {
  let db: Database;
  let app: FastifyInstance;
  let usage: UsageService;
  const now = new Date('2026-11-21T12:00:00Z');

  beforeAll(async () => {
    db = await target.open();
    usage = new UsageService(db, { now: () => now });
    app = Fastify();
    app.setErrorHandler(errorHandler);
    await app.register(usageRoutes, {
      db,
      verifier: createTokenVerifier({ hsSecret: TEST_JWT_SECRET }),
      usage,
    });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await db?.close();
  });

  async function getUsage(userId: string, query = ''): Promise<UsageResponse> {
    const response = await app.inject({
      method: 'GET',
      url: `/v1/usage${query}`,
      headers: { authorization: `Bearer ${await signTestToken(userId)}` },
    });
    expect(response.statusCode, response.body).toBe(200);
    return usageResponseSchema.parse(response.json());
  }

  it('reports daily totals by feature that equal the sum of stored events', async () => {
    const user = await createTestUser(db);
    const stored: Array<[string, number, string]> = [
      ['chat', 0.01, '2026-11-21T01:00:00Z'],
      ['chat', 0.02, '2026-11-21T11:59:00Z'],
      ['voice_stt', 0.003, '2026-11-20T23:59:59Z'],
      ['voice_tts', 0.0015, '2026-11-15T00:00:00Z'],
      ['vision', 0.12345678, '2026-11-19T10:00:00Z'],
    ];
    for (const [feature, cost, at] of stored)
      await insertAt(db, user.id, feature, cost, new Date(at));
    // Outside the 7-day window (counted in the 30-day one).
    await insertAt(db, user.id, 'chat', 0.5, new Date('2026-11-10T10:00:00Z'));

    const report = await getUsage(user.id);
    expect(report.days).toHaveLength(7);
    expect(report.days.map((d) => d.date)).toEqual([
      '2026-11-15',
      '2026-11-16',
      '2026-11-17',
      '2026-11-18',
      '2026-11-19',
      '2026-11-20',
      '2026-11-21',
    ]);
    expect(report.days[6]).toEqual({
      date: '2026-11-21',
      byFeature: { chat: 0.03 },
      totalUsd: 0.03,
    });
    expect(report.days[5]?.byFeature).toEqual({ voice_stt: 0.003 });
    expect(report.days[1]).toEqual({ date: '2026-11-16', byFeature: {}, totalUsd: 0 });

    const { rows } = await db.query<{ total: string }>(
      `select sum(cost_usd)::text as total from public.usage_events where user_id = $1 and created_at >= '2026-11-15'`,
      [user.id],
    );
    expect(report.totals.totalUsd).toBeCloseTo(Number(rows[0]?.total), 8);
    expect(report.totals.byFeature).toEqual({
      chat: 0.03,
      voice_stt: 0.003,
      voice_tts: 0.0015,
      vision: 0.12345678,
    });
    const sumOfDays = report.days.reduce((sum, d) => sum + d.totalUsd, 0);
    expect(sumOfDays).toBeCloseTo(report.totals.totalUsd, 8);

    const month = await getUsage(user.id, '?days=30');
    expect(month.days).toHaveLength(30);
    expect(month.totals.totalUsd).toBeCloseTo(report.totals.totalUsd + 0.5, 8);
    expect(month.tier).toBe('free');
    expect(month.monthlyLimitUsd).toBe(1);
    expect(month.resetsAt).toBe('2026-12-01T00:00:00.000Z');
    expect(month.fractionUsed).toBeCloseTo(month.totals.totalUsd, 8);
    expect(month.warning).toBe(false);

    const onlyChat = await getUsage(user.id, '?days=30&feature=chat');
    expect(onlyChat.totals.byFeature).toEqual({ chat: 0.53 });
  });

  it('rejects invalid queries', async () => {
    const user = await createTestUser(db);
    const response = await app.inject({
      method: 'GET',
      url: '/v1/usage?days=9',
      headers: { authorization: `Bearer ${await signTestToken(user.id)}` },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe('validation_failed');
  });

  it('requires a token', async () => {
    const response = await app.inject({ method: 'GET', url: '/v1/usage' });
    expect(response.statusCode).toBe(401);
  });

  it('shows each user only their own usage (RLS)', async () => {
    const alice = await createTestUser(db);
    const bob = await createTestUser(db);
    // Stored at the service's fixed clock: rows written with the database's real now() would
    // fall outside the reported window whenever the wall clock is past that fixed day.
    await insertAt(db, alice.id, 'chat', 0.25, now);
    await insertAt(db, bob.id, 'chat', 0.75, now);
    const visible = await db.withUser(alice.claims, (tx) =>
      tx.query<{ user_id: string }>('select user_id from public.usage_events'),
    );
    expect(visible.rows.every((row) => row.user_id === alice.id)).toBe(true);
    expect((await getUsage(alice.id)).totals.totalUsd).toBe(0.25);
    expect((await getUsage(bob.id)).totals.totalUsd).toBe(0.75);
  });

  it('sets the warning flag at 80 % of the monthly allowance', async () => {
    const under = await createTestUser(db);
    await insertAt(db, under.id, 'chat', 0.79, now);
    expect((await getUsage(under.id)).warning).toBe(false);
    const at = await createTestUser(db);
    await insertAt(db, at.id, 'chat', 0.8, now);
    const report = await getUsage(at.id);
    expect(report.warning).toBe(true);
    expect(report.fractionUsed).toBeCloseTo(0.8, 8);
    expect(report.monthToDateUsd).toBe(0.8);
  });

  it('refuses a user over the monthly allowance and admits one under it', async () => {
    const under = await createTestUser(db);
    await usage.record({ userId: under.id, feature: 'chat', model: 'm', costUsd: 0.99 });
    // Last month's spend does not count.
    await insertAt(db, under.id, 'chat', 5, new Date('2026-10-31T23:59:59Z'));
    await expect(usage.assertWithinMonthlyLimit(under.claims, 'free')).resolves.toBeUndefined();
    expect(await usage.monthToDateUsd(under.id)).toBeCloseTo(0.99, 8);

    const over = await createTestUser(db);
    await usage.record({ userId: over.id, feature: 'chat', model: 'm', costUsd: 1 });
    const error = await usage.assertWithinMonthlyLimit(over.claims, 'free').catch((e) => e);
    expect(error).toBeInstanceOf(AtlasError);
    expect(error.code).toBe('limit_reached');
    expect(error.status).toBe(402);
    expect(error.message).toContain('$1.00');
    expect(error.details).toEqual({
      resetsAt: '2026-12-01T00:00:00.000Z',
      limitUsd: 1,
      usedUsd: 1,
    });
    // A higher tier (or a configured limit) admits the same spend.
    await expect(usage.assertWithinMonthlyLimit(over.claims, 'core')).resolves.toBeUndefined();
    const strict = new UsageService(db, { limits: { core: 0.5 }, now: () => now });
    await expect(strict.assertWithinMonthlyLimit(over.claims, 'core')).rejects.toMatchObject({
      code: 'limit_reached',
    });
  });

  it('records an event once per id', async () => {
    const user = await createTestUser(db);
    const id = await usage.record({
      userId: user.id,
      feature: 'voice_tts',
      model: 'tts-1',
      tokensInput: 3,
      costUsd: 0.001,
      meta: { characters: 3 },
    });
    await usage.record({
      id,
      userId: user.id,
      feature: 'voice_tts',
      model: 'tts-1',
      costUsd: 0.001,
    });
    const { rows } = await db.query<{ meta: unknown; tokens_input: number }>(
      'select meta, tokens_input from public.usage_events where user_id = $1',
      [user.id],
    );
    expect(rows).toEqual([{ meta: { characters: 3 }, tokens_input: 3 }]);
  });
});
