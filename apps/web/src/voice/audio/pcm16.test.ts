import { describe, expect, it } from 'vitest';
import { FrameAssembler, floatToInt16, floatToPcm16, pcm16ToFloat, rms } from './pcm16.js';

describe('PCM16 conversion', () => {
  it('writes signed 16-bit little-endian samples and clips out-of-range input', () => {
    const bytes = floatToPcm16(Float32Array.from([0, 1, -1, 0.5, 2, -2, Number.NaN]));
    const view = new DataView(bytes.buffer);
    const values = Array.from({ length: 7 }, (_, i) => view.getInt16(i * 2, true));
    expect(values).toEqual([0, 32_767, -32_768, 16_384, 32_767, -32_768, 0]);
    expect([bytes[2], bytes[3]]).toEqual([0xff, 0x7f]); // little-endian 0x7fff
  });

  it('reads bytes back to floats and ignores a trailing odd byte', () => {
    const bytes = new Uint8Array([0x00, 0x40, 0x00, 0xc0, 0x7f]);
    expect(Array.from(pcm16ToFloat(bytes))).toEqual([0.5, -0.5]);
  });

  it('round-trips a sine within one quantisation step', () => {
    const sine = Float32Array.from(
      { length: 160 },
      (_, i) => 0.8 * Math.sin((2 * Math.PI * i) / 16),
    );
    const back = pcm16ToFloat(floatToPcm16(sine));
    for (let i = 0; i < sine.length; i++)
      expect(Math.abs((back[i] ?? 0) - (sine[i] ?? 0))).toBeLessThan(1 / 32_000);
  });

  it('measures RMS', () => {
    expect(rms(new Float32Array(0))).toBe(0);
    expect(rms(Float32Array.from([0.5, -0.5, 0.5, -0.5]))).toBeCloseTo(0.5);
    expect(floatToInt16(-0.5)).toBe(-16_384);
  });
});

describe('FrameAssembler', () => {
  it('emits frames of exactly 3,200 bytes, each in its own buffer, over many uneven calls', () => {
    const frames = new FrameAssembler(1_600);
    const out: ArrayBuffer[] = [];
    let sample = 0;
    const sizes = [1, 42, 128, 1_599, 3_201, 7];
    for (let call = 0; call < 600; call++) {
      const size = sizes[call % sizes.length] ?? 1;
      const block = Float32Array.from({ length: size }, () => ((sample++ % 200) - 100) / 200);
      for (const frame of frames.push(block)) out.push(frame.pcm);
    }
    expect(out.length).toBe(Math.floor(sample / 1_600));
    expect(out.every((frame) => frame.byteLength === 3_200)).toBe(true);
    expect(new Set(out).size).toBe(out.length);
    // Frame boundaries are exact: sample k of the stream is sample k % 1600 of frame k / 1600.
    const k = 1_600 * 7 + 123;
    const value = new DataView(out[7] as ArrayBuffer).getInt16(123 * 2, true);
    expect(value).toBe(floatToInt16(((k % 200) - 100) / 200));
  });

  it('reports the level of each frame', () => {
    const frames = new FrameAssembler(4);
    const [frame] = frames.push(Float32Array.from([0.5, -0.5, 0.5, -0.5]));
    expect(frame?.level).toBeCloseTo(0.5, 3);
  });

  it('refuses a frame size that is not a positive whole number', () => {
    expect(() => new FrameAssembler(0)).toThrow(RangeError);
    expect(() => new FrameAssembler(1.5)).toThrow(RangeError);
  });
});
