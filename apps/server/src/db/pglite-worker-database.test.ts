import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgliteWorkerDatabase } from './pglite-worker-database.js';

let db: PgliteWorkerDatabase;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'atlas-pglite-worker-'));
  db = await PgliteWorkerDatabase.open(path.join(dir, 'pglite'));
  await db.exec(`
    create table items (id int primary key, name text not null, meta jsonb, at timestamptz);
    create role service_role;
    grant all on items to service_role;`);
}, 60_000);

afterAll(async () => {
  await db?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('PgliteWorkerDatabase', () => {
  it('runs statements in a worker: parameters and typed rows cross the thread boundary', async () => {
    const at = new Date('2026-11-22T03:00:00.000Z');
    const inserted = await db.query('insert into items values ($1, $2, $3, $4), ($5, $6, $7, $8)', [
      1,
      'one',
      JSON.stringify({ a: 1 }),
      at,
      2,
      'two',
      null,
      null,
    ]);
    expect(inserted.rowCount).toBe(2);
    const { rows } = await db.query<{ id: number; meta: unknown; at: Date }>(
      'select id, meta, at from items where id = any($1::int[]) order by id',
      [[1, 2]],
    );
    expect(rows).toEqual([
      { id: 1, meta: { a: 1 }, at },
      { id: 2, meta: null, at: null },
    ]);
  });

  it('keeps the SQLSTATE of a database error', async () => {
    await expect(db.query('insert into items values (1, $1)', ['dup'])).rejects.toMatchObject({
      code: '23505',
      constraint: 'items_pkey',
    });
  });

  it('refuses a parameter that cannot cross to the worker, and goes on working', async () => {
    await expect(db.query('select $1', [() => 1])).rejects.toThrow(
      'query parameters cannot be sent to the database',
    );
    expect((await db.query<{ one: number }>('select 1 as one')).rows).toEqual([{ one: 1 }]);
  });

  it('commits a transaction, and rolls it back when the callback throws', async () => {
    await db.transaction(async (tx) => {
      await tx.query('insert into items (id, name) values (10, $1)', ['ten']);
    });
    await expect(
      db.transaction(async (tx) => {
        await tx.query('insert into items (id, name) values (11, $1)', ['eleven']);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    const { rows } = await db.query<{ id: number }>('select id from items where id >= 10');
    expect(rows).toEqual([{ id: 10 }]);
  });

  it('never interleaves a statement into another caller’s transaction', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const inTransaction = db.transaction(async (tx) => {
      await tx.query('insert into items (id, name) values (20, $1)', ['twenty']);
      await gate;
      throw new Error('roll back');
    });
    // Issued while the transaction is open: it must wait, not run inside it (and be rolled back).
    const outside = db.query('insert into items (id, name) values (21, $1)', ['twenty-one']);
    await new Promise((resolve) => setTimeout(resolve, 20));
    release();
    await expect(inTransaction).rejects.toThrow('roll back');
    await outside;
    const { rows } = await db.query<{ id: number }>(
      'select id from items where id in (20, 21) order by id',
    );
    expect(rows).toEqual([{ id: 21 }]);
  });

  it('runs scoped transactions under the role given', async () => {
    const role = await db.asService((tx) =>
      tx.query<{ role: string }>('select current_user as role'),
    );
    expect(role.rows[0]?.role).toBe('service_role');
  });

  it("reports the worker's own heap and PGlite's memory, even while a transaction is open", async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const inTransaction = db.transaction(async (tx) => {
      await tx.query('select 1');
      await gate;
    });
    const memory = await db.memory();
    release();
    await inTransaction;
    expect(memory.heapUsedBytes).toBeGreaterThan(0);
    expect(memory.heapTotalBytes).toBeGreaterThanOrEqual(memory.heapUsedBytes);
    // PGlite's WebAssembly memory holds the whole database engine: tens of MB at least.
    expect(memory.wasmBytes).toBeGreaterThan(16 * 2 ** 20);
  });

  it('after close, refuses work with a clear error', async () => {
    const other = await PgliteWorkerDatabase.open();
    await other.close();
    await expect(other.query('select 1')).rejects.toThrow('the database is closed');
  });
});
