/**
 * @module voice/voice-settings
 * Every timing and limit of a voice session, defaulting to the protocol's documented values.
 * Tests shorten them; operators could too.
 */
import { VOICE_DEFAULTS } from '@atlas/protocol';

export interface VoiceSettings {
  sessionStartTimeoutMs: number;
  pingIntervalMs: number;
  pongTimeoutMs: number;
  idleTimeoutMs: number;
  maxDurationMs: number;
  maxCostUsd: number;
  budgetWarningFraction: number;
  stablePartialMs: number;
  /** Start replies on stable partials; `false` always waits for the final transcript. */
  speculation: boolean;
  /**
   * A pause this long in the user's audio starts speculation without waiting for the partial
   * to be stable for `stablePartialMs` (results lag the audio); 0 turns the hint off.
   */
  speculationPauseMs: number;
  resumeWindowMs: number;
  /** Messages of the conversation given to the LLM as context. */
  historyMessages: number;
  /** A client whose socket buffers more than this cannot keep up; the session closes. */
  maxBufferedBytes: number;
  systemPrompt: string;
  maxReplyTokens: number;
  /** Spoken when every LLM provider fails before answering (the error is also sent in writing). */
  apology: string;
}

export const DEFAULT_SYSTEM_PROMPT =
  'You are Atlas, a friendly voice assistant. Your words are spoken aloud: answer in short, ' +
  'natural sentences, without markdown, lists, code or emoji. Ask a brief question when the ' +
  'request is unclear.';

export const DEFAULT_VOICE_SETTINGS: Readonly<VoiceSettings> = Object.freeze({
  sessionStartTimeoutMs: VOICE_DEFAULTS.sessionStartTimeoutMs,
  pingIntervalMs: VOICE_DEFAULTS.pingIntervalMs,
  pongTimeoutMs: VOICE_DEFAULTS.pongTimeoutMs,
  idleTimeoutMs: VOICE_DEFAULTS.idleTimeoutMs,
  maxDurationMs: VOICE_DEFAULTS.maxDurationMs,
  maxCostUsd: VOICE_DEFAULTS.maxCostUsd,
  budgetWarningFraction: VOICE_DEFAULTS.budgetWarningFraction,
  stablePartialMs: VOICE_DEFAULTS.stablePartialMs,
  speculation: true,
  speculationPauseMs: 200,
  resumeWindowMs: VOICE_DEFAULTS.resumeWindowMs,
  historyMessages: 20,
  maxBufferedBytes: 16 * 1024 * 1024,
  systemPrompt: DEFAULT_SYSTEM_PROMPT,
  maxReplyTokens: 400,
  apology:
    "Sorry, I can't answer right now: my language model isn't reachable. Please try again in a moment.",
});
