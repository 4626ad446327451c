import { describe, expect, it } from 'vitest';
import { PostgresDatabase } from './postgres-database.js';
import { postgresTarget, testDatabaseUrl } from './testing/test-databases.js';

const adminUrl = process.env.TEST_DATABASE_URL;

// Needs a real server that can terminate a backend; PGlite has no connections to lose.
describe.skipIf(!adminUrl)(
  'PostgresDatabase on a real server (runs when TEST_DATABASE_URL is set)',
  () => {
    it('survives its connection being killed mid-transaction, and retries the transaction', async () => {
      const throwaway = await postgresTarget(adminUrl as string).open();
      const url = testDatabaseUrl(throwaway);
      if (url === undefined) throw new Error('the throwaway database has no URL');
      const db = new PostgresDatabase({
        connectionString: url,
        retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 50 },
      });
      try {
        let attempts = 0;
        const result = await db.transaction(async (tx) => {
          attempts++;
          if (attempts === 1) await tx.query('select pg_terminate_backend(pg_backend_pid())');
          const { rows } = await tx.query<{ ok: number }>('select 1 as ok');
          return rows[0]?.ok;
        });
        expect(result).toBe(1);
        expect(attempts).toBe(2);
        await db.ping(); // the pool replaced the dead connection
      } finally {
        await db.close();
        await throwaway.close();
      }
    });
  },
);
