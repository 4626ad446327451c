/**
 * @module usage
 * Monthly spending allowances per tier and the `GET /v1/usage` contract: the query (`days`,
 * `feature`) and the report (daily cost by feature, totals, the month's limit and warning).
 * Limits are defaults; the server may override them from configuration.
 */
import { z } from 'zod';
import { type Tier, tierSchema } from './tiers.js';

/** Default monthly allowance per tier, in US dollars (calendar month, UTC). */
export const TIER_MONTHLY_LIMITS_USD: Readonly<Record<Tier, number>> = {
  free: 1,
  core: 20,
  studio: 100,
};

/** At this fraction of the allowance the report sets `warning`. */
export const USAGE_WARNING_FRACTION = 0.8;

export const USAGE_FEATURES = [
  'chat',
  'voice_stt',
  'voice_llm',
  'voice_tts',
  'vision',
  'ritual',
] as const;
export const usageFeatureSchema = z.enum(USAGE_FEATURES);
export type UsageFeature = z.infer<typeof usageFeatureSchema>;

/** `GET /v1/usage?days=7|30&feature=…` */
export const usageQuerySchema = z.object({
  days: z
    .union([z.literal('7'), z.literal('30'), z.literal(7), z.literal(30)])
    .optional()
    .transform((value) => (value === undefined ? 7 : Number(value)) as 7 | 30),
  feature: usageFeatureSchema.optional(),
});
export type UsageQuery = z.infer<typeof usageQuerySchema>;

const byFeatureSchema = z.record(z.string(), z.number());

export const usageDaySchema = z.object({
  /** UTC day, YYYY-MM-DD. */
  date: z.string(),
  byFeature: byFeatureSchema,
  totalUsd: z.number(),
});
export type UsageDay = z.infer<typeof usageDaySchema>;

export const usageResponseSchema = z.object({
  days: z.array(usageDaySchema),
  totals: z.object({ byFeature: byFeatureSchema, totalUsd: z.number() }),
  tier: tierSchema,
  monthlyLimitUsd: z.number(),
  /** Month-to-date spend / monthly limit. */
  fractionUsed: z.number(),
  warning: z.boolean(),
  /** Start of the next calendar month (UTC), ISO 8601. */
  resetsAt: z.string(),
});
export type UsageResponse = z.infer<typeof usageResponseSchema>;
