/**
 * @module voice/limits/voice-limits
 * One place to configure the voice gateway's limits: picks the Redis implementations when a
 * connection is given (limits hold across instances) and the memory ones otherwise (single
 * instance, tests), and hands out per-connection frame guards and malformed-message counters.
 *
 * @example
 * const limits = createVoiceLimits({ redis, maxSessionsPerUser: config.voice.maxSessions });
 * const slot = await limits.registry.acquire(userId, sessionId);
 * const guard = limits.createFrameGuard(); // one per connection
 */
import type { Redis } from '../../cache/redis-connection.js';
import { FrameGuard, type FrameGuardOptions } from './frame-guard.js';
import { MalformedCounter, type MalformedCounterOptions } from './malformed-counter.js';
import { MemoryResumeStore } from './memory-resume-store.js';
import { MemorySessionRegistry } from './memory-session-registry.js';
import { RedisResumeStore } from './redis-resume-store.js';
import { RedisSessionRegistry } from './redis-session-registry.js';
import type { ResumeState, ResumeStore } from './resume-store.js';
import type { SessionRegistry } from './session-registry.js';

export interface VoiceLimitsOptions {
  /** Shared state across instances; without it everything is per process. */
  redis?: Redis | undefined;
  /** Default `VOICE_DEFAULTS.maxConcurrentSessionsPerUser` (3). */
  maxSessionsPerUser?: number | undefined;
  /** Session lease TTL; heartbeat every third of it. Default 45 s. */
  sessionTtlMs?: number | undefined;
  /** Default resume ticket TTL. Default `VOICE_DEFAULTS.resumeWindowMs` (60 s). */
  resumeTtlMs?: number | undefined;
  /** Cap on an encoded resume ticket. Default 16 KiB. */
  maxResumeTicketBytes?: number | undefined;
  /** Redis key namespace. Default `atlas:voice`. */
  keyPrefix?: string | undefined;
  /** Clock of the memory implementations (ignored with Redis, which uses the server's time). */
  now?: (() => number) | undefined;
  frame?: Partial<FrameGuardOptions> | undefined;
  malformed?: Partial<MalformedCounterOptions> | undefined;
}

export interface VoiceLimits<S = ResumeState> {
  readonly backend: 'redis' | 'memory';
  readonly registry: SessionRegistry;
  readonly resumeStore: ResumeStore<S>;
  /** A fresh guard for one connection (it holds that connection's rate window). */
  createFrameGuard(): FrameGuard;
  /** A fresh counter for one connection. */
  createMalformedCounter(): MalformedCounter;
}

export function createVoiceLimits<S = ResumeState>(
  options: VoiceLimitsOptions = {},
): VoiceLimits<S> {
  const { redis, keyPrefix, now } = options;
  const registryOptions = {
    maxSessionsPerUser: options.maxSessionsPerUser,
    ttlMs: options.sessionTtlMs,
  };
  const storeOptions = { ttlMs: options.resumeTtlMs, maxTicketBytes: options.maxResumeTicketBytes };
  // Validate the per-connection options now, at start-up, rather than on the first call.
  new FrameGuard(options.frame);
  new MalformedCounter(options.malformed);

  return {
    backend: redis === undefined ? 'memory' : 'redis',
    registry:
      redis === undefined
        ? new MemorySessionRegistry({ ...registryOptions, now })
        : new RedisSessionRegistry({ ...registryOptions, redis, keyPrefix }),
    resumeStore:
      redis === undefined
        ? new MemoryResumeStore<S>({ ...storeOptions, now })
        : new RedisResumeStore<S>({ ...storeOptions, redis, keyPrefix }),
    createFrameGuard: () => new FrameGuard(options.frame),
    createMalformedCounter: () => new MalformedCounter(options.malformed),
  };
}
