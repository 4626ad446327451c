/**
 * @module cli/db-cli
 * `npm run db -- <command>`: create, list, inspect and apply migrations against the configured
 * database (DATABASE_URL, else the embedded PGlite under ATLAS_DATA_DIR).
 *
 * @example
 * process.exitCode = await runDbCli(['migrate'], { io: processIo });
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig } from '../config.js';
import {
  applyBootstrap,
  listMigrationFiles,
  MIGRATIONS_DIR,
  migrate,
  migrationStatus,
} from '../db/migrator.js';
import { connectDatabase } from '../db/open-database.js';
import { type CliIo, type Connect, runCommand, UsageError, withDatabase } from './cli-io.js';

export const DB_USAGE = `Usage: npm run db -- <command>

Commands:
  new <name>   Create supabase/migrations/<UTC timestamp>_<name>.sql
  list         List the migration files
  status       Show which migrations are applied, pending, or recorded but missing (drift)
  migrate      Bootstrap (plain Postgres / PGlite only) and apply pending migrations
  --help       Show this help

The database is DATABASE_URL when set, else the embedded PGlite in ATLAS_DATA_DIR (./data).`;

export interface DbCliDeps {
  io: CliIo;
  /** Defaults to the repository's supabase/migrations. */
  migrationsDir?: string;
  now?: () => Date;
  /** Opens the database without migrating it; defaults to the one the environment configures. */
  connect?: Connect;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9 _-]*$/;

/** `Add user-settings` → `add_user_settings`; throws a UsageError for anything else. */
export function toMigrationName(input: string): string {
  const trimmed = input.trim();
  if (!NAME.test(trimmed) || trimmed.length > 100) {
    throw new UsageError(
      `invalid migration name ${JSON.stringify(input)}: use letters, digits, spaces, "-" or "_", up to 100 characters (e.g. add_user_settings)`,
    );
  }
  return trimmed.toLowerCase().replace(/[\s_-]+/g, '_');
}

/** The Supabase CLI's version format: the UTC time as YYYYMMDDHHMMSS. */
export function migrationVersion(date: Date): string {
  return date.toISOString().replace(/\D/g, '').slice(0, 14);
}

async function createMigration(input: string, dir: string, now: Date, io: CliIo): Promise<void> {
  const name = toMigrationName(input);
  const version = migrationVersion(now);
  const clash = (await listMigrationFiles(dir)).find((file) => file.version === version);
  if (clash)
    throw new Error(`${clash.fileName} already uses version ${version}; wait a second and retry`);
  const file = path.join(dir, `${version}_${name}.sql`);
  const header = [
    `-- ${name}`,
    `-- Created ${now.toISOString()}. Applied in version order by \`npm run db -- migrate\` and at start-up.`,
    '-- Keep it idempotent (if not exists / or replace / drop ... if exists) and out of the auth',
    '-- schema: it also runs on a hosted Supabase project.',
    '',
    '',
  ].join('\n');
  await writeFile(file, header, { flag: 'wx' });
  io.out(`Created ${path.relative(process.cwd(), file) || file}`);
}

async function listCommand(dir: string, io: CliIo): Promise<void> {
  const files = await listMigrationFiles(dir);
  if (files.length === 0) io.out(`No migrations in ${dir}`);
  for (const file of files) io.out(`${file.version}  ${file.name}`);
}

async function statusCommand(dir: string, connect: Connect, io: CliIo): Promise<void> {
  const entries = await withDatabase(connect, (db) => migrationStatus(db, dir));
  if (entries.length === 0) io.out('No migrations.');
  for (const entry of entries) {
    const note = entry.modified ? ' (file changed since it was applied)' : '';
    io.out(`${entry.state.padEnd(8)} ${entry.version}  ${entry.name}${note}`);
  }
  const missing = entries.filter((entry) => entry.state === 'missing');
  if (missing.length > 0) {
    throw new Error(
      `${missing.length} applied migration(s) have no file in ${dir}: ${missing.map((e) => e.version).join(', ')}`,
    );
  }
}

async function migrateCommand(dir: string, connect: Connect, io: CliIo): Promise<void> {
  await withDatabase(connect, async (db) => {
    const bootstrap = await applyBootstrap(db);
    io.out(
      bootstrap === 'applied' ? 'Bootstrap applied.' : 'Bootstrap skipped (Supabase project).',
    );
    const applied = await migrate(db, { dir });
    for (const file of applied) io.out(`Applied ${file.fileName}`);
    io.out(applied.length === 0 ? 'Schema up to date.' : `Applied ${applied.length} migration(s).`);
  });
}

const defaultConnect: Connect = () => connectDatabase(loadConfig());

export async function runDbCli(argv: readonly string[], deps: DbCliDeps): Promise<number> {
  const { io } = deps;
  const dir = deps.migrationsDir ?? MIGRATIONS_DIR;
  const connect = deps.connect ?? defaultConnect;
  const [command, ...rest] = argv;
  if (command === '--help' || command === '-h' || command === 'help') {
    io.out(DB_USAGE);
    return 0;
  }
  return runCommand(io, DB_USAGE, async () => {
    const expectArgs = (count: number) => {
      if (rest.length !== count) {
        throw new UsageError(
          `${command} takes ${count === 0 ? 'no arguments' : `${count} argument(s)`}`,
        );
      }
    };
    switch (command) {
      case 'new':
        expectArgs(1);
        return createMigration(rest[0] ?? '', dir, (deps.now ?? (() => new Date()))(), io);
      case 'list':
        expectArgs(0);
        return listCommand(dir, io);
      case 'status':
        expectArgs(0);
        return statusCommand(dir, connect, io);
      case 'migrate':
        expectArgs(0);
        return migrateCommand(dir, connect, io);
      case undefined:
        throw new UsageError('no command given');
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    }
  });
}
