/**
 * @module anthropic/text-pacing
 * How the fake LLM servers (Anthropic here, OpenAI chat too) cut a reply into streamed pieces,
 * count tokens, and pace them by a latency profile. Counting is a deterministic estimate (~4
 * characters per token, like Atlas's own `estimateTokens`) so tests can predict usage exactly.
 */
import { sleep } from '../http-server.js';
import type { LatencyProfile } from '../profiles.js';

/** ~4 characters per token, at least 1 for non-empty text. */
export function countTokens(text: string): number {
  return text.length === 0 ? 0 : Math.max(1, Math.ceil(text.length / 4));
}

/**
 * Splits a reply into the pieces streamed as deltas: each word with its leading whitespace, the
 * way BPE tokens usually carry the space before a word. Joining the pieces gives the reply back.
 */
export function splitReply(text: string): string[] {
  return text.match(/\s*\S+|\s+$/g) ?? [];
}

/** The input size of a request: system prompt plus every message's text. */
export function countInputTokens(system: unknown, messages: unknown): number {
  const texts: string[] = [];
  const collect = (value: unknown): void => {
    if (typeof value === 'string') texts.push(value);
    else if (Array.isArray(value)) for (const item of value) collect(item);
    else if (value && typeof value === 'object') {
      const record = value as Record<string, unknown>;
      if (typeof record.text === 'string') texts.push(record.text);
      else if ('content' in record) collect(record.content);
    }
  };
  collect(system);
  collect(messages);
  return countTokens(texts.join(' '));
}

/** Waits the profile's time to first token; resolves early if the client has gone. */
export function waitFirstToken(profile: LatencyProfile, signal: AbortSignal): Promise<void> {
  return signal.aborted ? Promise.resolve() : sleep(profile.llm.timeToFirstTokenMs, signal);
}

/** Waits as long as generating `piece` takes at the profile's rate (0 = no wait). */
export function waitForPiece(
  profile: LatencyProfile,
  piece: string,
  signal: AbortSignal,
): Promise<void> {
  const rate = profile.llm.tokensPerSecond;
  if (rate <= 0 || signal.aborted) return Promise.resolve();
  return sleep((countTokens(piece) * 1000) / rate, signal);
}

/** Writes `chunk` and resolves once it is handed to the socket (so a later cut cannot drop it). */
export function writeFlushed(
  response: { write(chunk: string, callback: (error?: Error | null) => void): boolean },
  chunk: string,
): Promise<void> {
  return new Promise((resolve) => {
    response.write(chunk, () => resolve());
  });
}
