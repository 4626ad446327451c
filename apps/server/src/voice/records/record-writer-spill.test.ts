import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../db/database.js';
import { createTestUser, databaseTargets } from '../../db/testing/test-databases.js';
import { RecordWriter } from './record-writer.js';
import type { MessageRecord, VoiceRecord } from './records.js';
import { FlakyDatabase } from './testing/flaky-database.js';
import { callRecords, countStored } from './testing/record-fixtures.js';

const fastRetry = { lingerMs: 5, retryBaseDelayMs: 5, retryMaxDelayMs: 50 };

const spoolLines = async (file: string) =>
  (await readFile(file, 'utf8')).split('\n').filter((line) => line !== '');

describe.each(databaseTargets())('RecordWriter spill and replay on $name', (target) => {
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

  it('spills past the memory limit; a restarted writer replays the spool once, in order', async () => {
    const flaky = new FlakyDatabase(db);
    flaky.down = true;
    const first = new RecordWriter({ db: flaky, dataDir, maxQueuedRecords: 5, ...fastRetry });
    const call = callRecords(userId, 6); // 1 conversation + 30 turn records + 1 session

    for (const record of call.all) first.enqueue(record);
    // Memory stays bounded while the database is away.
    await expect.poll(() => first.stats.spilled).toBeGreaterThanOrEqual(call.all.length - 5);
    expect(first.stats.queued).toBeLessThanOrEqual(5);
    expect(first.stats.spilledTotal).toBeGreaterThan(0);
    expect(existsSync(first.spoolPath)).toBe(true);

    // Shutdown with the database still away: the rest joins the spool ("crash" after this).
    expect(await first.close(100)).toBe('spilled');
    const lines = await spoolLines(first.spoolPath);
    expect(lines).toHaveLength(call.all.length);
    // The spool keeps enqueue order: the conversation comes before its messages.
    expect(lines.map((line) => (JSON.parse(line) as VoiceRecord).id)).toEqual(
      call.all.map((record) => record.id),
    );
    expect(await countStored(db, call.all)).toBe(0);

    // Restart with the database back. A new message of the same conversation, enqueued at
    // once, must still land after the spooled conversation row it refers to.
    flaky.down = false;
    const second = new RecordWriter({ db: flaky, dataDir, ...fastRetry });
    const later: MessageRecord = { ...call.userMessage, id: randomUUID(), content: 'later' };
    second.enqueue(later);
    expect(await second.flush()).toBe('written');

    expect(await countStored(db, [...call.all, later])).toBe(call.all.length + 1);
    expect(existsSync(second.spoolPath)).toBe(false);
    expect(second.stats).toMatchObject({ spilled: 0, deadLettered: 0, duplicates: 0 });
    await second.close();

    // A third start finds nothing to replay.
    const third = new RecordWriter({ db, dataDir, ...fastRetry });
    expect(await third.flush()).toBe('written');
    expect(third.stats.written).toBe(0);
    await third.close();
  });

  it('dead-letters a torn spool line from a crash and replays the rest', async () => {
    const flaky = new FlakyDatabase(db);
    flaky.down = true;
    const first = new RecordWriter({ db: flaky, dataDir, ...fastRetry });
    const call = callRecords(userId);
    for (const record of call.all) first.enqueue(record);
    expect(await first.close(50)).toBe('spilled');
    await appendFile(first.spoolPath, '{"kind":"message","id":"torn'); // crash mid-append

    const second = new RecordWriter({ db, dataDir, ...fastRetry });
    expect(await second.flush()).toBe('written');
    expect(await countStored(db, call.all)).toBe(call.all.length);
    expect(second.stats.deadLettered).toBe(1);
    const [letter] = await spoolLines(second.deadLetterPath);
    expect(JSON.parse(letter ?? '{}')).toMatchObject({ raw: '{"kind":"message","id":"torn' });
    expect(existsSync(second.spoolPath)).toBe(false);
    await second.close();
  });

  it('spills on a byte budget too', async () => {
    const flaky = new FlakyDatabase(db);
    flaky.down = true;
    const writer = new RecordWriter({
      db: flaky,
      dataDir,
      maxQueuedBytes: 64 * 1024,
      ...fastRetry,
    });
    const call = callRecords(userId, 4);
    for (const message of call.messages) message.content = 'x'.repeat(20_000);
    for (const record of call.all) writer.enqueue(record);

    await expect.poll(() => writer.stats.spilledTotal).toBeGreaterThan(0);
    expect(writer.stats.queuedBytes).toBeLessThanOrEqual(64 * 1024);

    flaky.down = false;
    expect(await writer.flush()).toBe('written');
    expect(await countStored(db, call.all)).toBe(call.all.length);
    await writer.close();
  });
});
