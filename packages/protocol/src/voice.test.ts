import { describe, expect, it } from 'vitest';
import { clientMessageSchema, serverMessageSchema, VOICE_DEFAULTS } from './voice.js';

describe('voice protocol schemas', () => {
  it('accepts each client message of the contract', () => {
    const messages = [
      {
        type: 'session_start',
        token: 'jwt',
        audio: { encoding: 'linear16', sampleRate: 16000, channels: 1 },
      },
      {
        type: 'session_start',
        token: 'jwt',
        conversationId: '6f1c2c1e-6a5b-4c1e-9f3a-0d7c2b1a9e88',
        resumeSessionId: 's-1',
      },
      { type: 'ping', id: 7 },
      { type: 'interrupt' },
      { type: 'interrupt', turnId: 't-1' },
      { type: 'text', text: 'hello' },
      { type: 'session_end' },
    ];
    for (const message of messages)
      expect(clientMessageSchema.safeParse(message).success).toBe(true);
  });

  it('rejects unknown types, wrong audio formats and bad ids', () => {
    const bad = [
      { type: 'launch_missiles' },
      { type: 'session_start' },
      {
        type: 'session_start',
        token: 'jwt',
        audio: { encoding: 'opus', sampleRate: 48000, channels: 2 },
      },
      { type: 'session_start', token: 'jwt', conversationId: 'not-a-uuid' },
      { type: 'ping', id: '7' },
      { type: 'text', text: '' },
      { type: 'text', text: 'x'.repeat(10_001) },
    ];
    for (const message of bad) expect(clientMessageSchema.safeParse(message).success).toBe(false);
  });

  it('describes server messages with their fields', () => {
    expect(serverMessageSchema.safeParse({ type: 'pong', id: 1 }).success).toBe(true);
    expect(
      serverMessageSchema.safeParse({
        type: 'turn_metrics',
        turnId: 't',
        sttFirstPartialMs: 120,
        endOfSpeechToFinalMs: 300,
        llmTtftMs: 400,
        ttsTtfbMs: 200,
        e2eMs: 650,
        speculative: true,
      }).success,
    ).toBe(true);
    expect(
      serverMessageSchema.safeParse({ type: 'response_end', turnId: 't', text: 'hi' }).success,
    ).toBe(false);
  });

  it('keeps the documented defaults consistent', () => {
    expect(VOICE_DEFAULTS.frameBytes).toBe(
      (VOICE_DEFAULTS.inputSampleRate * VOICE_DEFAULTS.frameMs * 2) / 1000,
    );
  });
});
