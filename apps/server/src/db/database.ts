/**
 * @module db/database
 * The contract every database backend (PGlite, PostgreSQL) fulfils. User-scoped work goes
 * through `withUser`, which runs the callback in a transaction as role `authenticated` with the
 * JWT claims set exactly as PostgREST sets them, so row-level security guards every path.
 */

export interface QueryResult<Row> {
  rows: Row[];
  rowCount: number;
}

/** Something SQL can be sent to: a connection, or a transaction on one. */
export interface Queryable {
  query<Row = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
  ): Promise<QueryResult<Row>>;
}

/** The claims of a verified access token, as Postgres policies see them via `auth.jwt()`. */
export interface JwtClaims {
  sub: string;
  role: string;
  aud?: string | string[];
  email?: string;
  exp?: number;
  iat?: number;
  [claim: string]: unknown;
}

export type DatabaseKind = 'pglite' | 'postgres';

export interface Database {
  readonly kind: DatabaseKind;
  /** One statement as the connecting (owner) role: migrations, operator tools, the auth store. */
  query<Row = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
  ): Promise<QueryResult<Row>>;
  /** A transaction as the connecting role; retried as a whole on transient connection errors. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** A transaction as role `authenticated` with `request.jwt.claims` set: RLS applies. */
  withUser<T>(claims: JwtClaims, fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** A transaction as role `service_role` (bypasses RLS): background writers, billing. */
  asService<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Resolves when the database answers `select 1`. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
