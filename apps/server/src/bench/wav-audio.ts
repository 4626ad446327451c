/**
 * @module bench/wav-audio
 * Speech WAVs as the benchmark streams them: decoded, mixed to mono, resampled to 16 kHz PCM16,
 * cut into 100 ms frames, with the speech located by the same energy rule the fake Deepgram
 * uses (a frame is speech when its RMS level reaches the threshold). End of speech is the last
 * speech frame: the moment it is sent is when the user stopped talking.
 */
import { DEFAULT_SPEECH_THRESHOLD, rmsLevel } from '@atlas/fakes';
import { resamplePcm16, samplesToBytes } from '../providers/tts/pcm-resampler.js';
import { parseWav } from '../providers/tts/wav-reader.js';

export const BENCH_SAMPLE_RATE = 16_000;
export const FRAME_MS = 100;
export const FRAME_BYTES = (BENCH_SAMPLE_RATE * FRAME_MS * 2) / 1000;

/** A WAV file as 16 kHz mono PCM16 samples. */
export function readWavAs16kMono(bytes: Uint8Array): Int16Array {
  const { format, samples } = parseWav(bytes);
  if (format.bitsPerSample !== 16) {
    throw new Error(`WAV: only 16-bit PCM is supported, got ${format.bitsPerSample}-bit`);
  }
  const mono = downmix(samples, format.channels);
  return resamplePcm16(mono, format.sampleRate, BENCH_SAMPLE_RATE);
}

/** Averages interleaved channels into one. */
export function downmix(samples: Int16Array, channels: number): Int16Array {
  if (channels === 1) return samples;
  if (!Number.isInteger(channels) || channels < 1) throw new Error(`WAV: ${channels} channels`);
  const out = new Int16Array(Math.floor(samples.length / channels));
  for (let i = 0; i < out.length; i++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += samples[i * channels + c] ?? 0;
    out[i] = Math.round(sum / channels);
  }
  return out;
}

/**
 * Cuts PCM16 samples into frames of `frameBytes` (the last one zero-padded to full size, as a
 * microphone always delivers whole frames). Each frame owns its buffer: the STT adapter keeps
 * frames by reference until they are settled.
 */
export function toFrames(samples: Int16Array, frameBytes = FRAME_BYTES): Uint8Array[] {
  const bytes = samplesToBytes(samples);
  const frames: Uint8Array[] = [];
  for (let offset = 0; offset < bytes.byteLength; offset += frameBytes) {
    const frame = new Uint8Array(frameBytes);
    frame.set(bytes.subarray(offset, Math.min(offset + frameBytes, bytes.byteLength)));
    frames.push(frame);
  }
  return frames;
}

export interface SpeechSpan {
  /** Index of the first frame loud enough to be speech. */
  readonly first: number;
  /** Index of the last such frame: end of speech is when it is sent. */
  readonly last: number;
  /** Speech frames in between, gaps excluded. */
  readonly loudFrames: number;
}

/** Where the speech is, by frame energy; `undefined` when no frame is loud enough. */
export function findSpeech(
  frames: readonly Uint8Array[],
  threshold = DEFAULT_SPEECH_THRESHOLD,
): SpeechSpan | undefined {
  let first = -1;
  let last = -1;
  let loudFrames = 0;
  frames.forEach((frame, index) => {
    if (rmsLevel(frame) < threshold) return;
    if (first < 0) first = index;
    last = index;
    loudFrames++;
  });
  return first < 0 ? undefined : { first, last, loudFrames };
}

/** PCM16 bytes of whole frames, for uploading an utterance as one recording. */
export function joinFrames(frames: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(frames.reduce((sum, frame) => sum + frame.byteLength, 0));
  let offset = 0;
  for (const frame of frames) {
    out.set(frame, offset);
    offset += frame.byteLength;
  }
  return out;
}
