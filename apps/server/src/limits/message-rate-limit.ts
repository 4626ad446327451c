/**
 * @module limits/message-rate-limit
 * Per-user chat message limits by tier (free: a quota, paid: an abuse ceiling), shared across
 * server instances through Redis, and a generic per-IP `preHandler` for unauthenticated routes.
 * Both report `x-ratelimit-limit`, `x-ratelimit-remaining` and `x-ratelimit-reset` (seconds) and
 * refuse with `rate_limited` (429, `retry-after` set by the error handler).
 *
 * @example
 * const messages = createMessageRateLimit({ redis });
 * app.post('/v1/messages', { preHandler: requireUser(verifier) }, async (request, reply) => {
 *   await messages.check(request.user.sub, tier, reply);
 *   ...
 * });
 * app.register(authRoutes, { prefix: '/auth/v1' }); // with, inside: addHook('preHandler', ipRateLimit({...}))
 */
import { MESSAGE_RATE_LIMITS, type RateLimitSpec, type Tier } from '@atlas/protocol';
import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { Redis } from '../cache/redis-connection.js';
import { AtlasError } from '../errors.js';
import { createRateLimiter, type RateLimitDecision, type RateLimiter } from './rate-limiter.js';

export interface MessageRateLimitOptions {
  redis?: Redis | undefined;
  /** Overrides of {@link MESSAGE_RATE_LIMITS} (tests, operators). */
  limits?: Partial<Record<Tier, RateLimitSpec>> | undefined;
  /** Prefix of the limiter names (tests isolate themselves on a shared Redis); default `messages`. */
  namespace?: string | undefined;
}

export interface MessageRateLimit {
  /**
   * Counts one message of `userId` against `tier`'s per-minute limit, sets the `x-ratelimit-*`
   * headers on `reply` when given, and throws `rate_limited` (with `retryAfterMs`) when over.
   */
  check(userId: string, tier: Tier, reply?: FastifyReply): Promise<RateLimitDecision>;
}

/** Sets `x-ratelimit-limit`, `x-ratelimit-remaining` and `x-ratelimit-reset` (whole seconds). */
export function setRateLimitHeaders(reply: FastifyReply, decision: RateLimitDecision): void {
  reply.header('x-ratelimit-limit', decision.limit);
  reply.header('x-ratelimit-remaining', decision.remaining);
  reply.header('x-ratelimit-reset', Math.max(0, Math.ceil(decision.retryAfterMs / 1000)));
}

function waitText(retryAfterMs: number): string {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return seconds === 1 ? '1 second' : `${seconds} seconds`;
}

export function createMessageRateLimit(options: MessageRateLimitOptions = {}): MessageRateLimit {
  const namespace = options.namespace ?? 'messages';
  const limiters = new Map<Tier, RateLimiter>();
  const limiterFor = (tier: Tier): RateLimiter => {
    let limiter = limiters.get(tier);
    if (limiter === undefined) {
      const spec = options.limits?.[tier] ?? MESSAGE_RATE_LIMITS[tier];
      limiter = createRateLimiter({
        name: `${namespace}:${tier}`,
        points: spec.points,
        durationSeconds: spec.durationSeconds,
        redis: options.redis,
      });
      limiters.set(tier, limiter);
    }
    return limiter;
  };

  return {
    async check(userId, tier, reply) {
      const decision = await limiterFor(tier).consume(userId);
      if (reply !== undefined) setRateLimitHeaders(reply, decision);
      if (!decision.allowed) {
        const upgrade = tier === 'free' ? ' Upgrade for a higher limit.' : '';
        throw new AtlasError(
          'rate_limited',
          `You have sent ${decision.limit} messages in the last minute, the limit of your plan. ` +
            `Try again in ${waitText(decision.retryAfterMs)}.${upgrade}`,
          { details: { retryAfterMs: decision.retryAfterMs, limit: decision.limit, remaining: 0 } },
        );
      }
      return decision;
    },
  };
}

export interface IpRateLimitOptions extends RateLimitSpec {
  /** Distinguishes limiters sharing one Redis (key prefix `atlas:rl:ip:<name>`). */
  name: string;
  redis?: Redis | undefined;
}

/**
 * A `preHandler` limiting requests per client IP (`request.ip`, so behind a proxy the app's
 * `trustProxy` decides which address counts). For unauthenticated endpoints such as `/auth/v1/*`.
 */
export function ipRateLimit(options: IpRateLimitOptions): preHandlerAsyncHookHandler {
  const limiter = createRateLimiter({
    name: `ip:${options.name}`,
    points: options.points,
    durationSeconds: options.durationSeconds,
    redis: options.redis,
  });
  return async function ipRateLimitHook(request: FastifyRequest, reply: FastifyReply) {
    const decision = await limiter.consume(request.ip);
    setRateLimitHeaders(reply, decision);
    if (!decision.allowed) {
      // Set here too: the routes' own error handler (e.g. GoTrue's shape) may not set it.
      reply.header('retry-after', Math.max(1, Math.ceil(decision.retryAfterMs / 1000)));
      throw new AtlasError(
        'rate_limited',
        `Too many requests from your address. Try again in ${waitText(decision.retryAfterMs)}.`,
        { details: { retryAfterMs: decision.retryAfterMs } },
      );
    }
  };
}
