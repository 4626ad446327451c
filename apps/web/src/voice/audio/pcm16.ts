/**
 * @module voice/audio/pcm16
 * PCM16 little-endian, the only audio encoding on the voice wire: float samples to bytes (with
 * clipping, so a hot microphone saturates instead of wrapping around), bytes back to floats,
 * and the frame assembler that turns a stream of samples into exactly-sized frames.
 */

/** Float samples in [-1, 1] (clipped) as signed 16-bit little-endian bytes. */
export function floatToPcm16(samples: Float32Array): Uint8Array {
  const bytes = new Uint8Array(samples.length * 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < samples.length; i++)
    view.setInt16(i * 2, floatToInt16(samples[i] ?? 0), true);
  return bytes;
}

export function floatToInt16(sample: number): number {
  if (Number.isNaN(sample)) return 0;
  const clipped = Math.max(-1, Math.min(1, sample));
  return clipped < 0 ? Math.round(clipped * 0x8000) : Math.round(clipped * 0x7fff);
}

/**
 * PCM16 LE bytes as float samples in [-1, 1). A trailing odd byte is not a sample and is
 * ignored: callers that receive audio in arbitrary pieces carry it over themselves.
 */
export function pcm16ToFloat(bytes: Uint8Array): Float32Array<ArrayBuffer> {
  const count = bytes.byteLength >> 1;
  const view = new DataView(bytes.buffer, bytes.byteOffset, count * 2);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = view.getInt16(i * 2, true) / 0x8000;
  return out;
}

/** Root mean square of samples (0 for none): the loudness the level meter and VAD use. */
export function rms(samples: Float32Array): number {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (const sample of samples) sum += sample * sample;
  return Math.sqrt(sum / samples.length);
}

/**
 * Collects PCM16 samples and hands out frames of exactly `frameSamples` samples, each in its own
 * ArrayBuffer so it can be transferred to another thread without copying.
 *
 * @example
 * const frames = new FrameAssembler(1600); // 100 ms at 16 kHz = 3,200 bytes
 * for (const frame of frames.push(samples)) socket.send(frame);
 */
export class FrameAssembler {
  readonly frameSamples: number;
  #frame: DataView;
  #filled = 0;
  /** Sum of squares of the samples in the current frame, for its level. */
  #energy = 0;

  constructor(frameSamples: number) {
    if (!Number.isInteger(frameSamples) || frameSamples <= 0) {
      throw new RangeError(
        `A frame needs a positive whole number of samples (got ${frameSamples}).`,
      );
    }
    this.frameSamples = frameSamples;
    this.#frame = new DataView(new ArrayBuffer(frameSamples * 2));
  }

  /** Adds float samples; returns the frames completed by them with their RMS level. */
  push(samples: Float32Array): { pcm: ArrayBuffer; level: number }[] {
    const done: { pcm: ArrayBuffer; level: number }[] = [];
    for (const sample of samples) {
      const value = floatToInt16(sample);
      this.#frame.setInt16(this.#filled * 2, value, true);
      const normalised = value / 0x8000;
      this.#energy += normalised * normalised;
      this.#filled++;
      if (this.#filled === this.frameSamples) {
        done.push({
          pcm: this.#frame.buffer as ArrayBuffer,
          level: Math.sqrt(this.#energy / this.frameSamples),
        });
        this.#frame = new DataView(new ArrayBuffer(this.frameSamples * 2));
        this.#filled = 0;
        this.#energy = 0;
      }
    }
    return done;
  }
}
