/**
 * @module usage/usage-events
 * `GET /v1/usage/events`: the signed-in user's most recent usage events, newest first, in
 * keyset pages by (created_at, id). Read through `withUser`, so the `usage_events_select_own`
 * policy alone decides which rows a user sees; the query names no user on purpose. Only the
 * `meta` fields listed in {@link safeUsageMeta} leave the server.
 */
import type { UsageEvent, UsageEventMeta, UsageEventPage, UsageEventsQuery } from '@atlas/protocol';
import { decodeCursor, encodeCursor } from '../chat/index.js';
import type { Database, JwtClaims } from '../db/database.js';

interface UsageEventRow {
  id: string;
  feature: UsageEvent['feature'];
  model: string | null;
  tokens_input: number;
  tokens_output: number;
  /** `numeric` arrives as a string from node-postgres and PGlite. */
  cost_usd: string | number;
  created_at: string;
  meta: unknown;
}

const MAX_ID_CHARS = 100;

function idField(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_ID_CHARS
    ? value
    : undefined;
}

function numberField(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

function booleanField(value: unknown): boolean | undefined {
  return typeof value === 'boolean' ? value : undefined;
}

/**
 * The user-facing subset of a stored `meta` object (an allowlist: anything not named here,
 * such as provider names, byte counts or price fallbacks, is dropped). Writers use both
 * snake_case (voice) and camelCase (V1 voice) keys; the answer is camelCase.
 *
 * @example
 * safeUsageMeta({ session_id: 's1', provider: 'deepgram', seconds: 2 });
 * // { sessionId: 's1', audioSeconds: 2 }
 */
export function safeUsageMeta(raw: unknown): UsageEventMeta {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return {};
  const meta = raw as Record<string, unknown>;
  const picked: UsageEventMeta = {
    sessionId: idField(meta.session_id),
    turnId: idField(meta.turn_id),
    conversationId: idField(meta.conversation_id),
    messageId: idField(meta.message_id),
    audioSeconds: numberField(meta.seconds) ?? numberField(meta.durationSeconds),
    characters: numberField(meta.characters),
    cancelled: booleanField(meta.cancelled),
    interrupted: booleanField(meta.interrupted),
    speculative: booleanField(meta.speculative),
  };
  return Object.fromEntries(
    Object.entries(picked).filter(([, value]) => value !== undefined),
  ) as UsageEventMeta;
}

function toEvent(row: UsageEventRow): UsageEvent {
  return {
    id: row.id,
    feature: row.feature,
    model: row.model,
    tokensInput: row.tokens_input,
    tokensOutput: row.tokens_output,
    costUsd: Number(row.cost_usd),
    createdAt: row.created_at,
    meta: safeUsageMeta(row.meta),
  };
}

/**
 * One page of the user's events. Fetches `limit + 1` rows: the extra row only says that an
 * older page exists. A tampered `before` cursor is `validation_failed`.
 */
export async function listUsageEvents(
  db: Database,
  claims: JwtClaims,
  query: UsageEventsQuery,
): Promise<UsageEventPage> {
  const before = query.before === undefined ? undefined : decodeCursor(query.before, 2);
  const params: unknown[] = [query.limit + 1];
  const conditions: string[] = [];
  if (before) {
    params.push(before[0], before[1]);
    conditions.push(
      `(created_at, id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`,
    );
  }
  if (query.feature) {
    params.push(query.feature);
    conditions.push(`feature = $${params.length}`);
  }
  const where = conditions.length > 0 ? `where ${conditions.join(' and ')}` : '';
  const { rows } = await db.withUser(claims, (tx) =>
    tx.query<UsageEventRow>(
      `select id, feature, model, tokens_input, tokens_output, cost_usd, meta,
              to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as created_at
         from public.usage_events ${where}
        order by created_at desc, id desc
        limit $1`,
      params,
    ),
  );
  const events = rows.slice(0, query.limit).map(toEvent);
  const last = events.at(-1);
  return {
    events,
    nextCursor:
      rows.length > query.limit && last !== undefined
        ? encodeCursor([last.createdAt, last.id])
        : null,
  };
}
