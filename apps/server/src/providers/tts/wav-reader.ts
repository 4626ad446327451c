/**
 * @module providers/tts/wav-reader
 * Reads a PCM16 WAV stream as it arrives: skips chunks until `data`, then hands out samples.
 *
 * Size fields are not trusted: a WAV written to a pipe cannot seek back to patch them, so
 * writers such as Debian's `espeak-ng --stdout` leave placeholders (0x7ffff000 and friends) in
 * the RIFF and `data` sizes. The reader therefore treats everything after the `data` header as
 * audio until the stream ends, and only uses the sizes of chunks that precede `data`.
 */

export interface WavFormat {
  readonly sampleRate: number;
  readonly channels: number;
  readonly bitsPerSample: number;
}

/** Headers longer than this without a `data` chunk are not a WAV we can play. */
const MAX_HEADER_BYTES = 64 * 1024;

/**
 * @example
 * const reader = new WavStreamReader();
 * for await (const chunk of stdout) {
 *   const samples = reader.push(chunk);          // Int16Array, maybe empty
 *   if (reader.format) use(reader.format.sampleRate, samples);
 * }
 */
export class WavStreamReader {
  #format: WavFormat | undefined;
  #inData = false;
  /** Header bytes not parsed yet, or the odd trailing byte of a sample split across chunks. */
  #pending: Uint8Array = new Uint8Array(0);

  /** Known once the `fmt ` chunk has been read. */
  get format(): WavFormat | undefined {
    return this.#format;
  }

  /** True once the `data` chunk's header has been passed. */
  get inData(): boolean {
    return this.#inData;
  }

  /** Feeds bytes; returns the complete 16-bit samples they finish (interleaved if stereo). */
  push(bytes: Uint8Array): Int16Array {
    let input = concat(this.#pending, bytes);
    this.#pending = new Uint8Array(0);
    if (!this.#inData) {
      const start = this.#parseHeader(input);
      if (start === undefined) {
        if (input.byteLength > MAX_HEADER_BYTES) throw new Error('WAV: no data chunk found');
        this.#pending = input;
        return new Int16Array(0);
      }
      input = input.subarray(start);
    }
    const even = input.byteLength & ~1;
    if (even < input.byteLength) this.#pending = input.slice(even);
    // Copy into a fresh, aligned buffer: callers may keep or transfer the samples.
    const samples = new Int16Array(even / 2);
    new Uint8Array(samples.buffer).set(input.subarray(0, even));
    return samples;
  }

  /** Parses chunks up to `data`; returns the offset of the first audio byte, or undefined. */
  #parseHeader(buffer: Uint8Array): number | undefined {
    if (buffer.byteLength < 12) return undefined;
    const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    if (ascii(buffer, 0) !== 'RIFF' || ascii(buffer, 8) !== 'WAVE')
      throw new Error('WAV: not a RIFF/WAVE stream');
    let offset = 12;
    while (offset + 8 <= buffer.byteLength) {
      const id = ascii(buffer, offset);
      const size = view.getUint32(offset + 4, true);
      if (id === 'data') {
        if (!this.#format) throw new Error('WAV: data chunk before fmt chunk');
        this.#inData = true;
        return offset + 8;
      }
      // Chunks are word-aligned: an odd size is followed by a pad byte.
      const next = offset + 8 + size + (size & 1);
      if (next > buffer.byteLength) return undefined;
      if (id === 'fmt ') this.#format = readFormat(view, offset + 8);
      offset = next;
    }
    return undefined;
  }
}

function readFormat(view: DataView, offset: number): WavFormat {
  const audioFormat = view.getUint16(offset, true);
  const format: WavFormat = {
    channels: view.getUint16(offset + 2, true),
    sampleRate: view.getUint32(offset + 4, true),
    bitsPerSample: view.getUint16(offset + 14, true),
  };
  // 1 = integer PCM; 0xfffe = WAVE_FORMAT_EXTENSIBLE (the subformat is checked by the bit depth).
  if ((audioFormat !== 1 && audioFormat !== 0xfffe) || format.bitsPerSample !== 16) {
    throw new Error(
      `WAV: only 16-bit PCM is supported (format ${audioFormat}, ${format.bitsPerSample} bits)`,
    );
  }
  return format;
}

function ascii(buffer: Uint8Array, offset: number): string {
  return String.fromCharCode(...buffer.subarray(offset, offset + 4));
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.byteLength === 0) return b;
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a);
  out.set(b, a.byteLength);
  return out;
}

/** Parses a whole WAV file (placeholder sizes allowed) into its format and samples. */
export function parseWav(bytes: Uint8Array): { format: WavFormat; samples: Int16Array } {
  const reader = new WavStreamReader();
  const samples = reader.push(bytes);
  if (!reader.format || !reader.inData) throw new Error('WAV: incomplete header');
  return { format: reader.format, samples };
}
