/**
 * @module usage
 * Monthly spending allowances per tier, the `GET /v1/usage` contract (the query `days`,
 * `feature`; the report: daily cost by feature, totals, the month's limit and warning) and the
 * `GET /v1/usage/events` contract (the signed-in user's recent events, newest first, in pages).
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
  /**
   * Spend since the start of this calendar month (UTC), USD. Optional because servers built
   * before the dashboard omit it; clients then derive it from `fractionUsed × monthlyLimitUsd`.
   */
  monthToDateUsd: z.number().optional(),
});
export type UsageResponse = z.infer<typeof usageResponseSchema>;

export const USAGE_EVENTS_LIMIT_DEFAULT = 20;
export const USAGE_EVENTS_LIMIT_MAX = 100;

/**
 * `GET /v1/usage/events?limit&before&feature`: `before` is the opaque `nextCursor` of the
 * previous page; no `before` = the newest events.
 *
 * @example
 * usageEventsQuerySchema.parse({ limit: '50', feature: 'chat' }); // { limit: 50, feature: 'chat' }
 */
export const usageEventsQuerySchema = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(USAGE_EVENTS_LIMIT_MAX)
    .default(USAGE_EVENTS_LIMIT_DEFAULT),
  before: z.string().min(1).max(500).optional(),
  feature: usageFeatureSchema.optional(),
});
export type UsageEventsQuery = z.infer<typeof usageEventsQuerySchema>;

/**
 * The parts of an event's stored `meta` that are safe to show the user: ids of their own
 * sessions, turns, conversations and messages, and how the call ended. Everything else in
 * `meta` (provider names, byte counts, price fallbacks) stays on the server.
 */
export const usageEventMetaSchema = z.object({
  sessionId: z.string().optional(),
  turnId: z.string().optional(),
  conversationId: z.string().optional(),
  messageId: z.string().optional(),
  /** Seconds of audio heard (speech-to-text). */
  audioSeconds: z.number().optional(),
  /** Characters spoken (text-to-speech). */
  characters: z.number().optional(),
  cancelled: z.boolean().optional(),
  interrupted: z.boolean().optional(),
  speculative: z.boolean().optional(),
});
export type UsageEventMeta = z.infer<typeof usageEventMetaSchema>;

export const usageEventSchema = z.object({
  id: z.string(),
  feature: usageFeatureSchema,
  model: z.string().nullable(),
  tokensInput: z.number(),
  tokensOutput: z.number(),
  costUsd: z.number(),
  /** ISO 8601 UTC with microseconds, exactly as stored. */
  createdAt: z.string(),
  meta: usageEventMetaSchema,
});
export type UsageEvent = z.infer<typeof usageEventSchema>;

/** Newest first (created_at desc, id desc); `nextCursor` is null on the last page. */
export const usageEventPageSchema = z.object({
  events: z.array(usageEventSchema),
  nextCursor: z.string().nullable(),
});
export type UsageEventPage = z.infer<typeof usageEventPageSchema>;
