/**
 * @module bench/bench-reply
 * What the fake LLM answers during benchmarks, and how long the fake takes to stream it. The
 * reply has a short first sentence (what a voice prompt asks the model for) and a few more, so
 * the first audio waits for one sentence while V1 waits for all of them.
 */
import { type LatencyProfile, SPEECH_CHUNK_MS, SPEECH_MS_PER_CHARACTER } from '@atlas/fakes';

export function benchReply(userText: string): string {
  const topic = userText.trim().replace(/[.?!]+$/, '') || 'that';
  return `Sure thing. You asked me ${topic}. Here is a short answer that takes a few seconds to say out loud. I hope that helps you.`;
}

/** The fake's streamed pieces: each word with its leading whitespace (see the fakes' text pacing). */
export function replyPieces(text: string): string[] {
  return text.match(/\s*\S+|\s+$/g) ?? [];
}

/** The fakes' token estimate: ~4 characters per token. */
function tokens(piece: string): number {
  return piece.length === 0 ? 0 : Math.max(1, Math.ceil(piece.length / 4));
}

/** ms after the first token until piece `count - 1` has been streamed (pieces after the first wait). */
function streamedAfterFirstMs(pieces: readonly string[], count: number, profile: LatencyProfile) {
  const rate = profile.llm.tokensPerSecond;
  if (rate <= 0) return 0;
  let ms = 0;
  for (let i = 1; i < Math.min(count, pieces.length); i++)
    ms += (tokens(pieces[i] ?? '') * 1000) / rate;
  return ms;
}

/**
 * ms after the first token until a sentence splitter can know the first sentence has ended: the
 * sentence's last piece and the whitespace that follows it, which arrives with the next piece.
 */
export function firstSentenceMs(text: string, profile: LatencyProfile): number {
  const pieces = replyPieces(text);
  const end = pieces.findIndex((piece) => /[.!?]$/.test(piece));
  const needed = end < 0 ? pieces.length : Math.min(pieces.length, end + 2);
  return streamedAfterFirstMs(pieces, needed, profile);
}

/** ms after the first token until the whole reply has been streamed. */
export function wholeReplyMs(text: string, profile: LatencyProfile): number {
  const pieces = replyPieces(text);
  return streamedAfterFirstMs(pieces, pieces.length, profile);
}

/**
 * ms from the speech request until the fake TTS has sent all of `text`'s audio: the first chunk
 * after the first-byte time, each later one after its real-time-factor share of its duration.
 */
export function wholeSynthesisMs(text: string, profile: LatencyProfile): number {
  const audioMs = text.length * SPEECH_MS_PER_CHARACTER;
  return (
    profile.tts.timeToFirstByteMs +
    Math.max(0, audioMs - SPEECH_CHUNK_MS) * profile.tts.realTimeFactor
  );
}
