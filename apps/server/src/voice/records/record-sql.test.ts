/**
 * `writeRecords` on every database target: a batch goes in as one multi-row insert per kind
 * (the embedded database pays per statement), and stores exactly what writing the records one
 * by one would: every row and column, replays counted as not new, the touched conversations.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database, Queryable } from '../../db/database.js';
import { createTestUser, databaseTargets } from '../../db/testing/test-databases.js';
import { MAX_ROWS_PER_INSERT, writeRecords } from './record-sql.js';
import {
  MonotonicClock,
  normalizeRecord,
  type UsageEventRecord,
  type VoiceRecord,
} from './records.js';
import { callRecords, countStored } from './testing/record-fixtures.js';

/** Writes `records` in one transaction; what it returned and the statements it sent. */
async function writeCounting(db: Database, records: readonly VoiceRecord[]) {
  const statements: string[] = [];
  const inserted = await db.asService((tx) => {
    const counted: Queryable = {
      query: (sql, params) => {
        statements.push(sql.trim().split(/\s+/).slice(0, 3).join(' '));
        return tx.query(sql, params);
      },
    };
    return writeRecords(counted, records);
  });
  return { inserted, statements };
}

describe.each(databaseTargets())('writeRecords on $name', (target) => {
  let db: Database;
  let userId: string;
  const clock = new MonotonicClock();

  beforeAll(async () => {
    db = await target.open();
    userId = (await createTestUser(db)).id;
  });
  afterAll(async () => {
    await db.close();
  });

  it('writes a batch of three calls in one statement per kind, not one per record', async () => {
    const calls = [callRecords(userId, 2), callRecords(userId, 1), callRecords(userId, 3)];
    const records = calls.flatMap((call) => call.all).map((r) => normalizeRecord(r, clock));
    const { inserted, statements } = await writeCounting(db, records);
    expect(inserted).toBe(records.length);
    expect(await countStored(db, records)).toBe(records.length);
    // 3 conversations, 12 messages, 18 usage events, 3 sessions.
    expect(records).toHaveLength(36);
    expect(statements).toEqual([
      'insert into public.conversations',
      'insert into public.messages',
      'insert into public.usage_events',
      'insert into public.voice_sessions',
      'insert into public.voice_sessions',
      'insert into public.voice_sessions',
      'update public.conversations set',
    ]);
  });

  it('stores every column as given, and counts a replayed batch as nothing new', async () => {
    const call = callRecords(userId, 1);
    const records = call.all.map((r) => normalizeRecord(r, clock));
    await db.asService((tx) => writeRecords(tx, records));
    expect(await db.asService((tx) => writeRecords(tx, records))).toBe(0);
    const message = records.find((r) => r.kind === 'message');
    const event = records.find((r) => r.kind === 'usage_event') as UsageEventRecord;
    const { rows: messages } = await db.query<{ content: string; role: string; metadata: object }>(
      'select content, role, metadata from public.messages where id = $1',
      [message?.id],
    );
    expect(messages).toEqual([
      { content: 'question 0', role: 'user', metadata: call.userMessage.metadata },
    ]);
    const { rows: events } = await db.query<{ feature: string; cost: number; meta: object }>(
      `select feature, cost_usd::float8 as cost, meta from public.usage_events where id = $1`,
      [event.id],
    );
    expect(events).toEqual([{ feature: event.feature, cost: event.costUsd, meta: event.meta }]);
  });

  it('moves only the conversations that received a new message to the top of their list', async () => {
    const fresh = callRecords(userId, 1);
    const replayed = callRecords(userId, 1);
    await db.asService((tx) =>
      writeRecords(
        tx,
        replayed.all.map((r) => normalizeRecord(r, clock)),
      ),
    );
    await db.asService((tx) => writeRecords(tx, [normalizeRecord(fresh.conversation, clock)]));
    const ids = [fresh.conversation.id, replayed.conversation.id];
    const updatedAt = async () => {
      const { rows } = await db.query<{ id: string; at: string }>(
        `select id, updated_at::text as at from public.conversations where id = any($1::uuid[])`,
        [ids],
      );
      return Object.fromEntries(rows.map((row) => [row.id, row.at]));
    };
    const before = await updatedAt();
    // The replayed call's messages are all stored already; the fresh call's are new.
    const batch = [...fresh.messages, ...replayed.messages].map((r) => normalizeRecord(r, clock));
    await db.asService((tx) => writeRecords(tx, batch));
    const after = await updatedAt();
    expect(after[replayed.conversation.id]).toBe(before[replayed.conversation.id]);
    expect(after[fresh.conversation.id]).not.toBe(before[fresh.conversation.id]);
  });

  it(`splits more than ${MAX_ROWS_PER_INSERT} rows of a kind over several statements`, async () => {
    const { sttEvent } = callRecords(userId, 1);
    const events = Array.from({ length: MAX_ROWS_PER_INSERT + 1 }, (_, i) =>
      normalizeRecord({ ...sttEvent, id: crypto.randomUUID(), meta: { i } }, clock),
    );
    const { inserted, statements } = await writeCounting(db, events);
    expect(inserted).toBe(events.length);
    expect(statements).toEqual([
      'insert into public.usage_events',
      'insert into public.usage_events',
    ]);
    expect(await countStored(db, events)).toBe(events.length);
  });
});
