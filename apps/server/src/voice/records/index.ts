/**
 * @module voice/records
 * Durable, idempotent persistence of a voice session's rows (messages, usage events, the
 * voice session, a new conversation), written off the hot path by {@link RecordWriter}.
 */

export { DEAD_LETTER_FILE, SPOOL_FILE } from './record-spool.js';
export { isRecordError, RecordDataError } from './record-sql.js';
export {
  DEFAULT_FLUSH_TIMEOUT_MS,
  type FlushOutcome,
  RecordWriter,
  type RecordWriterErrorContext,
  type RecordWriterOptions,
  type RecordWriterPhase,
  type RecordWriterStats,
} from './record-writer.js';
export type {
  ConversationRecord,
  JsonObject,
  MessageRecord,
  Timestamp,
  UsageEventRecord,
  UsageFeature,
  VoiceMessageMetadata,
  VoiceRecord,
  VoiceRecordKind,
  VoiceSessionRecord,
} from './records.js';
