/**
 * @module voice/audio/wav
 * The WAV container for the V1 (batch) voice path: a recorded turn (PCM16 mono) is uploaded as
 * a WAV file, and `/v1/voice/speak` answers with one. Only canonical PCM16 mono files are
 * read; anything else is a clear error rather than noise.
 */

/** PCM16 LE mono bytes wrapped in a 44-byte RIFF/WAVE header. */
export function encodeWav(pcm: Uint8Array, sampleRate: number): Uint8Array {
  const out = new Uint8Array(44 + pcm.byteLength);
  const view = new DataView(out.buffer);
  const ascii = (offset: number, text: string) => {
    for (let i = 0; i < text.length; i++) view.setUint8(offset + i, text.charCodeAt(i));
  };
  ascii(0, 'RIFF');
  view.setUint32(4, 36 + pcm.byteLength, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  ascii(36, 'data');
  view.setUint32(40, pcm.byteLength, true);
  out.set(pcm, 44);
  return out;
}

export interface DecodedWav {
  sampleRate: number;
  /** PCM16 LE mono samples (a view into the input). */
  pcm: Uint8Array;
}

/** Reads a PCM16 mono WAV, walking its chunks (other chunks such as LIST are skipped). */
export function decodeWav(bytes: Uint8Array): DecodedWav {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (offset: number) =>
    String.fromCharCode(...bytes.subarray(offset, Math.min(offset + 4, bytes.byteLength)));
  if (bytes.byteLength < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') {
    throw new Error('The audio is not a WAV file.');
  }
  let sampleRate: number | undefined;
  let offset = 12;
  while (offset + 8 <= bytes.byteLength) {
    const id = tag(offset);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (body + 16 > bytes.byteLength) break;
      const format = view.getUint16(body, true);
      const channels = view.getUint16(body + 2, true);
      const bits = view.getUint16(body + 14, true);
      if (format !== 1 || channels !== 1 || bits !== 16) {
        throw new Error(
          `Only PCM16 mono WAV is supported (format ${format}, ${channels} ch, ${bits} bit).`,
        );
      }
      sampleRate = view.getUint32(body + 4, true);
    } else if (id === 'data') {
      if (sampleRate === undefined) throw new Error('The WAV file has no format before its data.');
      // A streamed WAV may declare a larger size than it has: take what is there.
      const end = Math.min(bytes.byteLength, body + size);
      return { sampleRate, pcm: bytes.subarray(body, end - ((end - body) % 2)) };
    }
    offset = body + size + (size % 2);
  }
  throw new Error('The WAV file has no audio data.');
}
