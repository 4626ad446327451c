/**
 * @module voice/records/records
 * The rows a voice session leaves behind (protocol rule 4, "Persistence"): the conversation it
 * may create, each user and assistant message, one usage event per STT / LLM / TTS charge and
 * the voice session row itself. Every record carries an id chosen by the caller, so writing it
 * twice (a retried batch, a replayed spool) is harmless.
 *
 * Records are plain JSON-safe objects: the writer keeps them in memory, and when the database is
 * away for long it appends them to a JSONL spool and reads them back later, unchanged.
 *
 * @example
 * writer.enqueue({
 *   kind: 'message',
 *   id: randomUUID(),
 *   conversationId,
 *   userId,
 *   role: 'user',
 *   content: transcript.text,
 *   metadata: { voice_call: true, session_id: sessionId, confidence: transcript.confidence },
 * });
 */

/** A timestamp: a `Date`, or an ISO 8601 string (microseconds allowed). */
export type Timestamp = Date | string;

/** The JSON metadata columns (`messages.metadata`, `usage_events.meta`, `voice_sessions.metrics`). */
export type JsonObject = Record<string, unknown>;

/** Creates the conversation when it does not exist yet; an existing row is left untouched. */
export interface ConversationRecord {
  kind: 'conversation';
  id: string;
  userId: string;
  title?: string | null;
  createdAt?: Timestamp;
}

/** Metadata a voice message carries; other keys are kept as given. */
export interface VoiceMessageMetadata extends JsonObject {
  voice_call?: boolean;
  session_id?: string;
  confidence?: number;
  /** The assistant was cut off; `content` holds only the text that was sent. */
  interrupted?: boolean;
}

export interface MessageRecord {
  kind: 'message';
  id: string;
  conversationId: string;
  userId: string;
  role: 'user' | 'assistant' | 'system';
  content: string;
  /** `messages.type`; defaults to `text`. */
  type?: string;
  metadata?: VoiceMessageMetadata;
  /** Defaults to the moment of `enqueue`, so a late write keeps the turn's real time and order. */
  createdAt?: Timestamp;
}

export type UsageFeature = 'chat' | 'voice_stt' | 'voice_llm' | 'voice_tts' | 'vision' | 'ritual';

export interface UsageEventRecord {
  kind: 'usage_event';
  id: string;
  userId: string;
  feature: UsageFeature;
  model?: string | null;
  tokensInput?: number;
  tokensOutput?: number;
  costUsd: number;
  meta?: JsonObject;
  createdAt?: Timestamp;
}

/**
 * The `voice_sessions` row. Written as an upsert: enqueue it at the start of a call (no
 * `endedAt`) and again when it ends; the newest version wins, and a version without `endedAt`
 * never overwrites an ended row.
 */
export interface VoiceSessionRecord {
  kind: 'voice_session';
  id: string;
  userId: string;
  conversationId?: string | null;
  startedAt: Timestamp;
  endedAt?: Timestamp | null;
  durationMs?: number | null;
  sttSeconds?: number;
  llmInputTokens?: number;
  llmOutputTokens?: number;
  ttsCharacters?: number;
  sttCostUsd?: number;
  llmCostUsd?: number;
  ttsCostUsd?: number;
  costUsd?: number;
  endReason?: string | null;
  metrics?: JsonObject;
}

export type VoiceRecord =
  | ConversationRecord
  | MessageRecord
  | UsageEventRecord
  | VoiceSessionRecord;
export type VoiceRecordKind = VoiceRecord['kind'];

/** Column limits from the schema; longer text is cut rather than failing the whole row. */
export const TITLE_MAX_CHARS = 200;
export const MODEL_MAX_CHARS = 200;
export const END_REASON_MAX_CHARS = 100;

const KINDS: ReadonlySet<string> = new Set<VoiceRecordKind>([
  'conversation',
  'message',
  'usage_event',
  'voice_session',
]);

/**
 * Returns why a record cannot be written, or `undefined` when it looks writable. Cheap checks
 * only (enqueue stays O(1)); the database has the last word on everything else.
 */
export function recordProblem(record: unknown): string | undefined {
  if (typeof record !== 'object' || record === null) return 'record is not an object';
  const { kind, id, userId } = record as { kind?: unknown; id?: unknown; userId?: unknown };
  if (typeof kind !== 'string' || !KINDS.has(kind)) return `unknown record kind ${String(kind)}`;
  if (typeof id !== 'string' || id === '') return 'record has no id';
  if (typeof userId !== 'string' || userId === '') return 'record has no userId';
  return undefined;
}

/** Produces strictly increasing timestamps with microsecond precision, as Postgres stores them. */
export class MonotonicClock {
  #lastMicros = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** An ISO 8601 string, later than every earlier one from this clock. */
  next(): string {
    // Two records enqueued in the same millisecond (a user message and its reply's first
    // usage event) still sort in the order they happened.
    const micros = Math.max(this.now() * 1000, this.#lastMicros + 1);
    this.#lastMicros = micros;
    const iso = new Date(Math.floor(micros / 1000)).toISOString();
    return `${iso.slice(0, -1)}${String(micros % 1000).padStart(3, '0')}Z`;
  }
}

function toIso(value: Timestamp): string {
  return value instanceof Date ? value.toISOString() : value;
}

function cut(text: string | null | undefined, max: number): string | null {
  if (text === undefined || text === null) return null;
  return text.length > max ? text.slice(0, max) : text;
}

/**
 * A private, JSON-safe copy of `record` with defaults filled in: the caller may reuse or change
 * its object after `enqueue`, and the spool round-trips exactly what the database will get.
 */
export function normalizeRecord(record: VoiceRecord, clock: MonotonicClock): VoiceRecord {
  switch (record.kind) {
    case 'conversation':
      return {
        kind: 'conversation',
        id: record.id,
        userId: record.userId,
        title: cut(record.title, TITLE_MAX_CHARS),
        createdAt: record.createdAt === undefined ? clock.next() : toIso(record.createdAt),
      };
    case 'message':
      return {
        kind: 'message',
        id: record.id,
        conversationId: record.conversationId,
        userId: record.userId,
        role: record.role,
        content: record.content,
        type: record.type ?? 'text',
        metadata: { ...record.metadata },
        createdAt: record.createdAt === undefined ? clock.next() : toIso(record.createdAt),
      };
    case 'usage_event':
      return {
        kind: 'usage_event',
        id: record.id,
        userId: record.userId,
        feature: record.feature,
        model: cut(record.model, MODEL_MAX_CHARS),
        tokensInput: record.tokensInput ?? 0,
        tokensOutput: record.tokensOutput ?? 0,
        costUsd: record.costUsd,
        meta: { ...record.meta },
        createdAt: record.createdAt === undefined ? clock.next() : toIso(record.createdAt),
      };
    case 'voice_session':
      return {
        kind: 'voice_session',
        id: record.id,
        userId: record.userId,
        conversationId: record.conversationId ?? null,
        startedAt: toIso(record.startedAt),
        endedAt:
          record.endedAt === undefined || record.endedAt === null ? null : toIso(record.endedAt),
        durationMs: record.durationMs ?? null,
        sttSeconds: record.sttSeconds ?? 0,
        llmInputTokens: record.llmInputTokens ?? 0,
        llmOutputTokens: record.llmOutputTokens ?? 0,
        ttsCharacters: record.ttsCharacters ?? 0,
        sttCostUsd: record.sttCostUsd ?? 0,
        llmCostUsd: record.llmCostUsd ?? 0,
        ttsCostUsd: record.ttsCostUsd ?? 0,
        costUsd: record.costUsd ?? 0,
        endReason: cut(record.endReason, END_REASON_MAX_CHARS),
        metrics: { ...record.metrics },
      };
  }
}

/**
 * A rough size for the memory budget, without serialising: free text dominates a record, the
 * rest is a few hundred bytes of ids, numbers and small metadata.
 */
export function estimateRecordBytes(record: VoiceRecord): number {
  const base = 512;
  switch (record.kind) {
    case 'message':
      return base + record.content.length * 2;
    case 'conversation':
      return base + (record.title?.length ?? 0) * 2;
    default:
      return base;
  }
}
