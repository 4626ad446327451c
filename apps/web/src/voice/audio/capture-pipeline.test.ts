import { VOICE_DEFAULTS } from '@atlas/protocol';
import { describe, expect, it } from 'vitest';
import {
  CAPTURE_FRAME_SAMPLES,
  CAPTURE_SAMPLE_RATE,
  CapturePipeline,
  downmix,
} from './capture-pipeline.js';
import { pcm16ToFloat } from './pcm16.js';

describe('CapturePipeline', () => {
  it('turns 48 kHz render quanta into 100 ms PCM16 frames at 16 kHz with their level', () => {
    const pipeline = new CapturePipeline(48_000);
    const frames = [];
    let n = 0;
    // Two seconds of a 440 Hz tone at amplitude 0.5, in 128-sample quanta.
    for (let q = 0; q < 750; q++) {
      const block = Float32Array.from(
        { length: 128 },
        () => 0.5 * Math.sin((2 * Math.PI * 440 * n++) / 48_000),
      );
      frames.push(...pipeline.push([block]));
    }
    expect(frames.length).toBe(19); // 20 frames minus the resampler's few samples of look-ahead
    expect(frames.every((frame) => frame.pcm.byteLength === 3_200)).toBe(true);
    const last = frames.at(-1);
    expect(last?.level).toBeCloseTo(0.5 / Math.SQRT2, 2);
    // The frame holds the tone at 16 kHz: samples 1/16,000 s apart.
    const samples = pcm16ToFloat(new Uint8Array(last?.pcm ?? new ArrayBuffer(0)));
    const start = (18 * 1_600) / 16_000;
    const expected = 0.5 * Math.sin(2 * Math.PI * 440 * (start + 10 / 16_000));
    expect(samples[10]).toBeCloseTo(expected, 2);
  });

  it('uses the wire format of the protocol', () => {
    expect(CAPTURE_SAMPLE_RATE).toBe(VOICE_DEFAULTS.inputSampleRate);
    expect(CAPTURE_FRAME_SAMPLES * 2).toBe(VOICE_DEFAULTS.frameBytes);
    expect((CAPTURE_FRAME_SAMPLES / CAPTURE_SAMPLE_RATE) * 1000).toBe(VOICE_DEFAULTS.frameMs);
  });

  it('produces nothing for a quantum with no input channels', () => {
    expect(new CapturePipeline(48_000).push([])).toEqual([]);
  });

  it('mixes stereo down to mono', () => {
    const mono = downmix([Float32Array.from([1, 0]), Float32Array.from([0, 1])]);
    expect(Array.from(mono)).toEqual([0.5, 0.5]);
  });
});
