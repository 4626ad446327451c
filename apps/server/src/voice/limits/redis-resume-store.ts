/**
 * @module voice/limits/redis-resume-store
 * {@link ResumeStore} shared by all gateway instances. A session is one hash, `owner` and
 * (unless taken or ended) `ticket`, and every operation is one Lua script: of two instances
 * racing to resume a session exactly one gets the ticket, and an old run of the session can
 * never overwrite the claim of the instance that took it over.
 */
import type { Redis } from '../../cache/redis-connection.js';
import { RedisScript } from './redis-script.js';
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

/** Lets `owner` (or anyone, when the key is gone) write; shared head of checkpoint and release. */
const OWNED_BY_CALLER = `
local current = redis.call('HGET', KEYS[1], 'owner')
if current and current ~= ARGV[1] then return 0 end
`;

/** ARGV: owner, ticket JSON, ttlMs → 1 saved, 0 another owner holds the session. */
const CHECKPOINT = new RedisScript(
  `${OWNED_BY_CALLER}
redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'ticket', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`,
  1,
);

/** ARGV: claimant, ttlMs → the ticket JSON (now owned by the claimant), or nil. */
const TAKE = new RedisScript(
  `
local ticket = redis.call('HGET', KEYS[1], 'ticket')
if not ticket then return false end
redis.call('HDEL', KEYS[1], 'ticket')
redis.call('HSET', KEYS[1], 'owner', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return ticket
`,
  1,
);

/** ARGV: owner, ttlMs, ended mark → 1 released, 0 another owner holds the session. */
const RELEASE = new RedisScript(
  `${OWNED_BY_CALLER}
redis.call('HDEL', KEYS[1], 'ticket')
redis.call('HSET', KEYS[1], 'owner', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`,
  1,
);

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

  async checkpoint(ticket: ResumeTicket<S>, owner: string, ttlMs?: number): Promise<boolean> {
    assertOwner(owner);
    const encoded = this.#codec.encode(ticket, ttlMs);
    const key = ticketKey(this.#keyPrefix, ticket.sessionId, ticket.userId);
    const reply = await CHECKPOINT.run(this.#redis, [key, owner, encoded.json, encoded.ttlMs]);
    return reply === 1;
  }

  async take(
    sessionId: string,
    userId: string,
    claimant: string,
    ttlMs?: number,
  ): Promise<ResumeTicket<S> | undefined> {
    assertOwner(claimant);
    const key = ticketKey(this.#keyPrefix, sessionId, userId);
    const reply = await TAKE.run(this.#redis, [key, claimant, this.#codec.ttl(ttlMs)]);
    if (reply !== null && typeof reply !== 'string') {
      throw new TypeError(`Unexpected TAKE reply: ${String(reply)}`);
    }
    return this.#codec.decode<S>(reply, sessionId, userId);
  }

  async release(
    sessionId: string,
    userId: string,
    owner: string,
    ttlMs?: number,
  ): Promise<boolean> {
    assertOwner(owner);
    const key = ticketKey(this.#keyPrefix, sessionId, userId);
    const reply = await RELEASE.run(this.#redis, [key, owner, this.#codec.ttl(ttlMs), ENDED_OWNER]);
    return reply === 1;
  }
}
