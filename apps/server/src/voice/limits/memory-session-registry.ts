/**
 * @module voice/limits/memory-session-registry
 * {@link SessionRegistry} for a single process (no `REDIS_URL`, and tests): the same lease
 * semantics as the Redis one, with an injectable clock so expiry is testable without waiting.
 */
import {
  type AcquireResult,
  assertSessionIds,
  resolveHoldMs,
  resolveRegistryOptions,
  type SessionRegistry,
} from './session-registry.js';

export interface MemorySessionRegistryOptions {
  maxSessionsPerUser?: number | undefined;
  ttlMs?: number | undefined;
  /** Current time in ms; tests pass a fake. */
  now?: (() => number) | undefined;
}

export class MemorySessionRegistry implements SessionRegistry {
  readonly maxSessionsPerUser: number;
  readonly ttlMs: number;
  readonly #now: () => number;
  /** userId → (sessionId → lease expiry). Empty inner maps are deleted so users don't leak. */
  readonly #leases = new Map<string, Map<string, number>>();
  /** Next full sweep: leases are otherwise pruned per user, so users who never return would linger. */
  #sweepAt = 0;

  constructor(options: MemorySessionRegistryOptions = {}) {
    const resolved = resolveRegistryOptions(options);
    this.maxSessionsPerUser = resolved.maxSessionsPerUser;
    this.ttlMs = resolved.ttlMs;
    this.#now = options.now ?? Date.now;
  }

  async acquire(userId: string, sessionId: string): Promise<AcquireResult> {
    assertSessionIds(userId, sessionId);
    const now = this.#now();
    this.#sweep(now);
    const leases = this.#live(userId, now);
    const current = leases?.get(sessionId);
    if (current === undefined && leases !== undefined && leases.size >= this.maxSessionsPerUser) {
      return { ok: false, active: leases.size };
    }
    const held = leases ?? new Map<string, number>();
    held.set(sessionId, Math.max(current ?? 0, now + this.ttlMs));
    this.#leases.set(userId, held);
    return { ok: true, alreadyHeld: current !== undefined };
  }

  async heartbeat(userId: string, sessionId: string, holdMs?: number): Promise<boolean> {
    assertSessionIds(userId, sessionId);
    const hold = resolveHoldMs(holdMs, this.ttlMs);
    const now = this.#now();
    const leases = this.#live(userId, now);
    const current = leases?.get(sessionId);
    if (leases === undefined || current === undefined) return false;
    leases.set(sessionId, Math.max(current, now + hold));
    return true;
  }

  async release(userId: string, sessionId: string): Promise<void> {
    assertSessionIds(userId, sessionId);
    const leases = this.#leases.get(userId);
    if (leases === undefined) return;
    leases.delete(sessionId);
    if (leases.size === 0) this.#leases.delete(userId);
  }

  async count(userId: string): Promise<number> {
    return this.#live(userId, this.#now())?.size ?? 0;
  }

  /** Prunes every user at most once per TTL, keeping memory bounded by the live sessions. */
  #sweep(now: number): void {
    if (now < this.#sweepAt) return;
    this.#sweepAt = now + this.ttlMs;
    for (const userId of this.#leases.keys()) this.#live(userId, now);
  }

  /** The user's leases with expired ones dropped (a lease is dead at its expiry instant). */
  #live(userId: string, now: number): Map<string, number> | undefined {
    const leases = this.#leases.get(userId);
    if (leases === undefined) return undefined;
    for (const [sessionId, expiresAt] of leases) {
      if (expiresAt <= now) leases.delete(sessionId);
    }
    if (leases.size > 0) return leases;
    this.#leases.delete(userId);
    return undefined;
  }
}
