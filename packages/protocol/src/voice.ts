/**
 * @module voice
 * The Voice V2 wire protocol (`GET /v2/voice`) as zod schemas: the contract between the gateway
 * and every client. Mirrors `shared/docs/voice-protocol.md`; additions are fine, renaming or
 * removing a field is a breaking change.
 */
import { z } from 'zod';

/** Close codes the gateway uses, with the meaning clients show to users. */
export const VOICE_CLOSE_CODES = {
  normal: 1000,
  serverShutdown: 1001,
  internalError: 1011,
  protocolError: 4000,
  unauthorized: 4001,
  tierRequired: 4003,
  limitReached: 4008,
  idleTimeout: 4009,
  tooManySessions: 4029,
} as const;
export type VoiceCloseCode = (typeof VOICE_CLOSE_CODES)[keyof typeof VOICE_CLOSE_CODES];

export const VOICE_DEFAULTS = {
  maxConcurrentSessionsPerUser: 3,
  frameMs: 100,
  inputSampleRate: 16_000,
  frameBytes: 3_200,
  minFrameBytes: 100,
  maxFrameBytes: 100 * 1024,
  maxFramesPerSecond: 100,
  rateWindowMs: 2_000,
  stablePartialMs: 300,
  pingIntervalMs: 30_000,
  pongTimeoutMs: 10_000,
  sessionStartTimeoutMs: 10_000,
  idleTimeoutMs: 10 * 60_000,
  maxDurationMs: 30 * 60_000,
  maxCostUsd: 5,
  budgetWarningFraction: 0.8,
  resumeWindowMs: 60_000,
  /**
   * The V1 (batch) client ends a hands-free turn after this much silence (or when the user
   * presses "Done speaking"); the web app's recorder and the latency benchmark both use it.
   */
  v1TurnEndSilenceMs: 800,
} as const;

export const audioFormatSchema = z.object({
  encoding: z.literal('linear16'),
  sampleRate: z.literal(16_000),
  channels: z.literal(1),
});

// Client → server -----------------------------------------------------------------------------

export const sessionStartSchema = z.object({
  type: z.literal('session_start'),
  token: z.string().min(1).max(8_192),
  conversationId: z.uuid().optional(),
  resumeSessionId: z.string().min(1).max(128).optional(),
  audio: audioFormatSchema.optional(),
});

export const pingSchema = z.object({ type: z.literal('ping'), id: z.number() });
export const interruptSchema = z.object({
  type: z.literal('interrupt'),
  turnId: z.string().max(128).optional(),
});
export const textTurnSchema = z.object({
  type: z.literal('text'),
  text: z.string().min(1).max(10_000),
});
export const sessionEndSchema = z.object({ type: z.literal('session_end') });

export const clientMessageSchema = z.discriminatedUnion('type', [
  sessionStartSchema,
  pingSchema,
  interruptSchema,
  textTurnSchema,
  sessionEndSchema,
]);
export type ClientMessage = z.infer<typeof clientMessageSchema>;
export type SessionStart = z.infer<typeof sessionStartSchema>;

// Server → client -----------------------------------------------------------------------------

export const sessionStartedSchema = z.object({
  type: z.literal('session_started'),
  sessionId: z.string(),
  conversationId: z.uuid(),
  resumed: z.boolean(),
  model: z.string(),
  limits: z.object({
    maxDurationMs: z.number(),
    maxCostUsd: z.number(),
    budgetWarningFraction: z.number(),
  }),
  audioOut: z.object({ encoding: z.literal('linear16'), sampleRate: z.number().int().positive() }),
});

const turn = { turnId: z.string() };

export const serverMessageSchema = z.discriminatedUnion('type', [
  sessionStartedSchema,
  z.object({ type: z.literal('speech_started'), ...turn }),
  z.object({
    type: z.literal('partial_transcript'),
    ...turn,
    text: z.string(),
    confidence: z.number(),
    sessionId: z.string(),
  }),
  z.object({
    type: z.literal('final_transcript'),
    ...turn,
    text: z.string(),
    confidence: z.number(),
  }),
  z.object({ type: z.literal('response_start'), ...turn }),
  z.object({ type: z.literal('response_text'), ...turn, delta: z.string() }),
  z.object({
    type: z.literal('audio_start'),
    ...turn,
    encoding: z.literal('linear16'),
    sampleRate: z.number().int().positive(),
  }),
  z.object({ type: z.literal('audio_end'), ...turn }),
  z.object({
    type: z.literal('response_end'),
    ...turn,
    text: z.string(),
    interrupted: z.boolean(),
  }),
  z.object({ type: z.literal('interrupted'), ...turn }),
  z.object({
    type: z.literal('turn_metrics'),
    ...turn,
    sttFirstPartialMs: z.number().nullable(),
    endOfSpeechToFinalMs: z.number().nullable(),
    llmTtftMs: z.number().nullable(),
    ttsTtfbMs: z.number().nullable(),
    e2eMs: z.number().nullable(),
    speculative: z.boolean(),
  }),
  z.object({
    type: z.literal('usage'),
    costUsd: z.number(),
    sttSeconds: z.number(),
    llmInputTokens: z.number(),
    llmOutputTokens: z.number(),
    ttsCharacters: z.number(),
  }),
  z.object({ type: z.literal('budget_warning'), costUsd: z.number(), limitUsd: z.number() }),
  z.object({
    type: z.literal('error'),
    code: z.string(),
    message: z.string(),
    retryable: z.boolean(),
    sessionId: z.string().optional(),
  }),
  z.object({
    type: z.literal('session_ended'),
    reason: z.string(),
    durationMs: z.number(),
    costUsd: z.number(),
  }),
  z.object({ type: z.literal('pong'), id: z.number() }),
]);
export type ServerMessage = z.infer<typeof serverMessageSchema>;
export type ServerMessageOf<T extends ServerMessage['type']> = Extract<ServerMessage, { type: T }>;
