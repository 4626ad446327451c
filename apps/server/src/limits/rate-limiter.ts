/**
 * @module limits/rate-limiter
 * Fixed-window rate limits shared across instances through Redis, or held in memory when Redis
 * is not configured. One small interface so callers never see the storage.
 *
 * @example
 * const logins = createRateLimiter({ name: 'login', points: 10, durationSeconds: 300, redis });
 * const decision = await logins.consume(`${ip}:${email}`);
 * if (!decision.allowed) throw new AtlasError('rate_limited', ..., { details: { retryAfterMs } });
 */
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Redis } from '../cache/redis-connection.js';

export interface RateLimitDecision {
  allowed: boolean;
  /** Points allowed per window. */
  limit: number;
  remaining: number;
  /** Time until the window resets (when allowed) or until a retry can succeed (when refused). */
  retryAfterMs: number;
}

export interface RateLimiter {
  consume(key: string, points?: number): Promise<RateLimitDecision>;
  /** Forgets a key (e.g. after a successful login). */
  reset(key: string): Promise<void>;
}

export interface RateLimiterOptions {
  /** Distinguishes limiters sharing one Redis (becomes the key prefix). */
  name: string;
  points: number;
  durationSeconds: number;
  redis?: Redis | undefined;
}

export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const base = {
    keyPrefix: `atlas:rl:${options.name}`,
    points: options.points,
    duration: options.durationSeconds,
  };
  const limiter =
    options.redis === undefined
      ? new RateLimiterMemory(base)
      : new RateLimiterRedis({ ...base, storeClient: options.redis });

  const decide = (result: RateLimiterRes, allowed: boolean): RateLimitDecision => ({
    allowed,
    limit: options.points,
    remaining: Math.max(0, result.remainingPoints),
    retryAfterMs: Math.max(0, result.msBeforeNext),
  });

  return {
    async consume(key, points = 1) {
      try {
        return decide(await limiter.consume(key, points), true);
      } catch (rejection) {
        // The library rejects with a RateLimiterRes when over the limit, an Error when the store fails.
        if (rejection instanceof RateLimiterRes) return decide(rejection, false);
        throw rejection;
      }
    },
    async reset(key) {
      await limiter.delete(key);
    },
  };
}
