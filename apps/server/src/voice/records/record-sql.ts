/**
 * @module voice/records/record-sql
 * The SQL for each record kind. Every statement is idempotent on the client-chosen id: inserts
 * do nothing on conflict, and the voice session row is an upsert that only ever moves forward
 * (never back to "in progress", never to an earlier end, never to smaller costs). Runs as
 * `service_role` (inside `Database.asService`), because `usage_events` and `voice_sessions` are
 * server-written and users may not insert them.
 */
import type { Queryable, QueryResult } from '../../db/database.js';
import type {
  ConversationRecord,
  MessageRecord,
  UsageEventRecord,
  VoiceRecord,
  VoiceSessionRecord,
} from './records.js';

/**
 * One kind of insert-only record: its statement for any number of rows (a batch writes each
 * kind as one multi-row insert; the embedded database pays per statement, not per row) and the
 * parameters of one row. `columnParams` maps each column to a 1-based parameter of its row,
 * so a value used twice (`created_at` as `updated_at`) is sent once.
 */
interface InsertSpec<R extends VoiceRecord> {
  readonly into: string;
  readonly columnParams: readonly number[];
  readonly tail: string;
  params(record: R): unknown[];
}

const CONVERSATIONS: InsertSpec<ConversationRecord> = {
  into: 'public.conversations (id, user_id, title, created_at, updated_at)',
  columnParams: [1, 2, 3, 4, 4],
  tail: 'on conflict (id) do nothing',
  params: (record) => [
    record.id,
    record.userId,
    record.title ?? null,
    record.createdAt ?? new Date().toISOString(),
  ],
};

const MESSAGES: InsertSpec<MessageRecord> = {
  into: `public.messages
    (id, conversation_id, user_id, role, content, type, metadata, created_at, updated_at)`,
  columnParams: [1, 2, 3, 4, 5, 6, 7, 8, 8],
  // Which conversations received a new message (and so move to the top of their list).
  tail: 'on conflict (id) do nothing returning conversation_id',
  params: (record) => [
    record.id,
    record.conversationId,
    record.userId,
    record.role,
    record.content,
    record.type ?? 'text',
    json(record.metadata),
    record.createdAt ?? new Date().toISOString(),
  ],
};

const USAGE_EVENTS: InsertSpec<UsageEventRecord> = {
  into: `public.usage_events
    (id, user_id, feature, model, tokens_input, tokens_output, cost_usd, meta, created_at)`,
  columnParams: [1, 2, 3, 4, 5, 6, 7, 8, 9],
  tail: 'on conflict (id) do nothing',
  params: (record) => [
    record.id,
    record.userId,
    record.feature,
    record.model ?? null,
    record.tokensInput ?? 0,
    record.tokensOutput ?? 0,
    record.costUsd,
    json(record.meta),
    record.createdAt ?? new Date().toISOString(),
  ],
};

/** Rows per statement: far below PostgreSQL's 65,535 parameters whatever the batch size. */
export const MAX_ROWS_PER_INSERT = 500;

/** `insert … values (…), (…) …` for `rows` rows of `spec`, numbered from `$1`. */
function insertSql<R extends VoiceRecord>(spec: InsertSpec<R>, rows: number): string {
  const width = Math.max(...spec.columnParams);
  const values: string[] = [];
  for (let row = 0; row < rows; row++) {
    const base = row * width;
    values.push(`(${spec.columnParams.map((param) => `$${base + param}`).join(', ')})`);
  }
  return `insert into ${spec.into}\n  values ${values.join(',\n    ')}\n  ${spec.tail}`;
}

// Versions of one session row arrive out of order: a live session re-sends it, a resumed
// session continues it on another instance, and a spool replays an older version hours later.
// A version replaces the stored row only when it is at least as complete: the stored row is
// still in progress, or both ended and the incoming one ended later. Counters and costs only
// ever grow (`greatest`), so even an accepted version can never lose what was booked. Plain
// SQL that PostgreSQL 15 and PGlite (18) agree on.
const UPSERT_VOICE_SESSION = `
  insert into public.voice_sessions as stored
    (id, user_id, conversation_id, started_at, ended_at, duration_ms, stt_seconds,
     llm_input_tokens, llm_output_tokens, tts_characters, stt_cost_usd, llm_cost_usd,
     tts_cost_usd, cost_usd, end_reason, metrics)
  values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
  on conflict (id) do update set
    conversation_id = coalesce(excluded.conversation_id, stored.conversation_id),
    started_at = least(excluded.started_at, stored.started_at),
    ended_at = excluded.ended_at,
    duration_ms = excluded.duration_ms,
    stt_seconds = greatest(excluded.stt_seconds, stored.stt_seconds),
    llm_input_tokens = greatest(excluded.llm_input_tokens, stored.llm_input_tokens),
    llm_output_tokens = greatest(excluded.llm_output_tokens, stored.llm_output_tokens),
    tts_characters = greatest(excluded.tts_characters, stored.tts_characters),
    stt_cost_usd = greatest(excluded.stt_cost_usd, stored.stt_cost_usd),
    llm_cost_usd = greatest(excluded.llm_cost_usd, stored.llm_cost_usd),
    tts_cost_usd = greatest(excluded.tts_cost_usd, stored.tts_cost_usd),
    cost_usd = greatest(excluded.cost_usd, stored.cost_usd),
    end_reason = excluded.end_reason,
    metrics = excluded.metrics
  where stored.ended_at is null
     or (excluded.ended_at is not null and excluded.ended_at > stored.ended_at)`;

// New messages move their conversation to the top of the user's list (ordered by updated_at);
// the table's trigger stamps the server's clock.
const TOUCH_CONVERSATIONS = `
  update public.conversations set updated_at = now() where id = any($1::uuid[])`;

/** A record whose JSON column cannot be serialised (a BigInt, a cycle): the record's fault. */
export class RecordDataError extends Error {
  override readonly name = 'RecordDataError';
  /** SQLSTATE invalid_parameter_value, so it is classified like the database's own refusals. */
  readonly code = '22023';
}

function json(value: unknown): string {
  try {
    return JSON.stringify(value ?? {});
  } catch (error) {
    throw new RecordDataError(`JSON column cannot be serialised: ${String(error)}`, {
      cause: error,
    });
  }
}

/** Writes one (normalised) record; false when it was already there (a replay). */
export async function writeRecord(tx: Queryable, record: VoiceRecord): Promise<boolean> {
  const changed = (result: { rowCount: number }) => result.rowCount > 0;
  switch (record.kind) {
    case 'conversation':
      return changed(await insertRows(tx, CONVERSATIONS, [record]));
    case 'message':
      return changed(await insertRows(tx, MESSAGES, [record]));
    case 'usage_event':
      return changed(await insertRows(tx, USAGE_EVENTS, [record]));
    case 'voice_session':
      return changed(
        await tx.query(UPSERT_VOICE_SESSION, [
          record.id,
          record.userId,
          record.conversationId ?? null,
          record.startedAt,
          record.endedAt ?? null,
          record.durationMs ?? null,
          record.sttSeconds ?? 0,
          record.llmInputTokens ?? 0,
          record.llmOutputTokens ?? 0,
          record.ttsCharacters ?? 0,
          record.sttCostUsd ?? 0,
          record.llmCostUsd ?? 0,
          record.ttsCostUsd ?? 0,
          record.costUsd ?? 0,
          record.endReason ?? null,
          json(record.metrics),
        ]),
      );
  }
}

/** One statement for `records` (at most `MAX_ROWS_PER_INSERT`). */
function insertRows<R extends VoiceRecord>(
  tx: Queryable,
  spec: InsertSpec<R>,
  records: readonly R[],
): Promise<QueryResult<{ conversation_id?: string }>> {
  const params: unknown[] = [];
  for (const record of records) params.push(...spec.params(record));
  return tx.query(insertSql(spec, records.length), params);
}

/**
 * Writes a batch with as few statements as it can: the conversations first (messages and
 * session rows refer to them), then all messages and all usage events as multi-row inserts,
 * then the session rows one at a time (a batch may hold two versions of one session, and one
 * upsert statement may not touch a row twice), then the conversations that received messages.
 * `between` runs after each statement (to give the event loop a turn). Returns how many
 * records were new; replays count as not new.
 */
export async function writeRecords(
  tx: Queryable,
  records: readonly VoiceRecord[],
  between: () => Promise<void> = async () => {},
): Promise<number> {
  const conversations: ConversationRecord[] = [];
  const messages: MessageRecord[] = [];
  const usageEvents: UsageEventRecord[] = [];
  const sessions: VoiceSessionRecord[] = [];
  for (const record of records) {
    if (record.kind === 'conversation') conversations.push(record);
    else if (record.kind === 'message') messages.push(record);
    else if (record.kind === 'usage_event') usageEvents.push(record);
    else sessions.push(record);
  }
  let inserted = 0;
  const touched = new Set<string>();
  const insertAll = async <R extends VoiceRecord>(spec: InsertSpec<R>, rows: readonly R[]) => {
    for (let start = 0; start < rows.length; start += MAX_ROWS_PER_INSERT) {
      const result = await insertRows(tx, spec, rows.slice(start, start + MAX_ROWS_PER_INSERT));
      inserted += result.rowCount;
      for (const row of result.rows) if (row.conversation_id) touched.add(row.conversation_id);
      await between();
    }
  };
  await insertAll(CONVERSATIONS, conversations);
  await insertAll(MESSAGES, messages);
  await insertAll(USAGE_EVENTS, usageEvents);
  for (const session of sessions) {
    if (await writeRecord(tx, session)) inserted++;
    await between();
  }
  await touchConversations(tx, touched);
  return inserted;
}

/** Bumps `updated_at` of the conversations that received new messages in this batch. */
export async function touchConversations(
  tx: Queryable,
  conversationIds: ReadonlySet<string>,
): Promise<void> {
  if (conversationIds.size > 0) await tx.query(TOUCH_CONVERSATIONS, [[...conversationIds]]);
}

// SQLSTATE classes a single bad row causes: data exceptions (22: bad uuid, number out of
// range, …), integrity violations (23: a check, a missing conversation) and errors raised by
// triggers (P0). Anything else (permissions, a missing table, a closed client) is about the
// database, not the row, and is retried rather than blamed on the record.
const RECORD_ERROR_CLASSES = new Set(['22', '23', 'P0']);

/** True when `error` is the fault of the record being written, so retrying cannot help. */
export function isRecordError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  return (
    typeof code === 'string' && code.length === 5 && RECORD_ERROR_CLASSES.has(code.slice(0, 2))
  );
}
