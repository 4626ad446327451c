/**
 * @module providers/tts/pcm-resampler
 * A streaming windowed-sinc resampler for PCM16 mono, so every TTS reaches clients at one rate
 * (24 kHz, OpenAI's) and offline speech reaches PocketSphinx at 16 kHz whatever produced it.
 *
 * Linear interpolation would be cheaper, but going down (22 050 → 16 000 Hz) it folds everything
 * above the new Nyquist back into the band as audible hiss that also hurts recognition; a sinc
 * kernel low-passed at the lower of the two Nyquist frequencies (Blackman window) avoids that and
 * interpolates cleanly going up. The kernel is polyphase: for rational ratios (all common rates)
 * each output sample uses one of `up` precomputed phases, so the per-sample cost is a short dot
 * product (~32 taps up, ~45 taps down) with no trigonometry.
 */

/** Kernel half-width in input samples at full bandwidth; widened when low-passing. */
const DEFAULT_HALF_TAPS = 16;
/** Beyond this many phases a table costs more memory than it saves; weights are computed. */
const MAX_TABLE_PHASES = 2048;
/** Fraction of the lower Nyquist kept: a transition band keeps the kernel short. */
const PASSBAND = 0.92;

export interface PcmResamplerOptions {
  /** Kernel half-width in input samples at full bandwidth (quality vs. CPU). Default 16. */
  halfTaps?: number;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

function clamp16(value: number): number {
  const rounded = Math.round(value);
  return rounded > 32767 ? 32767 : rounded < -32768 ? -32768 : rounded;
}

/**
 * Converts PCM16 mono from one sample rate to another, chunk by chunk. Output sample `n` is the
 * band-limited value of the input at time `n / outRate` exactly (no added delay); the kernel's
 * look-ahead means the newest `halfTaps` input samples are held until more arrive or `flush()`.
 *
 * @example
 * const resampler = new PcmResampler(22_050, 24_000);
 * const a = resampler.push(firstChunk);   // Int16Array at 24 kHz
 * const b = resampler.flush();            // the held tail
 */
export class PcmResampler {
  readonly inputRate: number;
  readonly outputRate: number;
  /** Output advances `down` input steps per `up` output samples. */
  readonly #up: number;
  readonly #down: number;
  readonly #cutoff: number;
  /** Taps per side, in input samples. */
  readonly #half: number;
  /** `up` phases × `2 * half` weights, or undefined when computed per sample. */
  readonly #table: Float32Array | undefined;
  /** Input not yet consumed, starting at absolute input index `#base` (history included). */
  #buffer = new Float32Array(0);
  #base = 0;
  /** Absolute input samples received. */
  #received = 0;
  /** Next output sample's index. */
  #next = 0;
  #flushed = false;

  constructor(inputRate: number, outputRate: number, options: PcmResamplerOptions = {}) {
    if (!Number.isInteger(inputRate) || !Number.isInteger(outputRate))
      throw new RangeError('sample rates must be integers');
    if (inputRate <= 0 || outputRate <= 0) throw new RangeError('sample rates must be positive');
    this.inputRate = inputRate;
    this.outputRate = outputRate;
    const divisor = gcd(inputRate, outputRate);
    this.#up = outputRate / divisor;
    this.#down = inputRate / divisor;
    // Relative to the input's Nyquist: below 1 only when the output cannot carry the input's band.
    this.#cutoff = Math.min(1, outputRate / inputRate) * PASSBAND;
    this.#half = Math.ceil((options.halfTaps ?? DEFAULT_HALF_TAPS) / Math.min(1, this.#cutoff));
    this.#table = this.#up <= MAX_TABLE_PHASES ? this.#buildTable() : undefined;
    // History before the first sample is silence, so the first outputs see a full window.
    this.#buffer = new Float32Array(this.#half);
    this.#base = -this.#half;
  }

  /** True when input and output rates are equal (push() then copies). */
  get isPassthrough(): boolean {
    return this.inputRate === this.outputRate;
  }

  /** Resamples the next chunk; returns the output samples that are now complete. */
  push(input: Int16Array): Int16Array {
    if (this.#flushed) throw new Error('PcmResampler: push() after flush()');
    if (this.isPassthrough) return input.slice();
    const merged = new Float32Array(this.#buffer.length + input.length);
    merged.set(this.#buffer);
    for (let i = 0; i < input.length; i++) merged[this.#buffer.length + i] = input[i] ?? 0;
    this.#buffer = merged;
    this.#received += input.length;
    return this.#drain(this.#received - this.#half);
  }

  /** Emits the held tail (the input's last samples, windowed against silence) and ends. */
  flush(): Int16Array {
    if (this.#flushed || this.isPassthrough) {
      this.#flushed = true;
      return new Int16Array(0);
    }
    this.#flushed = true;
    // Pad with silence so the last outputs have their full window.
    const padded = new Float32Array(this.#buffer.length + this.#half + 1);
    padded.set(this.#buffer);
    this.#buffer = padded;
    // Exactly ceil(received * up / down) outputs cover the input's duration.
    const total = Math.ceil((this.#received * this.#up) / this.#down);
    const out = this.#drain(Number.POSITIVE_INFINITY, total);
    this.#buffer = new Float32Array(0);
    return out;
  }

  /**
   * Emits outputs whose window ends at or before input index `available - 1` (absolute), up to
   * `limit` outputs in total, then drops input no later output can need.
   */
  #drain(available: number, limit = Number.POSITIVE_INFINITY): Int16Array {
    const half = this.#half;
    const up = this.#up;
    const down = this.#down;
    const results: number[] = [];
    const buffer = this.#buffer;
    const end = Math.min(available, this.#base + buffer.length - half);
    for (;;) {
      if (this.#next >= limit) break;
      const position = this.#next * down;
      const centre = Math.floor(position / up);
      if (centre >= end) break;
      const phase = position - centre * up;
      // Taps cover input indices centre - half + 1 … centre + half.
      const first = centre - half + 1 - this.#base;
      let sum = 0;
      if (this.#table) {
        const offset = phase * 2 * half;
        for (let k = 0; k < 2 * half; k++) {
          sum += (buffer[first + k] ?? 0) * (this.#table[offset + k] ?? 0);
        }
      } else {
        const weights = this.#weights(phase / up);
        for (let k = 0; k < 2 * half; k++) sum += (buffer[first + k] ?? 0) * (weights[k] ?? 0);
      }
      results.push(clamp16(sum));
      this.#next++;
    }
    // Keep from the first sample the next output's window needs.
    const nextCentre = Math.floor((this.#next * down) / up);
    const keepFrom = nextCentre - half + 1;
    const drop = Math.max(0, Math.min(keepFrom - this.#base, buffer.length));
    if (drop > 0) {
      this.#buffer = buffer.slice(drop);
      this.#base += drop;
    }
    return Int16Array.from(results);
  }

  #buildTable(): Float32Array {
    const taps = 2 * this.#half;
    const table = new Float32Array(this.#up * taps);
    for (let phase = 0; phase < this.#up; phase++) {
      table.set(this.#weights(phase / this.#up), phase * taps);
    }
    return table;
  }

  /** Kernel weights for an output between input samples, `fraction` past the centre one. */
  #weights(fraction: number): Float64Array {
    const half = this.#half;
    const cutoff = this.#cutoff;
    const weights = new Float64Array(2 * half);
    let total = 0;
    for (let k = 0; k < 2 * half; k++) {
      // Distance from the tap (input index centre - half + 1 + k) to the output's position.
      const distance = k - half + 1 - fraction;
      const x = cutoff * distance;
      const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
      const w = distance / half; // within [-1, 1]
      const blackman = 0.42 + 0.5 * Math.cos(Math.PI * w) + 0.08 * Math.cos(2 * Math.PI * w);
      const weight = Math.abs(w) >= 1 ? 0 : cutoff * sinc * blackman;
      weights[k] = weight;
      total += weight;
    }
    // Unity gain at DC for every phase, so a constant stays constant (no phase-dependent ripple).
    for (let k = 0; k < weights.length; k++) weights[k] = (weights[k] ?? 0) / total;
    return weights;
  }
}

/** Resamples a whole buffer at once. */
export function resamplePcm16(
  input: Int16Array,
  inputRate: number,
  outputRate: number,
): Int16Array {
  if (inputRate === outputRate) return input.slice();
  const resampler = new PcmResampler(inputRate, outputRate);
  const head = resampler.push(input);
  const tail = resampler.flush();
  const out = new Int16Array(head.length + tail.length);
  out.set(head);
  out.set(tail, head.length);
  return out;
}

/** Views PCM16 LE bytes as samples (copies only when the bytes are unaligned). */
export function bytesToSamples(bytes: Uint8Array): Int16Array {
  const count = bytes.byteLength >> 1;
  if (bytes.byteOffset % 2 === 0) return new Int16Array(bytes.buffer, bytes.byteOffset, count);
  return new Int16Array(bytes.slice(0, count * 2).buffer);
}

/** The samples' bytes (a view, no copy); PCM16 LE on little-endian hosts (all Node targets). */
export function samplesToBytes(samples: Int16Array): Uint8Array {
  return new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
}
