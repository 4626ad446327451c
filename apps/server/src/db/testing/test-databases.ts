/**
 * @module db/testing/test-databases
 * The databases data tests run against: always an in-memory PGlite, plus a real PostgreSQL
 * server when `TEST_DATABASE_URL` is set (CI sets it). Each `open()` returns a fresh, fully
 * migrated database of its own (on PostgreSQL a new `atlas_test_<random>` database, dropped
 * again by `close()`), so test files running in parallel never see each other's rows.
 * Opening one costs about a second or two; share it across a file's tests (`beforeAll`) and
 * give each test its own users (`createTestUser`) rather than opening one per test.
 *
 * @example
 * import { createTestUser, databaseTargets } from '../db/testing/test-databases.js';
 *
 * describe.each(databaseTargets())('conversations on $name', (target) => {
 *   let db: Database;
 *   beforeAll(async () => { db = await target.open(); });
 *   afterAll(async () => { await db.close(); });
 *
 *   it('lists only my conversations', async () => {
 *     const alice = await createTestUser(db);
 *     const rows = await db.withUser(alice.claims, (tx) => tx.query('select * from conversations'));
 *     expect(rows.rows).toEqual([]);
 *   });
 * });
 */
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Database, JwtClaims } from '../database.js';
import { applyBootstrap, migrate } from '../migrator.js';
import { PgliteDatabase } from '../pglite-database.js';
import { PostgresDatabase } from '../postgres-database.js';

export interface DatabaseTarget {
  name: 'pglite' | 'postgres';
  /** A new, bootstrapped and migrated database; its `close()` also deletes it. */
  open(): Promise<Database>;
}

export interface TestUser {
  id: string;
  email: string;
  /** Pass to `db.withUser(claims, …)`; shaped like a verified Supabase access token. */
  claims: JwtClaims;
}

let pgliteTemplate: Promise<Blob> | undefined;

/**
 * A migrated PGlite data directory, built once per test worker. Starting each database from it
 * skips initdb and the migrations: seconds saved per database on a busy machine.
 */
function migratedPgliteTemplate(): Promise<Blob> {
  pgliteTemplate ??= (async () => {
    const db = await PgliteDatabase.open();
    try {
      await applyBootstrap(db);
      await migrate(db);
      return await db.dumpDataDir();
    } finally {
      await db.close();
    }
  })();
  return pgliteTemplate;
}

export const pgliteTarget: DatabaseTarget = {
  name: 'pglite',
  async open() {
    return PgliteDatabase.open(undefined, { loadDataDir: await migratedPgliteTemplate() });
  },
};

/** A PostgresDatabase whose `close()` also drops its throwaway database. */
class ThrowawayPostgresDatabase extends PostgresDatabase {
  constructor(
    readonly connectionString: string,
    private readonly adminUrl: string,
    private readonly databaseName: string,
  ) {
    super({ connectionString, maxConnections: 4 });
  }

  override async close(): Promise<void> {
    await super.close();
    await withAdmin(this.adminUrl, (admin) =>
      admin.query(`drop database if exists ${this.databaseName} with (force)`),
    );
  }
}

async function withAdmin<T>(adminUrl: string, fn: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.end();
  }
}

/** A target creating throwaway databases on the server `adminUrl` points at. */
export function postgresTarget(adminUrl: string): DatabaseTarget {
  return {
    name: 'postgres',
    async open() {
      const name = `atlas_test_${randomBytes(6).toString('hex')}`;
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      const db = new ThrowawayPostgresDatabase(url.toString(), adminUrl, name);
      try {
        await withAdmin(adminUrl, async (admin) => {
          await admin.query(`create database ${name}`);
          // Roles are cluster-wide: a session lock on the shared admin database keeps test
          // files that start together from racing to create them.
          await admin.query(`select pg_advisory_lock(hashtext('atlas:test-bootstrap'))`);
          await applyBootstrap(db);
        });
        await migrate(db);
        return db;
      } catch (error) {
        await db.close().catch(() => {});
        throw error;
      }
    },
  };
}

/** The connection URL of a PostgreSQL test database (for tools that need their own client). */
export function testDatabaseUrl(db: Database): string | undefined {
  return db instanceof ThrowawayPostgresDatabase ? db.connectionString : undefined;
}

/** PGlite always; PostgreSQL too when TEST_DATABASE_URL is set. */
export function databaseTargets(env: NodeJS.ProcessEnv = process.env): DatabaseTarget[] {
  const url = env.TEST_DATABASE_URL;
  return url ? [pgliteTarget, postgresTarget(url)] : [pgliteTarget];
}

/**
 * Inserts an auth user (as the owner, like the auth service would); the profile trigger gives
 * them a free-tier profile. Returns the claims `withUser` expects.
 */
export async function createTestUser(
  db: Database,
  options: { email?: string; displayName?: string } = {},
): Promise<TestUser> {
  const email = options.email ?? `user-${randomUUID()}@example.test`;
  const meta = options.displayName === undefined ? {} : { display_name: options.displayName };
  const { rows } = await db.query<{ id: string }>(
    'insert into auth.users (email, raw_user_meta_data) values ($1, $2) returning id',
    [email, JSON.stringify(meta)],
  );
  const id = rows[0]?.id;
  if (id === undefined) throw new Error('insert into auth.users returned no id');
  return { id, email, claims: { sub: id, role: 'authenticated', aud: 'authenticated', email } };
}
