import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { AtlasError } from '../errors.js';
import { createLogger } from '../observability/logger.js';
import { describeDatabaseUrl, openDatabase } from './open-database.js';

function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    level: 'info',
    destination: { write: (line: string) => void lines.push(JSON.parse(line)) },
  });
  return { logger, lines };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('describeDatabaseUrl', () => {
  it('names host, port and database but never the credentials', () => {
    expect(describeDatabaseUrl('postgres://ada:hunter2@db.internal:6543/atlas')).toBe(
      'db.internal:6543/atlas',
    );
    expect(describeDatabaseUrl('postgresql://ada@localhost/atlas')).toBe('localhost:5432/atlas');
    expect(describeDatabaseUrl('postgres:///atlas?host=/var/run/postgresql')).toBe(
      '/var/run/postgresql:5432/atlas',
    );
  });
});

describe('openDatabase', () => {
  it.each(['postgres://nobody@127.0.0.1:1/x', 'postgres://nobody:hunter2-secret@127.0.0.1:1/x'])(
    'rejects %s as database_unavailable, naming DATABASE_URL and the address',
    async (url) => {
      const { logger } = capturingLogger();
      const failure = await openDatabase({ databaseUrl: url, dataDir: tmpdir() }, logger).catch(
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(AtlasError);
      const error = failure as AtlasError;
      expect(error.code).toBe('database_unavailable');
      expect(error.message).toContain('DATABASE_URL');
      expect(error.message).toContain('127.0.0.1:1');
      expect(error.message).toContain('ECONNREFUSED');
      expect(error.message).not.toContain('hunter2');
      expect(error.message).not.toContain('nobody');
    },
  );

  it('opens PGlite under the data directory, migrates it once, and keeps it across restarts', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'atlas-open-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const first = capturingLogger();
    const db = await openDatabase({ databaseUrl: undefined, dataDir }, first.logger);
    try {
      expect(db.kind).toBe('pglite');
      await db.query("insert into auth.users (email) values ('kept@example.test')");
    } finally {
      await db.close();
    }
    expect(first.lines.at(-1)).toMatchObject({
      database: 'pglite',
      target: path.join(dataDir, 'pglite'),
      migrationsApplied: [expect.stringMatching(/_initial_schema\.sql$/)],
    });

    const second = capturingLogger();
    const reopened = await openDatabase({ databaseUrl: undefined, dataDir }, second.logger);
    try {
      const { rows } = await reopened.query(
        "select p.tier from public.profiles p join auth.users u on u.id = p.id where u.email = 'kept@example.test'",
      );
      expect(rows).toEqual([{ tier: 'free' }]);
    } finally {
      await reopened.close();
    }
    expect(second.lines.at(-1)).toMatchObject({ migrationsApplied: [] });
  });

  it.skipIf(!process.env.TEST_DATABASE_URL)(
    'bootstraps and migrates an empty PostgreSQL database',
    async () => {
      const adminUrl = process.env.TEST_DATABASE_URL ?? '';
      const name = `atlas_test_open_${Math.random().toString(16).slice(2, 10)}`;
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      await admin.query(`create database ${name}`);
      cleanups.push(async () => {
        await admin.query(`drop database if exists ${name} with (force)`);
        await admin.end();
      });
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      const { logger, lines } = capturingLogger();
      const db = await openDatabase({ databaseUrl: url.toString(), dataDir: tmpdir() }, logger);
      try {
        expect(db.kind).toBe('postgres');
        const { rows } = await db.query<{ n: number }>(
          'select count(*)::int as n from supabase_migrations.schema_migrations',
        );
        expect(rows[0]?.n).toBeGreaterThanOrEqual(1);
      } finally {
        await db.close();
      }
      expect(lines.at(-1)).toMatchObject({ database: 'postgres', bootstrap: 'applied' });
    },
  );
});
