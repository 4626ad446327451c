/**
 * @module voice/limits/session-registry
 * Counts each user's live voice sessions across every gateway instance, so the limit (3 by
 * default) holds behind a load balancer. A slot is a lease: it expires unless heartbeated, so
 * the sessions of a crashed instance free themselves after one TTL. Implementations:
 * {@link RedisSessionRegistry} (shared) and {@link MemorySessionRegistry} (one process).
 *
 * @example
 * const slot = await registry.acquire(userId, sessionId);
 * if (!slot.ok) return refuse(4029, 'too_many_sessions', { active: slot.active });
 * const heartbeat = startHeartbeat(registry, userId, sessionId, {
 *   onLost: () => endSession('lease lost'),
 *   onError: (error) => log.warn({ err: error }, 'session heartbeat failed'),
 * });
 * // … on orderly end:
 * heartbeat.stop();
 * await registry.release(userId, sessionId);
 * // … on unexpected disconnect, keep the slot for the resume window instead:
 * heartbeat.stop();
 * await registry.heartbeat(userId, sessionId, VOICE_DEFAULTS.resumeWindowMs);
 */
import { VOICE_DEFAULTS } from '@atlas/protocol';

export type AcquireResult =
  /** `alreadyHeld`: the session id held a slot already (a resume); it was not counted again. */
  | { ok: true; alreadyHeld: boolean }
  /** `active`: the user's live sessions, none of them this one. */
  | { ok: false; active: number };

export interface SessionRegistry {
  /** Most concurrent sessions per user. */
  readonly maxSessionsPerUser: number;
  /** How long a slot lives without a heartbeat. */
  readonly ttlMs: number;
  /**
   * Takes a slot for `sessionId` if the user has fewer than `maxSessionsPerUser` live ones.
   * Atomic across instances. Idempotent for a session id that already holds a slot (a resumed
   * session, possibly on another instance): it succeeds and extends the lease.
   */
  acquire(userId: string, sessionId: string): Promise<AcquireResult>;
  /**
   * Extends a held slot to at least `holdMs` (default `ttlMs`) from now; never shortens it.
   * @returns false when the session no longer holds a slot (released, or it expired, e.g.
   *   after an event-loop stall longer than the TTL). The slot is not re-taken: call
   *   `acquire` if the session should go on.
   */
  heartbeat(userId: string, sessionId: string, holdMs?: number): Promise<boolean>;
  /** Frees the slot. Idempotent; unknown ids are ignored. */
  release(userId: string, sessionId: string): Promise<void>;
  /** The user's live sessions. */
  count(userId: string): Promise<number>;
}

/** Defaults shared by both implementations. */
export const SESSION_REGISTRY_DEFAULTS = {
  /** Long enough to ride out a Redis blip or a GC pause, short enough to free a crashed instance's slots quickly. */
  ttlMs: 45_000,
} as const;

export interface HeartbeatOptions {
  /** Default: a third of the registry's TTL, so two heartbeats may fail before the slot lapses. */
  intervalMs?: number;
  /** Called once if the slot was lost; the heartbeat has stopped by then. */
  onLost?: () => void;
  /** A heartbeat failed (e.g. Redis unreachable); the next one is still scheduled. */
  onError?: (error: unknown) => void;
}

export interface HeartbeatHandle {
  /** Stops the timer. Idempotent. Does not release the slot. */
  stop(): void;
}

/**
 * Heartbeats a held slot on a timer until stopped or the slot is lost. The timer is unref'd
 * (it never keeps the process alive) and a heartbeat is skipped while the previous one is
 * still in flight, so a slow Redis cannot pile up calls.
 */
export function startHeartbeat(
  registry: SessionRegistry,
  userId: string,
  sessionId: string,
  options: HeartbeatOptions = {},
): HeartbeatHandle {
  const intervalMs = options.intervalMs ?? Math.max(1, Math.floor(registry.ttlMs / 3));
  if (!(intervalMs > 0)) throw new RangeError(`intervalMs must be positive, got ${intervalMs}`);
  let stopped = false;
  let inFlight = false;

  const stop = () => {
    stopped = true;
    clearInterval(timer);
  };
  const beat = async () => {
    if (stopped || inFlight) return;
    inFlight = true;
    try {
      const held = await registry.heartbeat(userId, sessionId);
      if (!held && !stopped) {
        stop();
        options.onLost?.();
      }
    } catch (error) {
      if (!stopped) options.onError?.(error);
    } finally {
      inFlight = false;
    }
  };
  const timer = setInterval(() => void beat(), intervalMs);
  timer.unref();
  return { stop };
}

/** Rejects ids that would make keys ambiguous or unbounded; both come from the caller's auth. */
export function assertSessionIds(userId: string, sessionId: string): void {
  if (typeof userId !== 'string' || userId.length === 0 || userId.length > 256) {
    throw new TypeError('userId must be a non-empty string of at most 256 characters');
  }
  if (typeof sessionId !== 'string' || sessionId.length === 0 || sessionId.length > 256) {
    throw new TypeError('sessionId must be a non-empty string of at most 256 characters');
  }
}

/** Validates a registry's limit and TTL options, filling in defaults. */
export function resolveRegistryOptions(options: {
  maxSessionsPerUser?: number | undefined;
  ttlMs?: number | undefined;
}): { maxSessionsPerUser: number; ttlMs: number } {
  const maxSessionsPerUser =
    options.maxSessionsPerUser ?? VOICE_DEFAULTS.maxConcurrentSessionsPerUser;
  const ttlMs = options.ttlMs ?? SESSION_REGISTRY_DEFAULTS.ttlMs;
  if (!Number.isInteger(maxSessionsPerUser) || maxSessionsPerUser < 1) {
    throw new RangeError(
      `maxSessionsPerUser must be a positive integer, got ${maxSessionsPerUser}`,
    );
  }
  if (!Number.isInteger(ttlMs) || ttlMs < 1) {
    throw new RangeError(`ttlMs must be a positive integer, got ${ttlMs}`);
  }
  return { maxSessionsPerUser, ttlMs };
}

/** Validates an optional `holdMs` argument. */
export function resolveHoldMs(holdMs: number | undefined, ttlMs: number): number {
  const hold = holdMs ?? ttlMs;
  if (!Number.isInteger(hold) || hold < 1) {
    throw new RangeError(`holdMs must be a positive integer, got ${hold}`);
  }
  return hold;
}
