/**
 * @module voice/limits/redis-resume-store
 * {@link ResumeStore} shared by all gateway instances: `SET … PX` to save, `GETDEL` to take,
 * so of two instances racing to resume the same session exactly one gets the ticket.
 */
import type { Redis } from '../../cache/redis-connection.js';
import {
  type ResumeState,
  type ResumeStore,
  type ResumeStoreOptions,
  type ResumeTicket,
  TicketCodec,
  ticketKey,
} from './resume-store.js';

export interface RedisResumeStoreOptions extends ResumeStoreOptions {
  redis: Redis;
  /** Namespace of the keys; tests use a unique one each. Default `atlas:voice`. */
  keyPrefix?: string | undefined;
}

export class RedisResumeStore<S = ResumeState> implements ResumeStore<S> {
  readonly #codec: TicketCodec;
  readonly #redis: Redis;
  readonly #keyPrefix: string;

  constructor(options: RedisResumeStoreOptions) {
    this.#codec = new TicketCodec(options);
    this.#redis = options.redis;
    this.#keyPrefix = options.keyPrefix ?? 'atlas:voice';
  }

  async save(ticket: ResumeTicket<S>, ttlMs?: number): Promise<void> {
    const encoded = this.#codec.encode(ticket, ttlMs);
    const key = ticketKey(this.#keyPrefix, ticket.sessionId, ticket.userId);
    await this.#redis.set(key, encoded.json, 'PX', encoded.ttlMs);
  }

  async take(sessionId: string, userId: string): Promise<ResumeTicket<S> | undefined> {
    // GETDEL (Redis ≥ 6.2) is atomic: no window between reading and deleting.
    const json = await this.#redis.getdel(ticketKey(this.#keyPrefix, sessionId, userId));
    return this.#codec.decode<S>(json, sessionId, userId);
  }
}
