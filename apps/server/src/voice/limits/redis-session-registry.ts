/**
 * @module voice/limits/redis-session-registry
 * {@link SessionRegistry} shared by all gateway instances through Redis. Each user has a
 * sorted set: member = session id, score = lease expiry (ms). Every operation that reads or
 * writes the set is one Lua script (drop expired members, check, write), so two instances
 * racing for a user's last slot cannot both get it.
 *
 * Time comes from the Redis server (`TIME`), not from the instances: clocks that disagree
 * between hosts would otherwise shorten or stretch each other's leases.
 */
import type { Redis } from '../../cache/redis-connection.js';
import { RedisScript } from './redis-script.js';
import {
  type AcquireResult,
  assertSessionIds,
  resolveHoldMs,
  resolveRegistryOptions,
  type SessionRegistry,
} from './session-registry.js';

/**
 * Shared head of every script: the server's time in ms, then the user's expired leases
 * dropped (a lease is dead at its expiry instant). Scripts may call TIME because Redis ≥ 5
 * replicates their effects, not the script itself.
 */
const PRUNE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
`;

/** The key lives as long as its longest lease, so a user with no live sessions leaves nothing behind. */
const EXPIRE_KEY = `
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[1], last[2])
`;

/** ARGV: sessionId, ttlMs, max → {1, alreadyHeld 0|1} or {0, active}. */
const ACQUIRE = new RedisScript(
  `${PRUNE}
local held = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not held then
  local active = redis.call('ZCARD', KEYS[1])
  if active >= tonumber(ARGV[3]) then return {0, active} end
end
-- GT: re-acquiring never shortens a longer hold (e.g. one kept for the resume window).
redis.call('ZADD', KEYS[1], 'GT', now + tonumber(ARGV[2]), ARGV[1])
${EXPIRE_KEY}
if held then return {1, 1} end
return {1, 0}
`,
  1,
);

/** ARGV: sessionId, holdMs → 1 if the lease was held (and is extended), else 0. */
const HEARTBEAT = new RedisScript(
  `${PRUNE}
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], 'XX', 'GT', now + tonumber(ARGV[2]), ARGV[1])
${EXPIRE_KEY}
return 1
`,
  1,
);

const COUNT = new RedisScript(`${PRUNE}\nreturn redis.call('ZCARD', KEYS[1])`, 1);

export interface RedisSessionRegistryOptions {
  redis: Redis;
  maxSessionsPerUser?: number | undefined;
  ttlMs?: number | undefined;
  /** Namespace of the keys; tests use a unique one each. Default `atlas:voice`. */
  keyPrefix?: string | undefined;
}

export class RedisSessionRegistry implements SessionRegistry {
  readonly maxSessionsPerUser: number;
  readonly ttlMs: number;
  readonly #redis: Redis;
  readonly #keyPrefix: string;

  constructor(options: RedisSessionRegistryOptions) {
    const resolved = resolveRegistryOptions(options);
    this.maxSessionsPerUser = resolved.maxSessionsPerUser;
    this.ttlMs = resolved.ttlMs;
    this.#redis = options.redis;
    this.#keyPrefix = options.keyPrefix ?? 'atlas:voice';
  }

  async acquire(userId: string, sessionId: string): Promise<AcquireResult> {
    assertSessionIds(userId, sessionId);
    const reply = await ACQUIRE.run(this.#redis, [
      this.#key(userId),
      sessionId,
      this.ttlMs,
      this.maxSessionsPerUser,
    ]);
    const [ok, value] = toIntegerPair(reply);
    return ok === 1 ? { ok: true, alreadyHeld: value === 1 } : { ok: false, active: value };
  }

  async heartbeat(userId: string, sessionId: string, holdMs?: number): Promise<boolean> {
    assertSessionIds(userId, sessionId);
    const hold = resolveHoldMs(holdMs, this.ttlMs);
    const reply = await HEARTBEAT.run(this.#redis, [this.#key(userId), sessionId, hold]);
    return reply === 1;
  }

  async release(userId: string, sessionId: string): Promise<void> {
    assertSessionIds(userId, sessionId);
    // Redis deletes the key with its last member.
    await this.#redis.zrem(this.#key(userId), sessionId);
  }

  async count(userId: string): Promise<number> {
    const reply = await COUNT.run(this.#redis, [this.#key(userId)]);
    if (typeof reply !== 'number') throw new TypeError(`Unexpected COUNT reply: ${String(reply)}`);
    return reply;
  }

  /** Encoded so that a `:` in an id can never alias another user's key. */
  #key(userId: string): string {
    return `${this.#keyPrefix}:sessions:${encodeURIComponent(userId)}`;
  }
}

function toIntegerPair(reply: unknown): [number, number] {
  if (Array.isArray(reply) && typeof reply[0] === 'number' && typeof reply[1] === 'number') {
    return [reply[0], reply[1]];
  }
  throw new TypeError(`Unexpected ACQUIRE reply: ${JSON.stringify(reply)}`);
}
