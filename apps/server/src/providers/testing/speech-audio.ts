/**
 * @module providers/testing/speech-audio
 * Real speech for tests, made on the spot with `espeak-ng` (no audio files in the repository):
 * PocketSphinx tests and end-to-end voice calls feed it as a microphone would, in 100 ms frames.
 * Fails loudly when espeak-ng is missing, so a test can never pass by hearing nothing.
 */
import { EspeakTts } from '../tts/espeak-tts.js';
import { bytesToSamples } from '../tts/pcm-resampler.js';

export interface SpeechAudioOptions {
  /** Silence before the speech, ms (a microphone rarely starts mid-word). */
  leadingSilenceMs?: number;
  /** Silence after the speech, ms (lets endpointing see the end of the turn). */
  trailingSilenceMs?: number;
  /**
   * Peak amplitude of a faint noise floor added everywhere (0 = digital silence). Real
   * microphones never give exact zeros, and voice-activity detectors are tuned for that.
   */
  noise?: number;
  wordsPerMinute?: number;
  voice?: string;
}

/** Deterministic pseudo-random noise (the same audio every run). */
function noiseSource(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return ((state >>> 0) / 0xffffffff) * 2 - 1;
  };
}

/**
 * Speaks `text` with espeak-ng at `sampleRate` (PCM16 mono samples).
 *
 * @example
 * const pcm = await synthesizeSpeech('hello world', 16_000, { trailingSilenceMs: 1000 });
 * for (const frame of toFrames(pcm)) stream.pushAudio(frame);
 */
export async function synthesizeSpeech(
  text: string,
  sampleRate = 16_000,
  options: SpeechAudioOptions = {},
): Promise<Int16Array> {
  const availability = EspeakTts.available();
  if (!availability.available) throw new Error(`synthesizeSpeech: ${availability.detail}`);
  const tts = new EspeakTts({
    sampleRate,
    ...(options.voice === undefined ? {} : { voice: options.voice }),
    ...(options.wordsPerMinute === undefined ? {} : { wordsPerMinute: options.wordsPerMinute }),
  });
  const chunks: Uint8Array[] = [];
  for await (const chunk of tts.synthesize({ text, signal: new AbortController().signal })) {
    chunks.push(chunk.slice());
  }
  const speech = bytesToSamples(Buffer.concat(chunks));
  if (speech.length === 0)
    throw new Error(`synthesizeSpeech: espeak-ng produced no audio for "${text}"`);
  const lead = Math.round(((options.leadingSilenceMs ?? 0) * sampleRate) / 1000);
  const trail = Math.round(((options.trailingSilenceMs ?? 0) * sampleRate) / 1000);
  const out = new Int16Array(lead + speech.length + trail);
  out.set(speech, lead);
  const noise = options.noise ?? 0;
  if (noise > 0) {
    const next = noiseSource(text.length * 7919 + sampleRate);
    for (let i = 0; i < out.length; i++) {
      out[i] = Math.max(-32768, Math.min(32767, (out[i] ?? 0) + Math.round(next() * noise)));
    }
  }
  return out;
}

/** Splits PCM16 into frames of `frameBytes` (3200 = 100 ms at 16 kHz); the last may be shorter. */
export function toFrames(pcm: Int16Array | Uint8Array, frameBytes = 3200): Uint8Array[] {
  if (frameBytes <= 0 || frameBytes % 2 !== 0)
    throw new RangeError('frameBytes must be positive and even');
  const bytes = new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength);
  const frames: Uint8Array[] = [];
  for (let offset = 0; offset < bytes.byteLength; offset += frameBytes) {
    // Copies: a frame may be transferred to a worker, which would detach a shared buffer.
    frames.push(bytes.slice(offset, offset + frameBytes));
  }
  return frames;
}
