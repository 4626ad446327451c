/**
 * @module db/postgres-database
 * PostgreSQL through a `pg` pool (production, CI, a Supabase project's direct connection).
 * Transactions are retried as a whole on transient connection errors.
 */
import pg from 'pg';
import type { Database, JwtClaims, Queryable, QueryResult } from './database.js';
import { DEFAULT_RETRY, type RetryOptions, withRetry } from './retry.js';
import { runScoped, SERVICE_CLAIMS, userClaims } from './scoped.js';

export interface PostgresOptions {
  connectionString: string;
  maxConnections?: number;
  retry?: RetryOptions;
  /** Called when a transient error is about to be retried (for logs and metrics). */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

function adapt(client: pg.PoolClient | pg.Pool): Queryable {
  return {
    async query<Row>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<Row>> {
      const result = await client.query(sql, [...params]);
      return { rows: result.rows as Row[], rowCount: result.rowCount ?? result.rows.length };
    },
  };
}

export class PostgresDatabase implements Database {
  readonly kind = 'postgres' as const;
  readonly #pool: pg.Pool;
  readonly #retry: RetryOptions;

  constructor(options: PostgresOptions) {
    this.#pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.maxConnections ?? 10,
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 30_000,
    });
    // An idle client losing its connection must not crash the process; the pool replaces it.
    this.#pool.on('error', () => {});
    this.#retry = {
      ...(options.retry ?? DEFAULT_RETRY),
      ...(options.onRetry ? { onRetry: options.onRetry } : {}),
    };
  }

  query<Row = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
  ): Promise<QueryResult<Row>> {
    return withRetry(() => adapt(this.#pool).query<Row>(sql, params), this.#retry);
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return withRetry(() => this.#transactionOnce(fn), this.#retry);
  }

  async #transactionOnce<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    let broken: Error | undefined;
    // A connection lost while checked out is reported both as a failed query and as an 'error'
    // event; without a listener that event would crash the process. The pool only listens on
    // idle clients.
    const onLost = (error: Error) => {
      broken = error;
    };
    client.on('error', onLost);
    try {
      await client.query('begin');
      const result = await fn(adapt(client));
      await client.query('commit');
      return result;
    } catch (error) {
      try {
        await client.query('rollback');
      } catch (rollbackError) {
        // The connection itself is gone: drop it from the pool instead of reusing it.
        broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
      }
      throw error;
    } finally {
      client.off('error', onLost);
      client.release(broken);
    }
  }

  withUser<T>(claims: JwtClaims, fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return runScoped((f) => this.transaction(f), 'authenticated', userClaims(claims), fn);
  }

  asService<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return runScoped((f) => this.transaction(f), 'service_role', SERVICE_CLAIMS, fn);
  }

  async ping(): Promise<void> {
    await adapt(this.#pool).query('select 1');
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}
