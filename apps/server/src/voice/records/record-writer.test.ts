import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Database } from '../../db/database.js';
import { createTestUser, databaseTargets } from '../../db/testing/test-databases.js';
import { RecordWriter, type RecordWriterOptions } from './record-writer.js';
import type { MessageRecord, UsageEventRecord, VoiceRecord } from './records.js';
import { callRecords, countStored } from './testing/record-fixtures.js';

/**
 * Follows the timers the writer itself arms (by call site), so other libraries' timers (the
 * pg pool's idle timers, for one) cannot make the count wrong. Returns the live count.
 */
function trackWriterTimers(): { live: () => number; restore: () => void } {
  const live = new Set<unknown>();
  const realSet = globalThis.setTimeout;
  const realClear = globalThis.clearTimeout;
  const setSpy = vi.spyOn(globalThis, 'setTimeout').mockImplementation(((
    callback: (...args: unknown[]) => void,
    ms?: number,
    ...args: unknown[]
  ) => {
    const fromWriter = new Error().stack?.includes('record-writer.ts') === true;
    const handle = realSet(
      (...callArgs: unknown[]) => {
        live.delete(handle);
        callback(...callArgs);
      },
      ms,
      ...args,
    );
    if (fromWriter) live.add(handle);
    return handle;
  }) as typeof setTimeout);
  const clearSpy = vi.spyOn(globalThis, 'clearTimeout').mockImplementation((handle) => {
    live.delete(handle);
    realClear(handle);
  });
  return {
    live: () => live.size,
    restore: () => {
      setSpy.mockRestore();
      clearSpy.mockRestore();
    },
  };
}

describe.each(databaseTargets())('RecordWriter on $name', (target) => {
  let db: Database;
  let userId: string;
  let dataDir: string;
  const writers: RecordWriter[] = [];

  const open = (options: Partial<RecordWriterOptions> = {}) => {
    const writer = new RecordWriter({ db, dataDir, lingerMs: 5, ...options });
    writers.push(writer);
    return writer;
  };

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
    await Promise.all(writers.splice(0).map((writer) => writer.close(1_000)));
    await rm(dataDir, { recursive: true, force: true });
  });

  it('writes every record of a call after enqueue and flush', async () => {
    const writer = open();
    const call = callRecords(userId, 2);
    for (const record of call.all) expect(writer.enqueue(record)).toBe(true);

    expect(await writer.flush()).toBe('written');
    expect(await countStored(db, call.all)).toBe(call.all.length);
    expect(writer.stats).toMatchObject({
      queued: 0,
      spilled: 0,
      written: call.all.length,
      duplicates: 0,
      deadLettered: 0,
      lastError: null,
    });

    const { rows: messages } = await db.query<{ id: string; metadata: unknown; user_id: string }>(
      'select id, metadata, user_id from public.messages where conversation_id = $1 order by created_at',
      [call.conversation.id],
    );
    // Timestamps are taken at enqueue, strictly increasing: the transcript reads in turn order.
    expect(messages.map((row) => row.id)).toEqual(call.messages.map((message) => message.id));
    expect(messages[0]).toMatchObject({
      user_id: userId,
      metadata: { voice_call: true, confidence: 0.93, session_id: call.session.id },
    });

    const { rows: sessions } = await db.query<Record<string, unknown>>(
      'select * from public.voice_sessions where id = $1',
      [call.session.id],
    );
    expect(sessions[0]).toMatchObject({
      user_id: userId,
      conversation_id: call.conversation.id,
      duration_ms: 60_000,
      llm_input_tokens: 20,
      tts_characters: 100,
      end_reason: 'client_ended',
      metrics: { turns: 2 },
    });
    expect(Number(sessions[0]?.cost_usd)).toBeCloseTo(0.006, 8);
    expect(Number(sessions[0]?.stt_seconds)).toBeCloseTo(12.5, 3);

    const { rows: usage } = await db.query<{ feature: string; cost_usd: string }>(
      'select feature, cost_usd::text from public.usage_events where id = any($1::uuid[]) order by created_at',
      [call.usage.map((event) => event.id)],
    );
    expect(usage.map((row) => row.feature)).toEqual([
      'voice_stt',
      'voice_llm',
      'voice_tts',
      'voice_stt',
      'voice_llm',
      'voice_tts',
    ]);
    expect(usage[0]?.cost_usd).toBe('0.00012340');
  });

  it('is idempotent: the same records enqueued twice leave one row each', async () => {
    const writer = open({ batchSize: 3 });
    const call = callRecords(userId, 2);
    for (const record of call.all) writer.enqueue(record);
    for (const record of call.all) writer.enqueue(record);

    expect(await writer.flush()).toBe('written');
    expect(await countStored(db, call.all)).toBe(call.all.length);
    expect(writer.stats.written).toBe(call.all.length * 2);
    // Every second copy is skipped; the same ended session row is no newer, so it is too.
    expect(writer.stats.duplicates).toBe(call.all.length);
  });

  it('never moves an ended voice session back to in progress', async () => {
    const writer = open();
    const call = callRecords(userId);
    const started = { ...call.session, endedAt: null, durationMs: null, endReason: null };
    writer.enqueue(call.conversation);
    writer.enqueue(started);
    writer.enqueue(call.session);
    writer.enqueue(started); // a late replay of the "call started" version
    expect(await writer.flush()).toBe('written');

    const { rows } = await db.query<{ ended_at: Date | null; end_reason: string | null }>(
      'select ended_at, end_reason from public.voice_sessions where id = $1',
      [call.session.id],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]?.ended_at).not.toBeNull();
    expect(rows[0]?.end_reason).toBe('client_ended');
  });

  it('moves records the database refuses to the dead-letter file and writes the rest', async () => {
    const errors: string[] = [];
    const writer = open({ onError: (_error, context) => errors.push(context.phase) });
    const call = callRecords(userId);
    const negativeCost: UsageEventRecord = { ...call.sttEvent, id: randomUUID(), costUsd: -1 };
    const orphan: MessageRecord = {
      ...call.userMessage,
      id: randomUUID(),
      conversationId: randomUUID(),
    };
    const badRole = {
      ...call.userMessage,
      id: randomUUID(),
      role: 'robot',
    } as unknown as VoiceRecord;
    const records = [...call.all];
    records.splice(2, 0, negativeCost, orphan, badRole);
    for (const record of records) writer.enqueue(record);

    expect(await writer.flush()).toBe('written');
    expect(await countStored(db, call.all)).toBe(call.all.length);
    expect(await countStored(db, [negativeCost, orphan, badRole])).toBe(0);
    expect(writer.stats.deadLettered).toBe(3);
    expect(errors.filter((phase) => phase === 'rejected')).toHaveLength(3);

    const lines = (await readFile(writer.deadLetterPath, 'utf8')).trim().split('\n');
    const letters = lines.map(
      (line) => JSON.parse(line) as { record: { id: string }; error: { code: string } },
    );
    expect(letters.map((letter) => [letter.record.id, letter.error.code])).toEqual([
      [negativeCost.id, '23514'], // check constraint
      [orphan.id, '23503'], // foreign key: no such conversation
      [badRole.id, '23514'],
    ]);

    // The queue moves on: later records are written as usual.
    const next = callRecords(userId);
    for (const record of next.all) writer.enqueue(record);
    expect(await writer.flush()).toBe('written');
    expect(await countStored(db, next.all)).toBe(next.all.length);
  });

  it('dead-letters a record whose metadata cannot be serialised', async () => {
    const writer = open();
    const call = callRecords(userId);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const bad: MessageRecord = { ...call.userMessage, id: randomUUID(), metadata: { cyclic } };
    for (const record of [call.conversation, bad, ...call.all.slice(1)]) writer.enqueue(record);

    expect(await writer.flush()).toBe('written');
    expect(await countStored(db, call.all)).toBe(call.all.length);
    expect(writer.stats.deadLettered).toBe(1);
    const letter = JSON.parse(await readFile(writer.deadLetterPath, 'utf8')) as {
      record: { id: string };
    };
    expect(letter.record.id).toBe(bad.id);
  });

  it('refuses malformed records without throwing', async () => {
    const writer = open();
    expect(writer.enqueue(null as unknown as VoiceRecord)).toBe(false);
    expect(writer.enqueue({ kind: 'nope', id: 'x', userId } as unknown as VoiceRecord)).toBe(false);
    expect(writer.enqueue({ kind: 'message', userId } as unknown as VoiceRecord)).toBe(false);
    expect(await writer.flush()).toBe('written');
    await expect.poll(() => writer.stats.deadLettered).toBe(3);
  });

  it('close() flushes, stops the loop and leaves no timer behind', async () => {
    const timers = trackWriterTimers();
    try {
      const writer = open({ lingerMs: 10_000 }); // a batch would wait long without the close
      const call = callRecords(userId);
      for (const record of call.all) writer.enqueue(record);
      expect(writer.pending).toBe(true);
      await expect.poll(timers.live).toBeGreaterThan(0); // the batch is lingering

      expect(await writer.close()).toBe('written');
      expect(await countStored(db, call.all)).toBe(call.all.length);
      expect(writer.pending).toBe(false);
      expect(writer.stats.closed).toBe(true);
      expect(timers.live()).toBe(0);
      expect(existsSync(writer.spoolPath)).toBe(false);
    } finally {
      timers.restore();
    }
  });

  it('spools records enqueued after close; the next writer writes them', async () => {
    const first = open();
    await first.close();
    const call = callRecords(userId);
    for (const record of call.all) expect(first.enqueue(record)).toBe(true);
    expect(first.stats.spilled).toBe(call.all.length);
    expect(await countStored(db, call.all)).toBe(0);

    const second = open();
    expect(await second.flush()).toBe('written');
    expect(await countStored(db, call.all)).toBe(call.all.length);
    expect(existsSync(second.spoolPath)).toBe(false);
  });
});
