/**
 * @module voice/limits/memory-resume-store
 * {@link ResumeStore} for a single process. Expiry is lazy (checked on `take`, swept on
 * `save`), so there are no timers to clean up and the clock can be faked in tests.
 */
import {
  type ResumeState,
  type ResumeStore,
  type ResumeStoreOptions,
  type ResumeTicket,
  TicketCodec,
  ticketKey,
} from './resume-store.js';

export interface MemoryResumeStoreOptions extends ResumeStoreOptions {
  /** Current time in ms; tests pass a fake. */
  now?: (() => number) | undefined;
}

export class MemoryResumeStore<S = ResumeState> implements ResumeStore<S> {
  readonly #codec: TicketCodec;
  readonly #now: () => number;
  readonly #tickets = new Map<string, { json: string; expiresAt: number }>();

  constructor(options: MemoryResumeStoreOptions = {}) {
    this.#codec = new TicketCodec(options);
    this.#now = options.now ?? Date.now;
  }

  async save(ticket: ResumeTicket<S>, ttlMs?: number): Promise<void> {
    const encoded = this.#codec.encode(ticket, ttlMs);
    const now = this.#now();
    // Tickets are saved only on unexpected disconnects, so a full sweep here is cheap and
    // keeps tickets nobody came back for from piling up.
    for (const [key, stored] of this.#tickets) {
      if (stored.expiresAt <= now) this.#tickets.delete(key);
    }
    this.#tickets.set(ticketKey('', ticket.sessionId, ticket.userId), {
      json: encoded.json,
      expiresAt: now + encoded.ttlMs,
    });
  }

  async take(sessionId: string, userId: string): Promise<ResumeTicket<S> | undefined> {
    const key = ticketKey('', sessionId, userId);
    const stored = this.#tickets.get(key);
    if (stored === undefined) return undefined;
    this.#tickets.delete(key);
    if (stored.expiresAt <= this.#now()) return undefined;
    return this.#codec.decode<S>(stored.json, sessionId, userId);
  }

  /** Tickets held, expired ones included until the next sweep (for tests and metrics). */
  get size(): number {
    return this.#tickets.size;
  }
}
