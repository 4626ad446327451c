/**
 * @module voice/limits/redis-script
 * Runs a Lua script by SHA and loads it on first use (or after a Redis restart / SCRIPT
 * FLUSH). Kept apart from ioredis' `defineCommand`, which adds methods to the shared client
 * that every module of the server uses.
 *
 * @internal
 */
import { createHash } from 'node:crypto';
import type { Redis } from '../../cache/redis-connection.js';

export class RedisScript {
  readonly sha: string;

  constructor(
    readonly source: string,
    readonly keyCount: number,
  ) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(redis: Redis, keysAndArgs: ReadonlyArray<string | number>): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, this.keyCount, ...keysAndArgs);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.includes('NOSCRIPT')) throw error;
      // EVAL also caches the script, so the next call takes the EVALSHA path again.
      return await redis.eval(this.source, this.keyCount, ...keysAndArgs);
    }
  }
}
