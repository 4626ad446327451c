import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from './database.js';
import {
  applyBootstrap,
  listMigrationFiles,
  MigrationError,
  type MigrationFile,
  migrate,
  migrationStatus,
  readMigrationStatements,
} from './migrator.js';
import { PgliteDatabase } from './pglite-database.js';
import { authSchemaObjects, schemaSnapshot } from './testing/schema-snapshot.js';
import { databaseTargets, testDatabaseUrl } from './testing/test-databases.js';

const tempDirs: string[] = [];

/** A migrations directory holding copies of the real migrations plus `extra` files. */
async function migrationsDir(extra: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'atlas-migrations-'));
  tempDirs.push(dir);
  for (const file of await listMigrationFiles())
    await copyFile(file.path, path.join(dir, file.fileName));
  for (const [name, sql] of Object.entries(extra)) await writeFile(path.join(dir, name), sql);
  return dir;
}

afterEach(async () => {
  await Promise.all(tempDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** Runs a whole file the way psql would, without the migrator's splitter or bookkeeping. */
async function runScript(db: Database, sql: string): Promise<void> {
  if (db instanceof PgliteDatabase) {
    await db.exec(sql);
    return;
  }
  // Without parameters node-postgres sends the whole file as one multi-statement query.
  const client = new pg.Client({ connectionString: testDatabaseUrl(db) });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function history(db: Database) {
  return (
    await db.query(
      'select version, name, statements from supabase_migrations.schema_migrations order by version',
    )
  ).rows;
}

describe('listMigrationFiles', () => {
  it('finds the initial schema, named the Supabase CLI way', async () => {
    const files = await listMigrationFiles();
    expect(files.map((file) => file.name)).toContain('initial_schema');
    for (const file of files) expect(file.fileName).toMatch(/^\d{14}_[a-z0-9_]+\.sql$/);
  });

  it('rejects a misnamed .sql file and a reused version, and sorts by version', async () => {
    const bad = await migrationsDir({ 'add_things.sql': 'select 1' });
    await expect(listMigrationFiles(bad)).rejects.toThrow(
      /add_things\.sql.*<timestamp>_<name>\.sql/,
    );
    const dup = await migrationsDir({ '30000101000000_a.sql': '', '30000101000000_b.sql': '' });
    await expect(listMigrationFiles(dup)).rejects.toThrow(/share version 30000101000000/);
    const sorted = await migrationsDir({
      '30000102000000_later.sql': '',
      '30000101000000_sooner.sql': '',
    });
    const names = (await listMigrationFiles(sorted)).map((file) => file.name);
    expect(names.slice(-2)).toEqual(['sooner', 'later']);
  });
});

// One database with only the bootstrap applied: what the auth schema looks like before any migration.
let bootstrapOnly: PgliteDatabase;
let authObjectsAfterBootstrap: string[];

beforeAll(async () => {
  bootstrapOnly = await PgliteDatabase.open();
  await applyBootstrap(bootstrapOnly);
  authObjectsAfterBootstrap = await authSchemaObjects(bootstrapOnly);
});
afterAll(async () => {
  await bootstrapOnly?.close();
});

describe('applyBootstrap', () => {
  it('skips a Supabase project', async () => {
    const dir = await migrationsDir();
    const script = path.join(dir, 'bootstrap.sql');
    await writeFile(script, 'create table public.bootstrap_ran (id int);');
    expect(await applyBootstrap(bootstrapOnly, script)).toBe('applied');
    await bootstrapOnly.query('drop table public.bootstrap_ran');

    await bootstrapOnly.query('create role supabase_auth_admin');
    expect(await applyBootstrap(bootstrapOnly, script)).toBe('skipped');
    const { rows } = await bootstrapOnly.query("select to_regclass('public.bootstrap_ran') as t");
    expect(rows).toEqual([{ t: null }]);
  });
});

describe.each(databaseTargets())('migrator on $name', (target) => {
  let db: Database;
  let files: MigrationFile[];

  beforeAll(async () => {
    db = await target.open();
    files = await listMigrationFiles();
  });
  afterAll(async () => {
    await db?.close();
  });

  it('records every migration with its statements, like the Supabase CLI', async () => {
    const expected = await Promise.all(
      files.map(async (file) => ({
        version: file.version,
        name: file.name,
        statements: await readMigrationStatements(file),
      })),
    );
    expect(await history(db)).toEqual(expected);
  });

  it('changes nothing when applied again, by the migrator or by running the files directly', async () => {
    const before = await schemaSnapshot(db);
    const recorded = await history(db);
    // The snapshot must actually see the schema, or comparing two of them proves nothing.
    expect(before.policies?.length).toBeGreaterThanOrEqual(12);
    expect(JSON.stringify(before.triggers)).toContain('on_auth_user_created');

    expect(await migrate(db)).toEqual([]);
    expect(await applyBootstrap(db)).toBe('applied');
    for (const file of files) await runScript(db, await readFile(file.path, 'utf8'));

    expect(await schemaSnapshot(db)).toEqual(before);
    expect(await history(db)).toEqual(recorded);
  });

  it('creates no object in the auth schema', async () => {
    const objects = await authSchemaObjects(db);
    expect(objects).toContain('relation users');
    expect(objects).toEqual(authObjectsAfterBootstrap);
  });

  it('reports pending migrations, applies them once, and flags drift', async () => {
    const dir = await migrationsDir({
      '30000101000000_extra.sql': 'create table if not exists public.extra_things (id int);',
    });
    const pending = await migrationStatus(db, dir);
    expect(pending.at(-1)).toEqual({
      version: '30000101000000',
      name: 'extra',
      state: 'pending',
      modified: false,
    });
    expect(
      pending.slice(0, -1).every((entry) => entry.state === 'applied' && !entry.modified),
    ).toBe(true);

    // Two at once: the advisory lock must let exactly one of them apply it.
    const runs = await Promise.all([migrate(db, { dir }), migrate(db, { dir })]);
    expect(runs.flat().map((file) => file.fileName)).toEqual(['30000101000000_extra.sql']);
    expect(await migrate(db, { dir })).toEqual([]);

    // The repository's directory lacks the extra file: it is applied but missing.
    const drift = await migrationStatus(db);
    expect(drift.at(-1)).toMatchObject({ version: '30000101000000', state: 'missing' });

    await writeFile(
      path.join(dir, '30000101000000_extra.sql'),
      'create table public.other (id int);',
    );
    const modified = await migrationStatus(db, dir);
    expect(modified.at(-1)).toEqual({
      version: '30000101000000',
      name: 'extra',
      state: 'applied',
      modified: true,
    });
  });

  it('rolls a failing migration back completely and records nothing', async () => {
    const dir = await migrationsDir({
      '30000201000000_broken.sql':
        'create table public.half_done (id int);\ninsert into public.half_done values (1);\nselect * from no_such_table;',
    });
    const failure = await migrate(db, { dir }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(MigrationError);
    expect(failure).toMatchObject({ statementIndex: 2, statement: 'select * from no_such_table' });
    expect((failure as Error).message).toMatch(
      /30000201000000_broken\.sql failed at statement 3: .*no_such_table/,
    );
    const { rows } = await db.query("select to_regclass('public.half_done') as t");
    expect(rows).toEqual([{ t: null }]);
    const versions = (await history(db)).map((row) => row.version);
    expect(versions).not.toContain('30000201000000');
  });
});
