/**
 * @module db/migrator
 * Applies `supabase/migrations/<version>_<name>.sql` in version order and records each in
 * `supabase_migrations.schema_migrations` exactly as the Supabase CLI does (version, name, the
 * statements), so `supabase migration list` / `db push` and Atlas agree on what ran. Each
 * pending migration runs in one transaction together with its record: it applies completely
 * or not at all, and never twice. A transaction-scoped advisory lock serialises processes that
 * start together against the same database.
 *
 * @example
 * await applyBootstrap(db); // plain Postgres / PGlite only; skipped on a Supabase project
 * const applied = await migrate(db);
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database, Queryable } from './database.js';
import { splitSqlStatements } from './sql-splitter.js';

// Resolved from this file, so it holds for apps/server/src/db and the compiled apps/server/dist/db.
const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
export const MIGRATIONS_DIR = path.join(REPO_ROOT, 'supabase', 'migrations');
export const BOOTSTRAP_SQL_PATH = path.join(REPO_ROOT, 'supabase', 'bootstrap.sql');

// The Supabase CLI's own pattern for migration file names.
const MIGRATION_FILE = /^(\d+)_(.+)\.sql$/;
// One key for bootstrap and migrations: both change the schema, neither is hot.
const LOCK_SQL = "select pg_advisory_xact_lock(hashtext('atlas:schema-migrations'))";

export interface MigrationFile {
  version: string;
  name: string;
  fileName: string;
  path: string;
}

export interface MigrationStatus {
  version: string;
  name: string;
  /** `missing`: recorded as applied, but no file has that version any more (drift). */
  state: 'applied' | 'pending' | 'missing';
  /** Applied, but the file's statements differ from those recorded when it ran (drift). */
  modified: boolean;
}

/** A migration statement failed; the transaction was rolled back. */
export class MigrationError extends Error {
  override readonly name = 'MigrationError';
  constructor(
    readonly migration: MigrationFile,
    readonly statementIndex: number,
    readonly statement: string,
    cause: unknown,
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(
      `Migration ${migration.fileName} failed at statement ${statementIndex + 1}: ${reason}\n${statement}`,
      { cause },
    );
  }
}

type Migratable = Pick<Database, 'query' | 'transaction'>;

/** The migration files in `dir`, oldest first. Throws on a misnamed `.sql` file or a reused version. */
export async function listMigrationFiles(dir: string = MIGRATIONS_DIR): Promise<MigrationFile[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: MigrationFile[] = [];
  for (const entry of entries) {
    if (!entry.isFile() || !entry.name.endsWith('.sql')) continue;
    const match = MIGRATION_FILE.exec(entry.name);
    if (!match?.[1] || !match[2]) {
      throw new Error(`${entry.name}: migration files must be named <timestamp>_<name>.sql`);
    }
    files.push({
      version: match[1],
      name: match[2],
      fileName: entry.name,
      path: path.join(dir, entry.name),
    });
  }
  // Versions compare as the CLI compares them: as text, which is numeric for equal lengths.
  files.sort((a, b) => (a.version < b.version ? -1 : a.version > b.version ? 1 : 0));
  for (let i = 1; i < files.length; i++) {
    const [previous, current] = [files[i - 1], files[i]];
    if (previous && current && previous.version === current.version) {
      throw new Error(
        `${previous.fileName} and ${current.fileName} share version ${current.version}`,
      );
    }
  }
  return files;
}

export async function readMigrationStatements(file: MigrationFile): Promise<string[]> {
  return splitSqlStatements(await readFile(file.path, 'utf8'));
}

interface HistoryRow {
  version: string;
  name: string | null;
  statements: string[] | null;
}

/** Rows of the history table, oldest first; none when it does not exist yet. */
async function readHistory(db: Queryable): Promise<HistoryRow[]> {
  const exists = await db.query<{ table: string | null }>(
    "select to_regclass('supabase_migrations.schema_migrations')::text as table",
  );
  if (!exists.rows[0]?.table) return [];
  const { rows } = await db.query<HistoryRow>(
    'select version, name, statements from supabase_migrations.schema_migrations order by version',
  );
  return rows;
}

/** Versions recorded as applied, oldest first. */
export async function appliedVersions(db: Queryable): Promise<string[]> {
  return (await readHistory(db)).map((row) => row.version);
}

/** Every migration on disk or in the database, with its state. Read-only. */
export async function migrationStatus(
  db: Queryable,
  dir: string = MIGRATIONS_DIR,
): Promise<MigrationStatus[]> {
  const files = await listMigrationFiles(dir);
  const history = new Map((await readHistory(db)).map((row) => [row.version, row]));
  const result: MigrationStatus[] = [];
  for (const file of files) {
    const row = history.get(file.version);
    const modified =
      row?.statements != null &&
      JSON.stringify(row.statements) !== JSON.stringify(await readMigrationStatements(file));
    result.push({
      version: file.version,
      name: file.name,
      state: row ? 'applied' : 'pending',
      modified,
    });
    history.delete(file.version);
  }
  for (const row of history.values()) {
    result.push({ version: row.version, name: row.name ?? '', state: 'missing', modified: false });
  }
  return result.sort((a, b) => (a.version < b.version ? -1 : a.version > b.version ? 1 : 0));
}

async function ensureHistoryTable(tx: Queryable): Promise<void> {
  // The CLI's own DDL, so a project migrated by either tool has the same table.
  await tx.query('create schema if not exists supabase_migrations');
  await tx.query(
    'create table if not exists supabase_migrations.schema_migrations (version text not null primary key)',
  );
  await tx.query(
    'alter table supabase_migrations.schema_migrations add column if not exists statements text[]',
  );
  await tx.query(
    'alter table supabase_migrations.schema_migrations add column if not exists name text',
  );
}

/** Applies every pending migration; returns those this call applied (oldest first). */
export async function migrate(
  db: Migratable,
  options: { dir?: string } = {},
): Promise<MigrationFile[]> {
  const files = await listMigrationFiles(options.dir);
  const done = new Set(await appliedVersions(db));
  const applied: MigrationFile[] = [];
  for (const file of files) {
    if (done.has(file.version)) continue;
    // Parsed before the transaction opens, so a malformed file fails without touching the database.
    const statements = await readMigrationStatements(file);
    let failed: { index: number; statement: string } | undefined;
    try {
      const ran = await db.transaction(async (tx) => {
        await tx.query(LOCK_SQL);
        await ensureHistoryTable(tx);
        // Another process may have applied it while this one waited for the lock.
        const already = await tx.query(
          'select 1 from supabase_migrations.schema_migrations where version = $1',
          [file.version],
        );
        if (already.rows.length > 0) return false;
        for (const [index, statement] of statements.entries()) {
          failed = { index, statement };
          await tx.query(statement);
        }
        failed = undefined;
        await tx.query(
          'insert into supabase_migrations.schema_migrations (version, name, statements) values ($1, $2, $3)',
          [file.version, file.name, statements],
        );
        return true;
      });
      if (ran) applied.push(file);
    } catch (error) {
      // Wrapped out here, not inside the transaction, so transient errors keep their codes
      // and the backend's retry still sees them.
      if (failed) throw new MigrationError(file, failed.index, failed.statement, error);
      throw error;
    }
  }
  return applied;
}

/** True on a Supabase project, whose roles, auth schema and auth functions already exist. */
export async function isSupabaseProject(db: Queryable): Promise<boolean> {
  const { rows } = await db.query<{ supabase: boolean }>(
    "select exists (select 1 from pg_roles where rolname = 'supabase_auth_admin') as supabase",
  );
  return rows[0]?.supabase === true;
}

/**
 * Runs supabase/bootstrap.sql (roles, a minimal auth schema) unless this is a Supabase project.
 * Idempotent; run it before {@link migrate} on every start.
 */
export async function applyBootstrap(
  db: Migratable,
  file: string = BOOTSTRAP_SQL_PATH,
): Promise<'applied' | 'skipped'> {
  if (await isSupabaseProject(db)) return 'skipped';
  const statements = splitSqlStatements(await readFile(file, 'utf8'));
  await db.transaction(async (tx) => {
    await tx.query(LOCK_SQL);
    for (const statement of statements) await tx.query(statement);
  });
  return 'applied';
}
