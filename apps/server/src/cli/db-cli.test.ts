import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/database.js';
import { listMigrationFiles } from '../db/migrator.js';
import { databaseTargets } from '../db/testing/test-databases.js';
import { migrationVersion, runDbCli, toMigrationName } from './db-cli.js';
import { captureIo, keepOpen } from './testing/cli-helpers.js';

const NOW = new Date('2027-01-02T03:04:05.678Z');
const tempDirs: string[] = [];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'atlas-db-cli-'));
  tempDirs.push(dir);
  return dir;
}

afterEach(async () => {
  await Promise.all(tempDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

const noDatabase = () => Promise.reject(new Error('this command must not open the database'));

describe('db cli: names and versions', () => {
  it('turns a human name into snake case and refuses anything else', () => {
    expect(toMigrationName('Add user-settings')).toBe('add_user_settings');
    expect(toMigrationName('  usage__rollup ')).toBe('usage_rollup');
    for (const bad of ['', '../escape', 'drop;table', '-leading', 'ü', 'x'.repeat(101)]) {
      expect(() => toMigrationName(bad), bad).toThrow(/invalid migration name/);
    }
  });

  it('formats the version as the UTC time, YYYYMMDDHHMMSS', () => {
    expect(migrationVersion(NOW)).toBe('20270102030405');
  });
});

describe('db cli: files', () => {
  it('`new` creates a correctly named migration with a header', async () => {
    const dir = await tempDir();
    const io = captureIo();
    const code = await runDbCli(['new', 'Add user settings'], {
      io,
      migrationsDir: dir,
      now: () => NOW,
      connect: noDatabase,
    });
    expect(code).toBe(0);
    expect(await readdir(dir)).toEqual(['20270102030405_add_user_settings.sql']);
    const text = await readFile(path.join(dir, '20270102030405_add_user_settings.sql'), 'utf8');
    expect(text).toMatch(/^-- add_user_settings\n/);
    expect(io.stdout.join('\n')).toContain('20270102030405_add_user_settings.sql');
    // The new file is a valid (empty) migration for the migrator.
    expect((await listMigrationFiles(dir)).map((file) => file.name)).toEqual(['add_user_settings']);
  });

  it('`new` refuses a bad name, a missing name, and a version already taken', async () => {
    const dir = await tempDir();
    const deps = { migrationsDir: dir, now: () => NOW, connect: noDatabase };

    const bad = captureIo();
    expect(await runDbCli(['new', 'oops/../../x'], { io: bad, ...deps })).toBe(1);
    expect(bad.stderr.join('\n')).toMatch(/invalid migration name/);
    expect(bad.stderr.join('\n')).toContain('Usage: npm run db');

    const missing = captureIo();
    expect(await runDbCli(['new'], { io: missing, ...deps })).toBe(1);
    expect(missing.stderr.join('\n')).toMatch(/new takes 1 argument/);
    expect(await readdir(dir)).toEqual([]);

    expect(await runDbCli(['new', 'first'], { io: captureIo(), ...deps })).toBe(0);
    const clash = captureIo();
    expect(await runDbCli(['new', 'second'], { io: clash, ...deps })).toBe(1);
    expect(clash.stderr.join('\n')).toMatch(/already uses version 20270102030405/);
    expect(await readdir(dir)).toEqual(['20270102030405_first.sql']);
  });

  it('`list` prints version and name of each file in order', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, '20270101000000_b_second.sql'), '');
    await writeFile(path.join(dir, '20260101000000_a_first.sql'), '');
    const io = captureIo();
    expect(await runDbCli(['list'], { io, migrationsDir: dir, connect: noDatabase })).toBe(0);
    expect(io.stdout).toEqual(['20260101000000  a_first', '20270101000000  b_second']);
  });

  it('prints help, and rejects unknown commands and stray arguments with the usage', async () => {
    const help = captureIo();
    expect(await runDbCli(['--help'], { io: help, connect: noDatabase })).toBe(0);
    expect(help.stdout.join('\n')).toContain('migrate');

    for (const argv of [[], ['frobnicate'], ['list', 'extra']]) {
      const io = captureIo();
      expect(await runDbCli(argv, { io, connect: noDatabase }), argv.join(' ')).toBe(1);
      expect(io.stderr[0]).toMatch(
        /^error: (no command given|unknown command "frobnicate"|list takes no arguments)$/,
      );
      expect(io.stderr.join('\n')).toContain('Usage: npm run db');
    }
  });

  it('reports a failure to connect as one line, without a stack trace', async () => {
    const io = captureIo();
    const connect = () => Promise.reject(new Error('Cannot connect to PostgreSQL at db:5432'));
    expect(await runDbCli(['status'], { io, connect })).toBe(1);
    expect(io.stderr).toEqual(['error: Cannot connect to PostgreSQL at db:5432']);
  });
});

describe.each(databaseTargets())('db cli against $name', (target) => {
  let db: Database;
  beforeAll(async () => {
    db = await target.open();
  });
  afterAll(async () => {
    await db?.close();
  });

  it('`status` shows pending, `migrate` applies it, `status` then shows it applied', async () => {
    const dir = await tempDir();
    for (const file of await listMigrationFiles())
      await copyFile(file.path, path.join(dir, file.fileName));
    await writeFile(
      path.join(dir, '30000101000000_cli_extra.sql'),
      'create table if not exists public.cli_extra (id int);',
    );
    const deps = { migrationsDir: dir, connect: async () => keepOpen(db) };

    const before = captureIo();
    expect(await runDbCli(['status'], { io: before, ...deps })).toBe(0);
    expect(before.stdout).toContain('pending  30000101000000  cli_extra');

    const run = captureIo();
    expect(await runDbCli(['migrate'], { io: run, ...deps })).toBe(0);
    expect(run.stdout).toContain('Applied 30000101000000_cli_extra.sql');
    const { rows } = await db.query("select to_regclass('public.cli_extra')::text as t");
    expect(rows).toEqual([{ t: 'cli_extra' }]);

    const after = captureIo();
    expect(await runDbCli(['status'], { io: after, ...deps })).toBe(0);
    expect(after.stdout).toContain('applied  30000101000000  cli_extra');

    // Against the repository's directory the extra migration is drift: reported, exit code 1.
    const drift = captureIo();
    expect(await runDbCli(['status'], { io: drift, connect: deps.connect })).toBe(1);
    expect(drift.stdout).toContain('missing  30000101000000  cli_extra');
    expect(drift.stderr.join('\n')).toMatch(/1 applied migration\(s\) have no file/);
  });
});
