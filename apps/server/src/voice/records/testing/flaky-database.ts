/**
 * @module voice/records/testing/flaky-database
 * A `Database` decorator for outage tests: while `down`, every call fails the way node-postgres
 * fails against a stopped server (`ECONNREFUSED`, which `isTransientDatabaseError` accepts);
 * while up, calls pass through to the real database.
 */
import type { Database, JwtClaims, Queryable, QueryResult } from '../../../db/database.js';

export function connectionRefused(): Error {
  return Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
}

/** What node-postgres throws when the socket dies in the middle of a query. */
export function connectionTerminated(): Error {
  return new Error('Connection terminated unexpectedly');
}

export class FlakyDatabase implements Database {
  down = false;
  /** Calls refused while down. */
  refused = 0;
  #held: Promise<void> | undefined;
  #failAfterStatements: number | undefined;

  constructor(readonly inner: Database) {}

  /** Makes every call wait at the door until the returned function is called. */
  hold(): () => void {
    let release = () => {};
    this.#held = new Promise<void>((resolve) => {
      release = () => {
        this.#held = undefined;
        resolve();
      };
    });
    return release;
  }

  /**
   * The next `asService` transaction dies like a dropped connection after `statements`
   * statements (so the backend rolls it back); later ones run normally.
   */
  failNextTransactionAfter(statements: number): void {
    this.#failAfterStatements = statements;
  }

  get kind(): Database['kind'] {
    return this.inner.kind;
  }

  /** Calls waiting at the door of a {@link hold}. */
  waiting = 0;

  async #gate<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#held !== undefined) {
      this.waiting++;
      await this.#held;
      this.waiting--;
    }
    if (this.down) {
      this.refused++;
      throw connectionRefused();
    }
    return fn();
  }

  query<Row = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
  ): Promise<QueryResult<Row>> {
    return this.#gate(() => this.inner.query<Row>(sql, params));
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.#gate(() => this.inner.transaction(fn));
  }

  withUser<T>(claims: JwtClaims, fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.#gate(() => this.inner.withUser(claims, fn));
  }

  asService<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const failAfter = this.#failAfterStatements;
    this.#failAfterStatements = undefined;
    if (failAfter === undefined) return this.#gate(() => this.inner.asService(fn));
    let statements = 0;
    const dying: (tx: Queryable) => Queryable = (tx) => ({
      query: (sql, params) => {
        if (++statements > failAfter) return Promise.reject(connectionTerminated());
        return tx.query(sql, params);
      },
    });
    return this.#gate(() => this.inner.asService((tx) => fn(dying(tx))));
  }

  ping(): Promise<void> {
    return this.#gate(() => this.inner.ping());
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
