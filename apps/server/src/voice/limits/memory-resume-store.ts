/**
 * @module voice/limits/memory-resume-store
 * {@link ResumeStore} for a single process. Expiry is lazy (checked on every access, swept on
 * writes), so there are no timers to clean up and the clock can be faked in tests.
 */
import {
  assertOwner,
  ENDED_OWNER,
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

/** A session's entry: who owns it, and its ticket unless it was taken or ended. */
interface Entry {
  owner: string;
  json: string | undefined;
  expiresAt: number;
}

export class MemoryResumeStore<S = ResumeState> implements ResumeStore<S> {
  readonly #codec: TicketCodec;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry>();
  #nextSweepAt = 0;

  constructor(options: MemoryResumeStoreOptions = {}) {
    this.#codec = new TicketCodec(options);
    this.#now = options.now ?? Date.now;
  }

  async checkpoint(ticket: ResumeTicket<S>, owner: string, ttlMs?: number): Promise<boolean> {
    assertOwner(owner);
    const encoded = this.#codec.encode(ticket, ttlMs);
    const key = ticketKey('', ticket.sessionId, ticket.userId);
    const current = this.#live(key);
    if (current !== undefined && current.owner !== owner) return false;
    this.#write(key, { owner, json: encoded.json, expiresAt: this.#now() + encoded.ttlMs });
    return true;
  }

  async take(
    sessionId: string,
    userId: string,
    claimant: string,
    ttlMs?: number,
  ): Promise<ResumeTicket<S> | undefined> {
    assertOwner(claimant);
    const hold = this.#codec.ttl(ttlMs);
    const key = ticketKey('', sessionId, userId);
    const json = this.#live(key)?.json;
    if (json === undefined) return undefined;
    this.#write(key, { owner: claimant, json: undefined, expiresAt: this.#now() + hold });
    return this.#codec.decode<S>(json, sessionId, userId);
  }

  async release(
    sessionId: string,
    userId: string,
    owner: string,
    ttlMs?: number,
  ): Promise<boolean> {
    assertOwner(owner);
    const hold = this.#codec.ttl(ttlMs);
    const key = ticketKey('', sessionId, userId);
    const current = this.#live(key);
    if (current !== undefined && current.owner !== owner) return false;
    this.#write(key, { owner: ENDED_OWNER, json: undefined, expiresAt: this.#now() + hold });
    return true;
  }

  /** Entries held, expired ones included until the next sweep (for tests and metrics). */
  get size(): number {
    return this.#entries.size;
  }

  #live(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined || entry.expiresAt > this.#now()) return entry;
    this.#entries.delete(key);
    return undefined;
  }

  #write(key: string, entry: Entry): void {
    const now = this.#now();
    // Live sessions write every few seconds, so the sweep runs at most once a second; it keeps
    // entries nobody came back for from piling up.
    if (now >= this.#nextSweepAt) {
      this.#nextSweepAt = now + 1_000;
      for (const [other, stored] of this.#entries) {
        if (stored.expiresAt <= now) this.#entries.delete(other);
      }
    }
    this.#entries.set(key, entry);
  }
}
