/**
 * @module voice/records/testing/record-fixtures
 * Records shaped like one voice call, for the writer's tests, and a row counter.
 */
import { randomUUID } from 'node:crypto';
import type { Database } from '../../../db/database.js';
import type {
  ConversationRecord,
  MessageRecord,
  UsageEventRecord,
  VoiceRecord,
  VoiceSessionRecord,
} from '../records.js';

export interface CallRecords {
  conversation: ConversationRecord;
  /** The first turn's user message and STT usage event, to derive variants from. */
  userMessage: MessageRecord;
  sttEvent: UsageEventRecord;
  messages: MessageRecord[];
  usage: UsageEventRecord[];
  session: VoiceSessionRecord;
  /** Everything, in the order a gateway would enqueue it. */
  all: VoiceRecord[];
}

/** A call of `turns` turns: a new conversation, a user and an assistant message per turn. */
export function callRecords(userId: string, turns = 1): CallRecords {
  const conversationId = randomUUID();
  const sessionId = randomUUID();
  const conversation: ConversationRecord = {
    kind: 'conversation',
    id: conversationId,
    userId,
    title: 'Voice call',
  };
  const messages: MessageRecord[] = [];
  const usage: UsageEventRecord[] = [];
  const all: VoiceRecord[] = [conversation];
  for (let turn = 0; turn < turns; turn++) {
    const user: MessageRecord = {
      kind: 'message',
      id: randomUUID(),
      conversationId,
      userId,
      role: 'user',
      content: `question ${turn}`,
      metadata: { voice_call: true, session_id: sessionId, confidence: 0.93 },
    };
    const assistant: MessageRecord = {
      kind: 'message',
      id: randomUUID(),
      conversationId,
      userId,
      role: 'assistant',
      content: `answer ${turn}`,
      metadata: { voice_call: true, session_id: sessionId, confidence: 1 },
    };
    const events: UsageEventRecord[] = (['voice_stt', 'voice_llm', 'voice_tts'] as const).map(
      (feature) => ({
        kind: 'usage_event',
        id: randomUUID(),
        userId,
        feature,
        model: `${feature}-model`,
        tokensInput: 10,
        tokensOutput: 20,
        costUsd: 0.0001234,
        meta: { session_id: sessionId, turn },
      }),
    );
    messages.push(user, assistant);
    usage.push(...events);
    all.push(user, ...events, assistant);
  }
  const session: VoiceSessionRecord = {
    kind: 'voice_session',
    id: sessionId,
    userId,
    conversationId,
    startedAt: new Date(Date.now() - 60_000),
    endedAt: new Date(),
    durationMs: 60_000,
    sttSeconds: 12.5,
    llmInputTokens: 10 * turns,
    llmOutputTokens: 20 * turns,
    ttsCharacters: 100,
    sttCostUsd: 0.001,
    llmCostUsd: 0.002,
    ttsCostUsd: 0.003,
    costUsd: 0.006,
    endReason: 'client_ended',
    metrics: { turns },
  };
  all.push(session);
  const [userMessage] = messages;
  const [sttEvent] = usage;
  if (userMessage === undefined || sttEvent === undefined) throw new Error('a call has turns');
  return { conversation, userMessage, sttEvent, messages, usage, session, all };
}

const TABLES: Record<VoiceRecord['kind'], string> = {
  conversation: 'conversations',
  message: 'messages',
  usage_event: 'usage_events',
  voice_session: 'voice_sessions',
};

/** How many of `records` have a row in the database (read as the owner, bypassing RLS). */
export async function countStored(db: Database, records: readonly VoiceRecord[]): Promise<number> {
  let total = 0;
  for (const [kind, table] of Object.entries(TABLES)) {
    const ids = records.filter((record) => record.kind === kind).map((record) => record.id);
    if (ids.length === 0) continue;
    const { rows } = await db.query<{ n: number }>(
      `select count(*)::int as n from public.${table} where id = any($1::uuid[])`,
      [ids],
    );
    total += rows[0]?.n ?? 0;
  }
  return total;
}
