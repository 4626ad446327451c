/**
 * @module limits
 * Request-rate limits shared by the server (enforcement) and clients (explaining a 429): chat
 * messages per user per minute by tier, and per-IP ceilings of the unauthenticated auth routes.
 * Free users get a real quota; paid tiers only an abuse ceiling no person typing would reach.
 */
import type { Tier } from './tiers.js';

/** A fixed-window limit: `points` requests per `durationSeconds`. */
export interface RateLimitSpec {
  readonly points: number;
  readonly durationSeconds: number;
}

/** Chat messages a user may send per minute, by tier. */
export const MESSAGE_RATE_LIMITS: Readonly<Record<Tier, RateLimitSpec>> = Object.freeze({
  free: Object.freeze({ points: 20, durationSeconds: 60 }),
  // Paid tiers: an abuse ceiling (scripts, runaway clients), not a product quota.
  core: Object.freeze({ points: 120, durationSeconds: 60 }),
  studio: Object.freeze({ points: 120, durationSeconds: 60 }),
});

/**
 * Per-IP defaults for the unauthenticated `/auth/v1/*` routes, a coarse second layer over the
 * finer login/sign-up limits the auth routes enforce themselves.
 */
export const AUTH_IP_RATE_LIMIT: Readonly<RateLimitSpec> = Object.freeze({
  points: 300,
  durationSeconds: 300,
});
