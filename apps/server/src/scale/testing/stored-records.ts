/**
 * @module scale/testing/stored-records
 * What PostgreSQL holds for one user, read as the service role, and a poll for records that
 * the instances' background writers have not committed yet.
 */
import type { Database } from '../../db/database.js';

export interface StoredRecords {
  messages: Array<{ id: string; role: string; content: string; session_id: string | null }>;
  usage: Array<{ id: string; feature: string; cost_usd: number; session_id: string | null }>;
  sessions: Array<{ id: string; end_reason: string | null; cost_usd: number }>;
}

export async function storedRecords(db: Database, userId: string): Promise<StoredRecords> {
  return db.asService(async (tx) => ({
    messages: (
      await tx.query<StoredRecords['messages'][number]>(
        `select id, role, content, metadata->>'session_id' as session_id
           from public.messages where user_id = $1 order by created_at, id`,
        [userId],
      )
    ).rows,
    usage: (
      await tx.query<StoredRecords['usage'][number]>(
        `select id, feature, cost_usd::float8 as cost_usd, meta->>'session_id' as session_id
           from public.usage_events where user_id = $1 order by created_at, id`,
        [userId],
      )
    ).rows,
    sessions: (
      await tx.query<StoredRecords['sessions'][number]>(
        `select id, end_reason, cost_usd::float8 as cost_usd
           from public.voice_sessions where user_id = $1 order by started_at`,
        [userId],
      )
    ).rows,
  }));
}

/** Polls `probe` until it returns true or `timeoutMs` passes (then the last value is asserted). */
export async function waitFor(probe: () => Promise<boolean>, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
