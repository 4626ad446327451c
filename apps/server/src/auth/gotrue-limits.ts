/**
 * @module auth/gotrue-limits
 * Brute-force and abuse limits of the standalone auth endpoints: password logins per client IP
 * and email (forgotten on success) and per IP, sign-ups and token refreshes per IP. Shared
 * through Redis when the server has it. Emails enter limiter keys only as hashes.
 *
 * @example
 * const limits = createAuthLimits({ redis });
 * await limits.checkLogin(ip, email); // GoTrueError 429 with retryAfterSeconds when over
 */
import { createHash } from 'node:crypto';
import type { Redis } from '../cache/redis-connection.js';
import {
  createRateLimiter,
  type RateLimitDecision,
  type RateLimiter,
} from '../limits/rate-limiter.js';
import { GoTrueError } from './gotrue-errors.js';

export interface LimitSpec {
  points: number;
  durationSeconds: number;
}

export interface AuthLimitsConfig {
  /** Password attempts per IP and email; default 10 per 5 minutes. */
  loginPerIpEmail: LimitSpec;
  /** Password attempts per IP, any email; default 50 per 5 minutes. */
  loginPerIp: LimitSpec;
  /** Sign-ups per IP; default 10 per hour. */
  signupPerIp: LimitSpec;
  /** Refresh-token grants per IP; default 150 per 5 minutes (Supabase's default). */
  refreshPerIp: LimitSpec;
}

export const DEFAULT_AUTH_LIMITS: Readonly<AuthLimitsConfig> = Object.freeze({
  loginPerIpEmail: { points: 10, durationSeconds: 300 },
  loginPerIp: { points: 50, durationSeconds: 300 },
  signupPerIp: { points: 10, durationSeconds: 3600 },
  refreshPerIp: { points: 150, durationSeconds: 300 },
});

export interface AuthLimitsOptions {
  redis?: Redis | undefined;
  limits?: Partial<AuthLimitsConfig> | undefined;
  /** Prefix of the limiter names (tests isolate themselves on a shared Redis); default `auth`. */
  namespace?: string | undefined;
}

export interface AuthLimits {
  checkLogin(ip: string, email: string): Promise<void>;
  /** Clears the per-IP-and-email count after a successful login. */
  loginSucceeded(ip: string, email: string): Promise<void>;
  checkSignup(ip: string): Promise<void>;
  checkRefresh(ip: string): Promise<void>;
}

function emailKey(ip: string, email: string): string {
  return `${ip}:${createHash('sha256').update(email).digest('base64url').slice(0, 22)}`;
}

function refuse(decisions: RateLimitDecision[]): void {
  const refused = decisions.filter((d) => !d.allowed);
  if (refused.length === 0) return;
  const waitMs = Math.max(...refused.map((d) => d.retryAfterMs));
  throw new GoTrueError('rate_limited', 'over_request_rate_limit', 'Request rate limit reached', {
    retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)),
  });
}

export function createAuthLimits(options: AuthLimitsOptions = {}): AuthLimits {
  const config = { ...DEFAULT_AUTH_LIMITS, ...options.limits };
  const ns = options.namespace ?? 'auth';
  const make = (name: string, spec: LimitSpec): RateLimiter =>
    createRateLimiter({ name: `${ns}-${name}`, ...spec, redis: options.redis });
  const loginIpEmail = make('login-ip-email', config.loginPerIpEmail);
  const loginIp = make('login-ip', config.loginPerIp);
  const signupIp = make('signup-ip', config.signupPerIp);
  const refreshIp = make('refresh-ip', config.refreshPerIp);

  return {
    async checkLogin(ip, email) {
      refuse(await Promise.all([loginIpEmail.consume(emailKey(ip, email)), loginIp.consume(ip)]));
    },
    async loginSucceeded(ip, email) {
      await loginIpEmail.reset(emailKey(ip, email));
    },
    async checkSignup(ip) {
      refuse([await signupIp.consume(ip)]);
    },
    async checkRefresh(ip) {
      refuse([await refreshIp.consume(ip)]);
    },
  };
}
