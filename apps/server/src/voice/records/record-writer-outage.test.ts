import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../db/database.js';
import { PostgresDatabase } from '../../db/postgres-database.js';
import {
  createTestUser,
  databaseTargets,
  postgresTarget,
} from '../../db/testing/test-databases.js';
import { RecordWriter } from './record-writer.js';
import { FlakyDatabase } from './testing/flaky-database.js';
import { callRecords, countStored } from './testing/record-fixtures.js';
import { TcpProxy } from './testing/tcp-proxy.js';

const fastRetry = { lingerMs: 5, retryBaseDelayMs: 5, retryMaxDelayMs: 50 };

describe.each(databaseTargets())('RecordWriter while the database is down, on $name', (target) => {
  let db: Database;
  let userId: string;
  let dataDir: string;

  beforeAll(async () => {
    db = await target.open();
    userId = (await createTestUser(db)).id;
  });
  afterAll(async () => {
    await db.close();
  });
  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'atlas-records-'));
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps records while the database refuses connections and writes them when it is back', async () => {
    const flaky = new FlakyDatabase(db);
    const errors: unknown[] = [];
    const writer = new RecordWriter({
      db: flaky,
      dataDir,
      ...fastRetry,
      onError: (error) => errors.push(error),
    });
    try {
      flaky.down = true;
      const call = callRecords(userId, 3);
      for (const record of call.all) expect(() => writer.enqueue(record)).not.toThrow();

      await expect.poll(() => writer.stats.consecutiveFailures).toBeGreaterThanOrEqual(3);
      expect(await countStored(db, call.all)).toBe(0);
      expect(writer.stats).toMatchObject({ queued: call.all.length, written: 0, deadLettered: 0 });
      expect(writer.stats.lastError).toMatchObject({ code: 'ECONNREFUSED' });
      expect(errors.length).toBeGreaterThanOrEqual(3);

      flaky.down = false;
      expect(await writer.flush()).toBe('written');
      expect(await countStored(db, call.all)).toBe(call.all.length);
      expect(writer.stats).toMatchObject({ queued: 0, consecutiveFailures: 0, deadLettered: 0 });
    } finally {
      await writer.close(1_000);
    }
  });

  it('flush gives up at its timeout by moving the records to the spool, never dropping them', async () => {
    const flaky = new FlakyDatabase(db);
    flaky.down = true;
    const writer = new RecordWriter({ db: flaky, dataDir, ...fastRetry });
    const call = callRecords(userId);
    for (const record of call.all) writer.enqueue(record);

    expect(await writer.flush(100)).toBe('spilled');
    expect(writer.stats).toMatchObject({ queued: 0, spilled: call.all.length });

    flaky.down = false;
    expect(await writer.flush()).toBe('written');
    expect(await countStored(db, call.all)).toBe(call.all.length);
    expect(writer.stats.spilled).toBe(0);
    await writer.close();
  });

  it('rolls back a batch that dies halfway and writes it whole, once', async () => {
    const flaky = new FlakyDatabase(db);
    const writer = new RecordWriter({ db: flaky, dataDir, ...fastRetry });
    const call = callRecords(userId, 2);
    flaky.failNextTransactionAfter(3);
    for (const record of call.all) writer.enqueue(record);

    expect(await writer.flush()).toBe('written');
    expect(await countStored(db, call.all)).toBe(call.all.length);
    // Nothing of the failed attempt survived its rollback: the retry found no row already there.
    expect(writer.stats).toMatchObject({ deadLettered: 0, duplicates: 0 });
    await writer.close();
  });

  it('replays in order a batch that a spill took while it was being written', async () => {
    const flaky = new FlakyDatabase(db);
    const writer = new RecordWriter({
      db: flaky,
      dataDir,
      ...fastRetry,
      batchSize: 4,
      maxQueuedRecords: 6,
    });
    const call = callRecords(userId, 3);
    const release = flaky.hold();
    for (const record of call.all.slice(0, 4)) writer.enqueue(record); // a full batch: goes now
    await expect.poll(() => flaky.waiting).toBe(1); // the batch's transaction is at the door
    for (const record of call.all.slice(4)) writer.enqueue(record); // over the limit: spill

    await expect.poll(() => writer.stats.spilled).toBe(call.all.length);
    expect(writer.stats.queued).toBe(0);
    release(); // the held batch commits; its records are in the spool as well

    expect(await writer.flush()).toBe('written');
    expect(await countStored(db, call.all)).toBe(call.all.length);
    expect(writer.stats).toMatchObject({ deadLettered: 0, spilled: 0 });
    expect(writer.stats.duplicates).toBeGreaterThanOrEqual(3);
    await writer.close();
  });
});

const adminUrl = process.env.TEST_DATABASE_URL;

describe.runIf(adminUrl)(
  'RecordWriter across a real connection cut (PostgreSQL via a proxy)',
  () => {
    let direct: Database;
    let proxied: PostgresDatabase;
    let proxy: TcpProxy;
    let userId: string;
    let dataDir: string;

    beforeAll(async () => {
      const url = new URL(adminUrl ?? '');
      direct = await postgresTarget(url.toString()).open();
      userId = (await createTestUser(direct)).id;
      const { rows } = await direct.query<{ name: string }>('select current_database() as name');
      proxy = await TcpProxy.start({ host: url.hostname, port: Number(url.port || 5432) });
      const viaProxy = new URL(url);
      viaProxy.hostname = '127.0.0.1';
      viaProxy.port = String(proxy.port);
      viaProxy.pathname = `/${rows[0]?.name}`;
      proxied = new PostgresDatabase({
        connectionString: viaProxy.toString(),
        maxConnections: 2,
        retry: { attempts: 2, baseDelayMs: 5, maxDelayMs: 20 },
      });
      dataDir = await mkdtemp(path.join(tmpdir(), 'atlas-records-'));
    });
    afterAll(async () => {
      await proxied?.close();
      await proxy?.close();
      await direct?.close();
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    });

    it('writes the records made while the connection was cut once it is restored', async () => {
      const writer = new RecordWriter({ db: proxied, dataDir, ...fastRetry });
      try {
        // Up: the pool holds live connections through the proxy.
        const before = callRecords(userId);
        for (const record of before.all) writer.enqueue(record);
        expect(await writer.flush()).toBe('written');
        expect(await countStored(direct, before.all)).toBe(before.all.length);
        expect(proxy.connections).toBeGreaterThan(0);

        // Cut: live sockets die, new connections are refused.
        await proxy.cut();
        const during = callRecords(userId, 2);
        for (const record of during.all) writer.enqueue(record);
        await expect.poll(() => writer.stats.consecutiveFailures).toBeGreaterThanOrEqual(2);
        expect(await countStored(direct, during.all)).toBe(0);

        await proxy.restore();
        expect(await writer.flush(10_000)).toBe('written');
        expect(await countStored(direct, during.all)).toBe(during.all.length);
        expect(writer.stats.deadLettered).toBe(0);
      } finally {
        await writer.close(1_000);
      }
    });
  },
);
