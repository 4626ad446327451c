/**
 * Resume across connections and instances with standing tickets: a session stays resumable
 * while it runs (its instance may die without a word), a run taken over by a resume on another
 * connection ends quietly and leaves the session to the new run, and a resumed session re-sends
 * the conversation it created so its messages never miss their foreign key.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { connectRedis, type Redis } from '../cache/redis-connection.js';
import type { Database } from '../db/database.js';
import { pgliteTarget } from '../db/testing/test-databases.js';
import { RecordWriter } from './records/record-writer.js';
import type { VoiceRecord } from './records/records.js';
import { CollectingRecords, type HarnessOptions, VoiceHarness } from './testing/voice-harness.js';

const redisUrl = process.env.TEST_REDIS_URL;

let db: Database;
const harnesses: VoiceHarness[] = [];
const cleanups: Array<() => Promise<void> | void> = [];

beforeAll(async () => {
  db = await pgliteTarget.open();
});
afterEach(async () => {
  for (const harness of harnesses.splice(0)) await harness.close();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(async () => {
  await db.close();
});

/** Slot heartbeats, and with them ticket refreshes, every 100 ms. */
async function harness(options: HarnessOptions = {}): Promise<VoiceHarness> {
  const h = await VoiceHarness.start({ db, sessionTtlMs: 300, ...options });
  harnesses.push(h);
  return h;
}

describe('a live session taken over by a resume (half-open connection)', () => {
  it('continues on the new connection; the old run ends quietly and leaves it the slot and row', async () => {
    const h = await harness();
    const user = await h.user();
    const old = await h.client();
    const { sessionId, conversationId } = await old.start(user.token);
    old.send({ type: 'text', text: 'first' });
    const firstUsage = await old.waitForType('usage');

    // The old socket is still open (the server cannot tell it is dead): resume anyway.
    const next = await h.client();
    const resumed = await next.start(user.token, { resumeSessionId: sessionId });
    expect(resumed).toMatchObject({ sessionId, conversationId, resumed: true });

    // At its next refresh the old run learns it was taken over, and ends without a trace.
    expect(await old.waitForType('session_ended')).toMatchObject({ reason: 'resumed_elsewhere' });
    expect((await old.waitForClose()).code).toBe(1000);
    expect(await h.limits.registry.count(user.id)).toBe(1);
    expect(next.open).toBe(true);

    next.send({ type: 'text', text: 'second' });
    expect((await next.waitForType('usage')).costUsd).toBeGreaterThan(firstUsage.costUsd);
    next.send({ type: 'session_end' });
    const ended = await next.waitForType('session_ended');
    expect((await next.waitForClose()).code).toBe(1000);

    const rows = h.collected.of('voice_session').filter((row) => row.id === sessionId);
    const endedRows = rows.filter((row) => row.endReason !== null);
    expect(endedRows.map((row) => row.endReason)).toEqual(['client_ended']);
    expect(endedRows[0]?.costUsd).toBe(ended.costUsd);
    expect(await h.limits.registry.count(user.id)).toBe(0);
    // Ended in order: nothing left to resume.
    const later = await h.client();
    expect((await later.start(user.token, { resumeSessionId: sessionId })).resumed).toBe(false);
  });

  it.skipIf(!redisUrl)(
    'works across instances sharing Redis: the instance that took over owns the session',
    async () => {
      const redis: Redis = await connectRedis(redisUrl ?? '');
      cleanups.push(() => redis.disconnect());
      const keyPrefix = `atlas:test:${crypto.randomUUID()}`;
      const first = await harness({ redis, keyPrefix });
      const second = await harness({ redis, keyPrefix });
      const user = await first.user();
      const old = await first.client();
      const { sessionId } = await old.start(user.token);
      old.send({ type: 'text', text: 'first' });
      await old.waitForType('usage');

      const next = await second.client();
      expect(await next.start(user.token, { resumeSessionId: sessionId })).toMatchObject({
        sessionId,
        resumed: true,
      });
      expect(await old.waitForType('session_ended')).toMatchObject({
        reason: 'resumed_elsewhere',
      });
      expect(await second.limits.registry.count(user.id)).toBe(1);
      expect(second.llm.calls).toHaveLength(0);
      next.send({ type: 'text', text: 'second' });
      await next.waitForType('usage');
      // The ticket carried the first instance's turn.
      expect(second.llm.calls[0]?.request.messages.map((m) => m.content)).toContain('first');
      // The first instance wrote no ended row for a session it no longer owned.
      expect(first.collected.of('voice_session').filter((row) => row.endReason !== null)).toEqual(
        [],
      );
    },
  );
});

describe('a session whose instance dies without a word', () => {
  it('is resumable from its standing ticket, which carries the last turn', async () => {
    const h = await harness();
    const user = await h.user();
    const client = await h.client();
    const { sessionId } = await client.start(user.token);
    client.send({ type: 'text', text: 'remember the blue door' });
    const usage = await client.waitForType('usage');
    // As if the instance had died: the ticket saved after the turn is all there is.
    const ticket = await h.limits.resumeStore.take(sessionId, user.id, 'another-instance');
    expect(ticket?.state).toMatchObject({ turnCount: 1, cost: { costUsd: usage.costUsd } });
    expect(JSON.stringify(ticket?.state.history)).toContain('remember the blue door');
  });
});

describe('a resume that never gets to run', () => {
  it('gives the ticket back when the server begins shutting down during the handshake', async () => {
    let admitting: (() => void) | undefined;
    let blockAdmission = false;
    const h = await harness({
      admit: () =>
        blockAdmission ? new Promise<void>((resolve) => (admitting = resolve)) : Promise.resolve(),
    });
    const user = await h.user();
    const first = await h.client();
    const { sessionId } = await first.start(user.token);
    first.terminate();
    await new Promise((resolve) => setTimeout(resolve, 100));

    blockAdmission = true;
    const again = await h.client();
    again.send({ type: 'session_start', token: user.token, resumeSessionId: sessionId });
    await vi.waitFor(() => expect(admitting).toBeDefined());
    const shutdown = h.gateway.shutdown();
    admitting?.();
    await shutdown;
    expect((await again.waitForClose()).code).toBe(1001);
    // Still resumable (on another instance, in production).
    await vi.waitFor(async () => {
      expect(await h.limits.resumeStore.take(sessionId, user.id, 'elsewhere')).toBeDefined();
    });
    expect(await h.limits.registry.count(user.id)).toBe(0);
  });
});

describe('a resumed session and its conversation record', () => {
  it('re-sends the conversation it created before its first message; not one it was given', async () => {
    const records = new CollectingRecords();
    const h = await harness({ records });
    const user = await h.user();
    const first = await h.client();
    const { sessionId, conversationId } = await first.start(user.token);
    first.terminate();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const resumedFrom = records.records.length;
    const again = await h.client();
    await again.start(user.token, { resumeSessionId: sessionId });
    again.send({ type: 'text', text: 'hello again' });
    await again.waitForType('usage');
    const afterResume = records.records.slice(resumedFrom);
    const conversationAt = afterResume.findIndex(
      (r) => r.kind === 'conversation' && r.id === conversationId,
    );
    const firstMessageAt = afterResume.findIndex((r) => r.kind === 'message');
    expect(conversationAt).toBeGreaterThanOrEqual(0);
    expect(conversationAt).toBeLessThan(firstMessageAt);

    // A session on an existing conversation did not create it, and a resume does not either.
    const existingId = crypto.randomUUID();
    await db.asService((tx) =>
      tx.query('insert into public.conversations (id, user_id, title) values ($1, $2, $3)', [
        existingId,
        user.id,
        'typed before',
      ]),
    );
    const existing = await h.client();
    const onExisting = await existing.start(user.token, { conversationId: existingId });
    existing.terminate();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const before = records.records.length;
    const resumedExisting = await h.client();
    await resumedExisting.start(user.token, { resumeSessionId: onExisting.sessionId });
    expect(records.records.slice(before).filter((r) => r.kind === 'conversation')).toEqual([]);
  });

  it('keeps every message when the first instance never wrote the conversation (no dead letters)', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'atlas-resume-'));
    const writer = new RecordWriter({ db, dataDir, lingerMs: 5 });
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    cleanups.push(async () => void (await writer.close(1_000)));
    // The first run's records never reach the database (its instance died with them).
    let reachesDatabase = false;
    const sink = {
      enqueue: (record: VoiceRecord) => void (reachesDatabase && writer.enqueue(record)),
    };
    const h = await harness({ records: sink });
    const user = await h.user();
    const first = await h.client();
    const { sessionId, conversationId } = await first.start(user.token);
    first.terminate();
    await new Promise((resolve) => setTimeout(resolve, 100));

    reachesDatabase = true;
    const again = await h.client();
    await again.start(user.token, { resumeSessionId: sessionId });
    again.send({ type: 'text', text: 'hello again' });
    await again.waitForType('usage');
    again.send({ type: 'session_end' });
    await again.waitForClose();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await writer.flush()).toBe('written');

    expect(writer.stats.deadLettered).toBe(0);
    const { rows } = await db.query<{ role: string }>(
      'select role from public.messages where conversation_id = $1 order by created_at',
      [conversationId],
    );
    expect(rows.map((row) => row.role)).toEqual(['user', 'assistant']);
    const session = await db.query<{ end_reason: string }>(
      'select end_reason from public.voice_sessions where id = $1',
      [sessionId],
    );
    expect(session.rows).toEqual([{ end_reason: 'client_ended' }]);
  });
});
