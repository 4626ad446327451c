import { describe, expect, it } from 'vitest';
import {
  TIER_MONTHLY_LIMITS_USD,
  USAGE_WARNING_FRACTION,
  usageEventPageSchema,
  usageEventsQuerySchema,
  usageQuerySchema,
} from './usage.js';

describe('usage contract', () => {
  it('has the tier allowances and warning fraction', () => {
    expect(TIER_MONTHLY_LIMITS_USD).toEqual({ free: 1, core: 20, studio: 100 });
    expect(USAGE_WARNING_FRACTION).toBe(0.8);
  });

  it('parses the query: days 7 (default) or 30, optional feature', () => {
    expect(usageQuerySchema.parse({})).toEqual({ days: 7 });
    expect(usageQuerySchema.parse({ days: '30', feature: 'chat' })).toEqual({
      days: 30,
      feature: 'chat',
    });
    expect(usageQuerySchema.parse({ days: 7 })).toEqual({ days: 7 });
    expect(usageQuerySchema.safeParse({ days: '14' }).success).toBe(false);
    expect(usageQuerySchema.safeParse({ feature: 'email' }).success).toBe(false);
  });

  it('parses the events query: limit 1..100 (default 20), optional cursor and feature', () => {
    expect(usageEventsQuerySchema.parse({})).toEqual({ limit: 20 });
    expect(
      usageEventsQuerySchema.parse({ limit: '100', before: 'abc', feature: 'vision' }),
    ).toEqual({ limit: 100, before: 'abc', feature: 'vision' });
    for (const limit of ['0', '101', '2.5', 'ten', '-1']) {
      expect(usageEventsQuerySchema.safeParse({ limit }).success, limit).toBe(false);
    }
    expect(usageEventsQuerySchema.safeParse({ before: '' }).success).toBe(false);
    expect(usageEventsQuerySchema.safeParse({ before: 'x'.repeat(501) }).success).toBe(false);
    expect(usageEventsQuerySchema.safeParse({ feature: 'email' }).success).toBe(false);
  });

  it('parses an events page and rejects an unknown feature', () => {
    const event = {
      id: 'e1',
      feature: 'voice_stt',
      model: null,
      tokensInput: 0,
      tokensOutput: 0,
      costUsd: 0.0042,
      createdAt: '2026-11-21T12:00:00.000000Z',
      meta: { sessionId: 's1', audioSeconds: 2.5 },
    };
    expect(usageEventPageSchema.parse({ events: [event], nextCursor: null }).events).toHaveLength(
      1,
    );
    expect(
      usageEventPageSchema.safeParse({ events: [{ ...event, feature: 'email' }], nextCursor: null })
        .success,
    ).toBe(false);
  });
});
