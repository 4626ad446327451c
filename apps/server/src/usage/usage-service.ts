/**
 * @module usage/usage-service
 * The usage ledger's server side: records billed events (as service role), sums a user's
 * month-to-date spend, refuses work once a tier's monthly allowance is used up, and builds the
 * `GET /v1/usage` report (read through `withUser`, so row-level security applies).
 * Months and days are UTC calendar periods.
 */
import { randomUUID } from 'node:crypto';
import {
  roundUsd,
  TIER_MONTHLY_LIMITS_USD,
  type Tier,
  USAGE_WARNING_FRACTION,
  type UsageFeature,
  type UsageResponse,
} from '@atlas/protocol';
import type { Database, JwtClaims } from '../db/database.js';
import { AtlasError } from '../errors.js';

export interface UsageEventInput {
  userId: string;
  feature: UsageFeature;
  model: string | null;
  tokensInput?: number;
  tokensOutput?: number;
  costUsd: number;
  meta?: Record<string, unknown>;
  /** Chosen up front so a retried insert never counts twice. */
  id?: string;
}

export interface UsageServiceOptions {
  /** Overrides of the per-tier monthly allowances (USD). */
  limits?: Partial<Record<Tier, number>>;
  /** For tests. */
  now?: () => Date;
}

/** First instant of the UTC calendar month containing `now`. */
export function monthStart(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
}

/** First instant of the next UTC calendar month: when the allowance resets. */
export function nextMonthStart(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
}

function dayKey(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function formatUsd(usd: number): string {
  return usd.toFixed(2);
}

export class UsageService {
  readonly #db: Database;
  readonly #limits: Record<Tier, number>;
  readonly #now: () => Date;

  constructor(db: Database, options: UsageServiceOptions = {}) {
    this.#db = db;
    this.#limits = { ...TIER_MONTHLY_LIMITS_USD, ...options.limits };
    this.#now = options.now ?? (() => new Date());
  }

  limitFor(tier: Tier): number {
    return this.#limits[tier];
  }

  /** The user's spend since the start of this UTC month (service role). */
  async monthToDateUsd(userId: string): Promise<number> {
    const since = monthStart(this.#now());
    const { rows } = await this.#db.asService((tx) =>
      tx.query<{ total: string | number | null }>(
        'select coalesce(sum(cost_usd), 0) as total from public.usage_events where user_id = $1 and created_at >= $2',
        [userId, since.toISOString()],
      ),
    );
    return roundUsd(Number(rows[0]?.total ?? 0));
  }

  /** Throws `limit_reached` (402) once the month's spend has reached the tier's allowance. */
  async assertWithinMonthlyLimit(claims: JwtClaims, tier: Tier): Promise<void> {
    const limitUsd = this.#limits[tier];
    const usedUsd = await this.monthToDateUsd(claims.sub);
    if (usedUsd >= limitUsd) {
      const resetsAt = nextMonthStart(this.#now()).toISOString();
      throw new AtlasError(
        'limit_reached',
        `You've used your $${formatUsd(limitUsd)} monthly allowance; it resets on ${resetsAt.slice(0, 10)}`,
        { details: { resetsAt, limitUsd, usedUsd } },
      );
    }
  }

  /** Inserts one usage event as service role; a repeated id is ignored. */
  async record(event: UsageEventInput): Promise<string> {
    const id = event.id ?? randomUUID();
    await this.#db.asService((tx) =>
      tx.query(
        `insert into public.usage_events
           (id, user_id, feature, model, tokens_input, tokens_output, cost_usd, meta)
         values ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)
         on conflict (id) do nothing`,
        [
          id,
          event.userId,
          event.feature,
          event.model,
          Math.max(0, Math.round(event.tokensInput ?? 0)),
          Math.max(0, Math.round(event.tokensOutput ?? 0)),
          Math.max(0, roundUsd(event.costUsd)),
          JSON.stringify(event.meta ?? {}),
        ],
      ),
    );
    return id;
  }

  /** The user's tier, read through RLS; `free` when no profile exists. */
  async tierOf(claims: JwtClaims): Promise<Tier> {
    const { rows } = await this.#db.withUser(claims, (tx) =>
      tx.query<{ tier: string }>('select tier from public.profiles where id = (select auth.uid())'),
    );
    const tier = rows[0]?.tier;
    return tier === 'core' || tier === 'studio' ? tier : 'free';
  }

  /** The `GET /v1/usage` report: the last `days` UTC days (today included) and the month's status. */
  async usageReport(
    claims: JwtClaims,
    options: { days: number; feature?: UsageFeature | undefined },
  ): Promise<UsageResponse> {
    const now = this.#now();
    const todayStart = new Date(
      Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()),
    );
    const from = new Date(todayStart.getTime() - (options.days - 1) * 86_400_000);
    const month = monthStart(now);
    const params: unknown[] = [from.toISOString()];
    let featureFilter = '';
    if (options.feature) {
      params.push(options.feature);
      featureFilter = ' and feature = $2';
    }
    const { daily, monthTotal, tier } = await this.#db.withUser(claims, async (tx) => {
      const dailyResult = await tx.query<{ day: string; feature: string; total: string | number }>(
        `select to_char(created_at at time zone 'UTC', 'YYYY-MM-DD') as day, feature,
                sum(cost_usd) as total
           from public.usage_events
          where user_id = (select auth.uid()) and created_at >= $1${featureFilter}
          group by 1, 2`,
        params,
      );
      const monthResult = await tx.query<{ total: string | number | null }>(
        `select coalesce(sum(cost_usd), 0) as total from public.usage_events
          where user_id = (select auth.uid()) and created_at >= $1`,
        [month.toISOString()],
      );
      const tierResult = await tx.query<{ tier: string }>(
        'select tier from public.profiles where id = (select auth.uid())',
      );
      return {
        daily: dailyResult.rows,
        monthTotal: Number(monthResult.rows[0]?.total ?? 0),
        tier: tierResult.rows[0]?.tier,
      };
    });
    const userTier: Tier = tier === 'core' || tier === 'studio' ? tier : 'free';

    const days: UsageResponse['days'] = [];
    const index = new Map<string, UsageResponse['days'][number]>();
    for (let i = 0; i < options.days; i++) {
      const date = dayKey(new Date(from.getTime() + i * 86_400_000));
      const entry = { date, byFeature: {} as Record<string, number>, totalUsd: 0 };
      days.push(entry);
      index.set(date, entry);
    }
    const totalsByFeature: Record<string, number> = {};
    let totalUsd = 0;
    for (const row of daily) {
      const entry = index.get(row.day);
      if (!entry) continue;
      const cost = Number(row.total);
      entry.byFeature[row.feature] = roundUsd((entry.byFeature[row.feature] ?? 0) + cost);
      entry.totalUsd = roundUsd(entry.totalUsd + cost);
      totalsByFeature[row.feature] = roundUsd((totalsByFeature[row.feature] ?? 0) + cost);
      totalUsd = roundUsd(totalUsd + cost);
    }

    const monthlyLimitUsd = this.#limits[userTier];
    const fractionUsed = monthlyLimitUsd > 0 ? roundUsd(monthTotal) / monthlyLimitUsd : 1;
    return {
      days,
      totals: { byFeature: totalsByFeature, totalUsd },
      tier: userTier,
      monthlyLimitUsd,
      fractionUsed,
      warning: fractionUsed >= USAGE_WARNING_FRACTION,
      resetsAt: nextMonthStart(now).toISOString(),
      monthToDateUsd: roundUsd(monthTotal),
    };
  }
}
