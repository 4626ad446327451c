import { describe, expect, it } from 'vitest';
import { decodeWav, encodeWav } from './wav.js';

describe('WAV', () => {
  it('round-trips PCM16 mono with its sample rate', () => {
    const pcm = new Uint8Array([1, 2, 3, 4, 5, 6]);
    const wav = encodeWav(pcm, 16_000);
    expect(wav.byteLength).toBe(50);
    expect(new TextDecoder().decode(wav.subarray(0, 4))).toBe('RIFF');
    const decoded = decodeWav(wav);
    expect(decoded.sampleRate).toBe(16_000);
    expect(Array.from(decoded.pcm)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('skips chunks it does not need and tolerates a data size larger than the file', () => {
    const wav = encodeWav(new Uint8Array([9, 9, 8, 8]), 24_000);
    const list = new Uint8Array([0x4c, 0x49, 0x53, 0x54, 2, 0, 0, 0, 0xaa, 0xbb]); // "LIST", 2 bytes
    const withList = new Uint8Array(wav.byteLength + list.byteLength);
    withList.set(wav.subarray(0, 36));
    withList.set(list, 36);
    withList.set(wav.subarray(36), 36 + list.byteLength);
    new DataView(withList.buffer).setUint32(36 + list.byteLength + 4, 0xffffffff, true);
    const decoded = decodeWav(withList);
    expect(decoded.sampleRate).toBe(24_000);
    expect(Array.from(decoded.pcm)).toEqual([9, 9, 8, 8]);
  });

  it('gives a clear error for anything that is not PCM16 mono WAV', () => {
    expect(() => decodeWav(new Uint8Array([1, 2, 3]))).toThrow(/not a WAV/);
    const stereo = encodeWav(new Uint8Array(4), 16_000);
    new DataView(stereo.buffer).setUint16(22, 2, true);
    expect(() => decodeWav(stereo)).toThrow(/PCM16 mono/);
    expect(() => decodeWav(encodeWav(new Uint8Array(0), 8_000).subarray(0, 36))).toThrow(
      /no audio data/,
    );
  });
});
