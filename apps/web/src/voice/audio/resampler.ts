/**
 * @module voice/audio/resampler
 * A streaming band-limited resampler (windowed-sinc FIR, Blackman window) for the microphone:
 * the context rate (usually 48 kHz) down to the 16 kHz the voice gateway expects. A low-pass at
 * 90 % of the output Nyquist frequency keeps energy above 8 kHz from folding back into the
 * speech band as it would with nearest-sample or linear decimation.
 *
 * Output sample `n` sits exactly at input position `n * inRate / outRate` (the kernel is
 * symmetric, so there is no phase shift), and results do not depend on how the input is split
 * into calls: the resampler keeps the history it needs between calls.
 *
 * @example
 * const resampler = new StreamingResampler(48_000, 16_000);
 * const out = resampler.process(block); // about block.length / 3 samples
 */

/** Zero crossings of the sinc on each side of the centre: more = steeper filter, more work. */
const ZERO_CROSSINGS = 16;
/** Cut-off as a fraction of the output Nyquist frequency: leaves room for the transition band. */
const CUTOFF_FRACTION = 0.9;
/** Fractional positions are quantised to 1/PHASES of an input sample so kernels can be cached. */
const PHASES = 512;

export class StreamingResampler {
  readonly inRate: number;
  readonly outRate: number;
  readonly #step: number;
  /** Cut-off in cycles per input sample. */
  readonly #cutoff: number;
  readonly #halfWidth: number;
  readonly #kernels = new Map<number, Float32Array>();
  /** Input history; `#buffer[0]` is absolute input sample `#bufferStart`. */
  #buffer: Float32Array;
  #length = 0;
  #bufferStart: number;
  #totalIn = 0;
  #nextOut = 0;

  constructor(inRate: number, outRate: number) {
    if (!(inRate > 0 && outRate > 0) || !Number.isFinite(inRate) || !Number.isFinite(outRate)) {
      throw new RangeError(`Sample rates must be positive numbers (got ${inRate} → ${outRate}).`);
    }
    this.inRate = inRate;
    this.outRate = outRate;
    this.#step = inRate / outRate;
    // Upsampling only needs the input's own band limit.
    this.#cutoff = (0.5 * CUTOFF_FRACTION) / Math.max(1, this.#step);
    this.#halfWidth = Math.ceil(ZERO_CROSSINGS / (2 * this.#cutoff));
    // The samples before the first one are silence, so the first outputs are well defined.
    this.#bufferStart = -this.#halfWidth;
    this.#buffer = new Float32Array(4 * this.#halfWidth + 1024);
    this.#length = this.#halfWidth;
  }

  /** Resamples the next block of input; returns every output sample that is complete. */
  process(input: Float32Array): Float32Array {
    this.#append(input);
    const half = this.#halfWidth;
    // Output n reads inputs up to floor(n * step) + 1 + half (when its phase rounds up).
    const available = this.#totalIn - 2 - half;
    const count =
      available < 0 ? 0 : Math.max(0, Math.floor(available / this.#step) + 1 - this.#nextOut);
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) {
      const position = (this.#nextOut + i) * this.#step;
      const base = Math.floor(position);
      const phase = Math.round((position - base) * PHASES);
      // A phase of PHASES means the next whole sample.
      const centre = phase === PHASES ? base + 1 : base;
      const kernel = this.#kernel(phase === PHASES ? 0 : phase);
      const first = centre - half + 1 - this.#bufferStart;
      let sum = 0;
      for (let k = 0; k < kernel.length; k++)
        sum += (this.#buffer[first + k] ?? 0) * (kernel[k] ?? 0);
      out[i] = sum;
    }
    this.#nextOut += count;
    this.#discardConsumed();
    return out;
  }

  #append(input: Float32Array): void {
    if (this.#length + input.length > this.#buffer.length) {
      const grown = new Float32Array(
        Math.max(this.#buffer.length * 2, this.#length + input.length),
      );
      grown.set(this.#buffer.subarray(0, this.#length));
      this.#buffer = grown;
    }
    this.#buffer.set(input, this.#length);
    this.#length += input.length;
    this.#totalIn += input.length;
  }

  /** Drops history no future output can reach. */
  #discardConsumed(): void {
    const keepFrom = Math.floor(this.#nextOut * this.#step) - this.#halfWidth;
    const drop = keepFrom - this.#bufferStart;
    if (drop <= 0) return;
    this.#buffer.copyWithin(0, drop, this.#length);
    this.#length -= drop;
    this.#bufferStart += drop;
  }

  /**
   * Taps for an output that sits `phase / PHASES` of a sample after input `centre`: taps cover
   * inputs `centre - half + 1 … centre + half`. Normalised to a DC gain of exactly 1.
   */
  #kernel(phase: number): Float32Array {
    const cached = this.#kernels.get(phase);
    if (cached) return cached;
    const half = this.#halfWidth;
    const fraction = phase / PHASES;
    const taps = new Float32Array(2 * half);
    let total = 0;
    for (let k = 0; k < taps.length; k++) {
      const distance = k - half + 1 - fraction; // input position minus output position
      const x = 2 * this.#cutoff * distance;
      const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
      const w = (distance + half) / (2 * half); // 0..1 across the window
      const blackman =
        w <= 0 || w >= 1
          ? 0
          : 0.42 - 0.5 * Math.cos(2 * Math.PI * w) + 0.08 * Math.cos(4 * Math.PI * w);
      const value = sinc * blackman;
      taps[k] = value;
      total += value;
    }
    for (let k = 0; k < taps.length; k++) taps[k] = (taps[k] ?? 0) / total;
    this.#kernels.set(phase, taps);
    return taps;
  }
}
