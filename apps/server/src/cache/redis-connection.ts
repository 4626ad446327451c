/**
 * @module cache/redis-connection
 * The shared Redis connection (rate limits, session counts, resume tickets across gateway
 * instances). Absent when `REDIS_URL` is unset: every user of it then falls back to memory.
 */
import { Redis } from 'ioredis';
import { AtlasError } from '../errors.js';

export type { Redis } from 'ioredis';

/** `redis://user:secret@host:6379/0` → `redis://host:6379/0`, safe for logs and errors. */
export function describeRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
  } catch {
    return 'an unparseable URL';
  }
}

/**
 * Connects and waits for the first PING, failing fast with a clear error instead of letting
 * ioredis retry forever in the background.
 */
export async function connectRedis(url: string, timeoutMs = 3_000): Promise<Redis> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 2,
    // After start-up, reconnect with capped backoff; requests fail fast while it is down.
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
  // Errors are reported through failed commands and /ready; an unhandled 'error' would crash.
  redis.on('error', () => {});
  try {
    await redis.connect();
    await redis.ping();
    return redis;
  } catch (error) {
    redis.disconnect();
    const cause = error instanceof Error ? error.message : String(error);
    throw new AtlasError(
      'cache_unavailable',
      `Cannot reach Redis at ${describeRedisUrl(url)} (REDIS_URL): ${cause}. Start Redis or unset REDIS_URL to use in-memory limits.`,
      { cause: error },
    );
  }
}
