import { describe, expect, it } from 'vitest';
import { TIER_MONTHLY_LIMITS_USD, USAGE_WARNING_FRACTION, usageQuerySchema } from './usage.js';

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
});
