/**
 * The `voice_sessions` upsert on every database target: versions of one session's row arrive
 * out of order (a resumed session on another instance, a spool replayed later), and the stored
 * row must only ever move forward.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../db/database.js';
import { createTestUser, databaseTargets } from '../../db/testing/test-databases.js';
import { writeRecord } from './record-sql.js';
import { MonotonicClock, normalizeRecord, type VoiceSessionRecord } from './records.js';
import { callRecords } from './testing/record-fixtures.js';

interface StoredSession {
  end_reason: string | null;
  ended_at: Date | null;
  cost_usd: number;
  stt_seconds: number;
  llm_output_tokens: number;
}

describe.each(databaseTargets())('voice session upsert on $name', (target) => {
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

  /** A call whose conversation is stored, and versions of its session row to write. */
  async function call() {
    const records = callRecords(userId);
    await db.asService((tx) => writeRecord(tx, normalizeRecord(records.conversation, clock)));
    const base = records.session;
    const startedAt = new Date(Date.now() - 60_000);
    const version = (fields: Partial<VoiceSessionRecord>): VoiceSessionRecord => ({
      ...base,
      startedAt,
      ...fields,
    });
    const write = (record: VoiceSessionRecord) =>
      db.asService((tx) => writeRecord(tx, normalizeRecord(record, clock)));
    const stored = async () => {
      const { rows } = await db.query<StoredSession>(
        `select end_reason, ended_at, cost_usd::float8 as cost_usd,
                stt_seconds::float8 as stt_seconds, llm_output_tokens
           from public.voice_sessions where id = $1`,
        [base.id],
      );
      expect(rows).toHaveLength(1);
      return rows[0] as StoredSession;
    };
    return { version, write, stored, startedAt };
  }

  it('keeps the final row when an older ended version (a replayed spool) arrives after it', async () => {
    const { version, write, stored, startedAt } = await call();
    const shutdownRow = version({
      endedAt: new Date(startedAt.getTime() + 10_000),
      endReason: 'server_shutdown',
      costUsd: 0.002,
      sttSeconds: 3,
      llmOutputTokens: 20,
    });
    const finalRow = version({
      endedAt: new Date(startedAt.getTime() + 30_000),
      endReason: 'client_ended',
      costUsd: 0.006,
      sttSeconds: 9,
      llmOutputTokens: 60,
    });
    expect(await write(finalRow)).toBe(true);
    expect(await write(shutdownRow)).toBe(false);
    expect(await stored()).toMatchObject({
      end_reason: 'client_ended',
      cost_usd: 0.006,
      stt_seconds: 9,
      llm_output_tokens: 60,
    });
    // The same final row again is a duplicate, not a rewrite.
    expect(await write(finalRow)).toBe(false);
  });

  it('lets a later end replace an earlier one, and a live version never reopen it', async () => {
    const { version, write, stored, startedAt } = await call();
    await write(version({ endedAt: null, endReason: null, durationMs: null, costUsd: 0.001 }));
    await write(
      version({
        endedAt: new Date(startedAt.getTime() + 10_000),
        endReason: 'server_shutdown',
        costUsd: 0.002,
      }),
    );
    expect(
      await write(
        version({
          endedAt: new Date(startedAt.getTime() + 30_000),
          endReason: 'client_ended',
          costUsd: 0.006,
        }),
      ),
    ).toBe(true);
    expect(
      await write(version({ endedAt: null, endReason: null, durationMs: null, costUsd: 0.009 })),
    ).toBe(false);
    expect(await stored()).toMatchObject({ end_reason: 'client_ended', cost_usd: 0.006 });
  });

  it('never lowers costs or counters, even in a version it accepts', async () => {
    const { version, write, stored, startedAt } = await call();
    // A resumed session's live row (more booked) is stored before its first instance's older
    // live row shows up: the older one may update the row, but not shrink what it says.
    await write(
      version({
        endedAt: null,
        endReason: null,
        costUsd: 0.004,
        sttSeconds: 6,
        llmOutputTokens: 40,
      }),
    );
    await write(
      version({
        endedAt: null,
        endReason: null,
        costUsd: 0.001,
        sttSeconds: 2,
        llmOutputTokens: 10,
      }),
    );
    expect(await stored()).toMatchObject({
      ended_at: null,
      cost_usd: 0.004,
      stt_seconds: 6,
      llm_output_tokens: 40,
    });
    await write(
      version({
        endedAt: new Date(startedAt.getTime() + 5_000),
        endReason: 'client_ended',
        costUsd: 0.003,
      }),
    );
    expect(await stored()).toMatchObject({ end_reason: 'client_ended', cost_usd: 0.004 });
  });
});
