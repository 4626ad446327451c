/**
 * @module voice/audio/capture-pipeline
 * What the capture worklet does with each 128-sample render quantum, as plain code that tests
 * can drive: mix the channels down to mono, resample to 16 kHz and cut exact 100 ms PCM16
 * frames, each with its RMS level for the meter and the speech detector.
 */
import { FrameAssembler } from './pcm16.js';
import { StreamingResampler } from './resampler.js';

export interface CapturedFrame {
  /** PCM16 LE mono at 16 kHz, exactly `VOICE_DEFAULTS.frameBytes` (3,200) long. */
  pcm: ArrayBuffer;
  /** RMS of the frame, 0..1. */
  level: number;
}

/** The name the worklet registers its processor under. */
export const CAPTURE_PROCESSOR_NAME = 'atlas-capture';

/**
 * The wire format (`VOICE_DEFAULTS.inputSampleRate`, `frameMs`), repeated here on purpose: this
 * module runs in the worklet bundle, which must not pull in the protocol package (and zod with
 * it). A test checks the two agree.
 */
export const CAPTURE_SAMPLE_RATE = 16_000;
export const CAPTURE_FRAME_SAMPLES = 1_600;

export class CapturePipeline {
  readonly #resampler: StreamingResampler;
  readonly #frames = new FrameAssembler(CAPTURE_FRAME_SAMPLES);

  constructor(contextRate: number) {
    this.#resampler = new StreamingResampler(contextRate, CAPTURE_SAMPLE_RATE);
  }

  /** One render quantum: one Float32Array per input channel (none when the input is silent). */
  push(channels: readonly Float32Array[]): CapturedFrame[] {
    const mono = downmix(channels);
    if (mono.length === 0) return [];
    return this.#frames.push(this.#resampler.process(mono));
  }
}

export function downmix(channels: readonly Float32Array[]): Float32Array {
  const first = channels[0];
  if (first === undefined) return new Float32Array(0);
  if (channels.length === 1) return first;
  const out = new Float32Array(first.length);
  for (const channel of channels) {
    for (let i = 0; i < out.length; i++)
      out[i] = (out[i] ?? 0) + (channel[i] ?? 0) / channels.length;
  }
  return out;
}
