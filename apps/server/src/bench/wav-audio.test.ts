import { describe, expect, it } from 'vitest';
import { encodeWav } from '../voice-v1/wav.js';
import {
  downmix,
  FRAME_BYTES,
  findSpeech,
  joinFrames,
  readWavAs16kMono,
  toFrames,
} from './wav-audio.js';

function tone(samples: number, rate: number, amplitude: number): Int16Array {
  return Int16Array.from({ length: samples }, (_, i) =>
    Math.round(amplitude * Math.sin((2 * Math.PI * 440 * i) / rate)),
  );
}

const bytesOf = (samples: Int16Array) =>
  new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);

describe('readWavAs16kMono', () => {
  it('resamples espeak-ng style 22.05 kHz mono to 16 kHz', () => {
    const wav = encodeWav(bytesOf(tone(22_050, 22_050, 8_000)), 22_050);
    const samples = readWavAs16kMono(wav);
    expect(Math.abs(samples.length - 16_000)).toBeLessThanOrEqual(2);
    const peak = Math.max(...samples.slice(100, 15_900).map(Math.abs));
    expect(peak).toBeGreaterThan(7_000);
    expect(peak).toBeLessThan(9_000);
  });

  it('mixes stereo down to mono', () => {
    const stereo = Int16Array.from([1_000, 3_000, -2_000, 2_000]);
    expect([...downmix(stereo, 2)]).toEqual([2_000, 0]);
    const wav = encodeWav(bytesOf(Int16Array.from({ length: 3_200 }, () => 500)), 16_000, 2);
    expect(readWavAs16kMono(wav).length).toBe(1_600);
  });

  it('refuses what is not a 16-bit PCM WAV', () => {
    expect(() => readWavAs16kMono(new TextEncoder().encode('not a wav at all'))).toThrow();
    const wav = encodeWav(new Uint8Array(64), 16_000);
    new DataView(wav.buffer).setUint16(34, 8, true); // bits per sample
    expect(() => readWavAs16kMono(wav)).toThrow(/16-bit/);
  });
});

describe('toFrames and findSpeech', () => {
  it('cuts 100 ms frames, padding the last one, each with its own buffer', () => {
    const frames = toFrames(new Int16Array(1_600 * 2 + 10));
    expect(frames.map((f) => f.byteLength)).toEqual([FRAME_BYTES, FRAME_BYTES, FRAME_BYTES]);
    expect(new Set(frames.map((f) => f.buffer)).size).toBe(3);
  });

  it('finds speech by energy: first and last loud frame, gaps not counted', () => {
    const quiet = new Int16Array(1_600);
    const loud = tone(1_600, 16_000, 4_000);
    const whisper = tone(1_600, 16_000, 300); // below the fake's threshold
    const parts = [quiet, loud, loud, whisper, loud, quiet, quiet];
    const samples = new Int16Array(parts.length * 1_600);
    for (const [i, part] of parts.entries()) samples.set(part, i * 1_600);
    expect(findSpeech(toFrames(samples))).toEqual({ first: 1, last: 4, loudFrames: 3 });
    expect(findSpeech(toFrames(new Int16Array(16_000)))).toBeUndefined();
  });

  it('joins frames back into one recording', () => {
    const frames = [Uint8Array.of(1, 2), Uint8Array.of(3, 4)];
    expect([...joinFrames(frames)]).toEqual([1, 2, 3, 4]);
  });
});
