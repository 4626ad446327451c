/**
 * @module db/open-database
 * Chooses the backend from the config (PostgreSQL when DATABASE_URL is set, else PGlite under
 * the data directory), checks it answers within a couple of seconds, then brings the schema up
 * to date (bootstrap + pending migrations). A database that cannot be reached fails start-up
 * with `database_unavailable` and a message an operator can act on.
 *
 * @example
 * const db = await openDatabase(config, logger);
 */
import path from 'node:path';
import type { Config } from '../config.js';
import { AtlasError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { Database } from './database.js';
import { applyBootstrap, migrate } from './migrator.js';
import { PgliteWorkerDatabase } from './pglite-worker-database.js';
import { PostgresDatabase } from './postgres-database.js';
import { backoffDelay, isTransientDatabaseError } from './retry.js';

export interface ConnectOptions {
  /** Total time allowed for the first successful `select 1`. */
  deadlineMs?: number;
  migrationsDir?: string;
}

const DEFAULT_DEADLINE_MS = 2_000;

/** `host:port/database` of a connection URL; never its user name or password. */
export function describeDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    // A Unix socket path may come as ?host=/var/run/postgresql instead of in the authority.
    const host = parsed.hostname || parsed.searchParams.get('host') || 'localhost';
    return `${host}:${parsed.port || '5432'}${parsed.pathname.length > 1 ? parsed.pathname : ''}`;
  } catch {
    return '(unparseable URL)';
  }
}

function describeCause(error: unknown): string {
  if (typeof error !== 'object' || error === null) return String(error);
  const { code, message, errors } = error as {
    code?: unknown;
    message?: unknown;
    errors?: unknown;
  };
  // Dual-stack connects fail with an AggregateError whose own message is empty.
  if (Array.isArray(errors) && errors.length > 0 && !message)
    return errors.map(describeCause).join('; ');
  const text = typeof message === 'string' && message ? message : 'unknown error';
  return typeof code === 'string' && !text.includes(code) ? `${code}: ${text}` : text;
}

function withoutSecret(text: string, url: string): string {
  try {
    const password = decodeURIComponent(new URL(url).password);
    return password ? text.split(password).join('***') : text;
  } catch {
    return text;
  }
}

async function pingWithin(db: Database, deadlineMs: number): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (let attempt = 1; ; attempt++) {
    let timer: NodeJS.Timeout | undefined;
    const remaining = deadline - Date.now();
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${deadlineMs} ms`)), remaining);
    });
    try {
      await Promise.race([db.ping(), timeout]);
      return;
    } catch (error) {
      const delayMs = backoffDelay(attempt, 100, 500);
      if (!isTransientDatabaseError(error) || Date.now() + delayMs >= deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Opens the configured backend and checks it answers; does not touch the schema. */
export async function connectDatabase(
  config: Pick<Config, 'databaseUrl' | 'dataDir'>,
  options: ConnectOptions = {},
): Promise<Database> {
  const deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
  const url = config.databaseUrl;
  if (url === undefined) {
    const directory = path.join(config.dataDir, 'pglite');
    try {
      // In a worker thread: PGlite's synchronous SQL and file writes must not stall live calls.
      return await PgliteWorkerDatabase.open(directory);
    } catch (error) {
      throw new AtlasError(
        'database_unavailable',
        `Cannot open the embedded database in ${directory} (DATABASE_URL is unset): ${describeCause(error)}`,
        { cause: error },
      );
    }
  }
  const db = new PostgresDatabase({ connectionString: url });
  try {
    await pingWithin(db, deadlineMs);
    return db;
  } catch (error) {
    // Not awaited: a connect attempt still in flight would hold the error for its own timeout.
    db.close().catch(() => {});
    throw new AtlasError(
      'database_unavailable',
      withoutSecret(
        `Cannot connect to PostgreSQL at ${describeDatabaseUrl(url)} (from DATABASE_URL): ${describeCause(error)}`,
        url,
      ),
      { cause: error },
    );
  }
}

/** Connects, bootstraps (plain Postgres / PGlite only) and applies pending migrations. */
export async function openDatabase(
  config: Pick<Config, 'databaseUrl' | 'dataDir'>,
  logger: Logger,
  options: ConnectOptions = {},
): Promise<Database> {
  const db = await connectDatabase(config, options);
  const target =
    config.databaseUrl === undefined
      ? path.join(config.dataDir, 'pglite')
      : describeDatabaseUrl(config.databaseUrl);
  try {
    const bootstrap = await applyBootstrap(db);
    const applied = await migrate(
      db,
      options.migrationsDir === undefined ? {} : { dir: options.migrationsDir },
    );
    logger.info(
      {
        database: db.kind,
        target,
        bootstrap: bootstrap === 'skipped' ? 'skipped (Supabase project)' : 'applied',
        migrationsApplied: applied.map((file) => file.fileName),
      },
      applied.length > 0
        ? `database ready; applied ${applied.length} migration(s)`
        : 'database ready; schema up to date',
    );
    return db;
  } catch (error) {
    await db.close().catch(() => {});
    throw error;
  }
}
