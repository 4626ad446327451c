/**
 * @module db/pglite-database
 * The embedded default: PGlite (Postgres compiled to WebAssembly) in a directory on disk, or in
 * memory when no directory is given. One connection; PGlite queues concurrent work itself.
 */
import { mkdir } from 'node:fs/promises';
import { PGlite, type PGliteOptions } from '@electric-sql/pglite';
import type { Database, JwtClaims, Queryable, QueryResult } from './database.js';
import { runScoped, SERVICE_CLAIMS, userClaims } from './scoped.js';

interface PgliteLike {
  query<Row>(sql: string, params?: unknown[]): Promise<{ rows: Row[]; affectedRows?: number }>;
}

function adapt(target: PgliteLike): Queryable {
  return {
    async query<Row>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<Row>> {
      const result = await target.query<Row>(sql, [...params]);
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
    },
  };
}

export class PgliteDatabase implements Database {
  readonly kind = 'pglite' as const;
  readonly #pg: PGlite;
  readonly #queryable: Queryable;

  private constructor(pg: PGlite) {
    this.#pg = pg;
    this.#queryable = adapt(pg);
  }

  /**
   * Opens (creating if needed) a database in `directory`, or an in-memory one when omitted.
   * `options.loadDataDir` starts from a {@link dumpDataDir} snapshot instead of running initdb.
   */
  static async open(
    directory?: string,
    options: Omit<PGliteOptions, 'dataDir'> = {},
  ): Promise<PgliteDatabase> {
    if (directory !== undefined) await mkdir(directory, { recursive: true });
    const pg = await PGlite.create({
      ...options,
      ...(directory === undefined ? {} : { dataDir: directory }),
    });
    return new PgliteDatabase(pg);
  }

  /** The whole data directory as an uncompressed tarball (tests clone migrated databases with it). */
  dumpDataDir(): Promise<Blob> {
    return this.#pg.dumpDataDir('none');
  }

  /** Runs a script of several statements (bootstrap, migrations). */
  exec(sql: string): Promise<unknown> {
    return this.#pg.exec(sql);
  }

  query<Row = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
  ): Promise<QueryResult<Row>> {
    return this.#queryable.query<Row>(sql, params);
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.#pg.transaction((tx) => fn(adapt(tx)));
  }

  withUser<T>(claims: JwtClaims, fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return runScoped((f) => this.transaction(f), 'authenticated', userClaims(claims), fn);
  }

  asService<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return runScoped((f) => this.transaction(f), 'service_role', SERVICE_CLAIMS, fn);
  }

  async ping(): Promise<void> {
    await this.#pg.query('select 1');
  }

  async close(): Promise<void> {
    if (!this.#pg.closed) await this.#pg.close();
  }
}
